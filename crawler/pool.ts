import { describeValue, InvalidOptionError } from './errors.js';
import { type CrawlOptions, resolveCrawlOptions } from './options.js';
import { type CrawlPool, registerPool } from './strategies/pool-handle.js';
import { createTaskPool, type PoolKind } from './strategies/task-pool.js';

/**
 * Starts a pool for the `threads` or `processes` strategy with the worker-side options of `options`
 * (fetch, parse, mode, cpuWork, parseIn), which every crawl on it uses.
 */
export function createCrawlPool(options: CrawlOptions & { readonly strategy: PoolKind }): CrawlPool {
  if (options.strategy !== 'threads' && options.strategy !== 'processes') {
    throw new InvalidOptionError(
      `Expected \`strategy\` to be threads or processes, got ${describeValue(options.strategy)}`,
    );
  }
  const resolved = resolveCrawlOptions(options);
  if (resolved.kind !== 'pooled') throw new InvalidOptionError('Expected a pooled strategy');
  const tasks = createTaskPool(
    resolved.strategy,
    resolved.concurrency,
    { config: resolved.worker, parseIn: resolved.parseIn },
    { perWorker: resolved.perWorker, taskTimeoutMs: resolved.taskTimeoutMs },
  );
  let closed: Promise<void> | undefined;
  const pool: CrawlPool = {
    strategy: tasks.kind,
    concurrency: tasks.size,
    close: () => (closed ??= tasks.destroy()),
  };
  registerPool(pool, {
    tasks,
    mode: resolved.mode,
    parseIn: resolved.parseIn,
    taskTimeoutMs: resolved.taskTimeoutMs,
    worker: resolved.worker,
  });
  return pool;
}
