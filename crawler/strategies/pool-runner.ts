import type { ResolvedPooledOptions } from '../options.js';
import type { Task } from '../types.js';
import { runWithCrashRetry } from './crash-retry.js';
import { dispatch } from './dispatch.js';
import { poolSettings } from './pool-handle.js';
import type { ProcessUsage } from './process-protocol.js';
import type { ChildProcessesUsage, Runner } from './runner.js';
import { createTaskPool, tasksPerWorker } from './task-pool.js';
import { resultOf } from './worker-outcome.js';

/** What the children used during this crawl: the end reading minus the start reading, per pid. */
function usageSince(
  before: readonly ProcessUsage[],
  after: readonly ProcessUsage[],
): ChildProcessesUsage | null {
  if (after.length === 0) return null;
  let userCpuMs = 0;
  let systemCpuMs = 0;
  let maxRssBytes = 0;
  for (const end of after) {
    const start = before.find((u) => u.pid === end.pid);
    userCpuMs += end.userCpuMs - (start?.userCpuMs ?? 0);
    systemCpuMs += end.systemCpuMs - (start?.systemCpuMs ?? 0);
    maxRssBytes = Math.max(maxRssBytes, end.maxRssBytes);
  }
  return { count: after.length, userCpuMs, systemCpuMs, maxRssBytes };
}

/**
 * Runs each task on a pool worker, up to `perWorker` tasks per worker at a time. It uses the caller's warm pool
 * when the options have one, else starts its own and destroys it at the end. A task whose worker
 * dies is retried once ({@link runWithCrashRetry}); what a worker did not parse is parsed here.
 */
export function poolRunner(options: ResolvedPooledOptions): Runner {
  return {
    strategy: options.strategy,
    run: async (tasks, context, onResult) => {
      const pool = options.pool
        ? poolSettings(options.pool).tasks
        : createTaskPool(
            options.strategy,
            options.concurrency,
            { config: options.worker, parseIn: options.parseIn },
            { perWorker: options.perWorker, taskTimeoutMs: options.taskTimeoutMs },
          );
      let childProcesses: ChildProcessesUsage | null = null;
      try {
        // A pool of this crawl's own counts from its spawn; a warm pool from now.
        const before = options.pool ? await pool.usage() : [];
        // As many tasks out as the workers take at once: no more is pulled than can run.
        const slots = pool.size * tasksPerWorker(pool.perWorker);
        await dispatch(tasks, slots, context.signal, async (task: Task) => {
          const outcome = await runWithCrashRetry(
            task,
            (t, options) => pool.run(t, context.abortSignal, options),
            context.abortSignal,
          );
          await onResult(await resultOf(outcome, context.finisher));
        });
        if (!context.abortSignal.aborted) childProcesses = usageSince(before, await pool.usage());
      } finally {
        if (!options.pool) await pool.destroy();
      }
      return { interrupted: false, childProcesses };
    },
  };
}
