import { InvalidOptionError } from '../errors.js';
import type { WorkerConfig } from '../step-options.js';
import type { CrawlMode, ParsePlacement } from '../types.js';
import type { PoolKind, TaskPool } from './task-pool.js';

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

/** What a pool was started with: the worker-side options every crawl on it uses. */
export interface PoolSettings {
  readonly tasks: TaskPool;
  readonly mode: CrawlMode;
  readonly parseIn: ParsePlacement;
  readonly taskTimeoutMs: number;
  readonly worker: WorkerConfig;
}

// The internals stay out of the public object; the option resolver finds them here.
const settings = new WeakMap<CrawlPool, PoolSettings>();

/** Links a public pool handle to its internals (called once, by `createCrawlPool`). */
export function registerPool(pool: CrawlPool, internals: PoolSettings): void {
  settings.set(pool, internals);
}

/** The internals of a pool, or an error when `pool` was not made by `createCrawlPool`. */
export function poolSettings(pool: CrawlPool): PoolSettings {
  const found = settings.get(pool);
  if (!found) throw new InvalidOptionError('Expected `pool` to come from createCrawlPool()');
  return found;
}
