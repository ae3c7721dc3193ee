import type { Task } from '../types.js';
import { runWithCrashRetry } from './crash-retry.js';
import { dispatch } from './dispatch.js';
import type { ProcessUsage } from './process-protocol.js';
import type { Strategy } from './strategy.js';
import { createTaskPool, type PoolKind } from './task-pool.js';

/** What the children used during this crawl: the end reading minus the start reading, per pid. */
function usageSince(before: readonly ProcessUsage[], after: readonly ProcessUsage[]): ProcessUsage[] {
  return after.map((end) => {
    const start = before.find((u) => u.pid === end.pid);
    if (!start) return end;
    return {
      pid: end.pid,
      userCpuMs: end.userCpuMs - start.userCpuMs,
      systemCpuMs: end.systemCpuMs - start.systemCpuMs,
      maxRssBytes: end.maxRssBytes,
    };
  });
}

/**
 * A strategy that runs each task on a pool worker, one task per worker at a time. It uses the
 * caller's pool when the context has one (kept warm across crawls), else starts its own and
 * destroys it at the end.
 */
export function poolStrategy(kind: PoolKind): Strategy {
  return {
    name: kind,
    run: async (tasks, context, onOutcome) => {
      const pool =
        context.pool ??
        createTaskPool(kind, context.concurrency, { config: context.config, parseIn: context.parseIn });
      const before = context.onProcessUsage ? await pool.usage() : [];
      try {
        await dispatch(tasks, pool.size, context.signal, async (task: Task) => {
          const outcome = await runWithCrashRetry(
            task,
            (t) => pool.run(t, context.abortSignal),
            context.abortSignal,
          );
          await onOutcome(outcome);
        });
        if (context.onProcessUsage && !context.abortSignal?.aborted) {
          for (const usage of usageSince(before, await pool.usage())) context.onProcessUsage(usage);
        }
      } finally {
        if (pool !== context.pool) await pool.destroy();
      }
    },
  };
}
