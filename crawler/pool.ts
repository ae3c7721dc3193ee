import { InvalidOptionError, describeValue } from './errors.js';
import { type CrawlOptions, type ResolvedCrawlOptions, resolveCrawlOptions } from './options.js';
import { createTaskPool, type PoolKind, type TaskPool } from './strategies/task-pool.js';

/**
 * A pool of worker threads or child processes kept across crawls, so a program that crawls many
 * lists pays for starting workers (and warming their JIT) once. Pass it as `crawl`'s `pool`
 * option; close it when done.
 */
export interface CrawlPool {
  readonly strategy: PoolKind;
  readonly concurrency: number;
  /** Stops every worker. Crawls still using the pool fail. */
  close(): Promise<void>;
}

interface PoolInternals {
  readonly tasks: TaskPool;
  readonly options: ResolvedCrawlOptions;
}

// The internals stay out of the public object; crawl() finds them here.
const internals = new WeakMap<CrawlPool, PoolInternals>();

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
  const tasks = createTaskPool(resolved.strategy as PoolKind, resolved.concurrency, {
    config: resolved.worker,
    parseIn: resolved.parseIn,
  });
  let closed: Promise<void> | undefined;
  const pool: CrawlPool = {
    strategy: tasks.kind,
    concurrency: tasks.size,
    close: () => (closed ??= tasks.destroy()),
  };
  internals.set(pool, { tasks, options: resolved });
  return pool;
}

/** The pool's task pool and options, or an error when `pool` was not made by {@link createCrawlPool}. */
export function poolInternals(pool: CrawlPool): PoolInternals {
  const found = internals.get(pool);
  if (!found) throw new InvalidOptionError('Expected `pool` to come from createCrawlPool()');
  return found;
}
