import { availableParallelism } from 'node:os';
import type { CrawlMode, CrawlStrategyName, ParsePlacement } from './types.js';
import { DEFAULT_USER_AGENT } from './version.js';

/**
 * Every default of a crawl, written once. The option types document them with `@default`; the CLI
 * shows these values in `--help` and passes nothing for a flag it was not given, so the library
 * fills it in from here. Light on purpose (no dependency): `--help` loads it.
 */
export const CRAWL_DEFAULTS = {
  strategy: 'async' as CrawlStrategyName,
  /** Requests in flight of the async strategy. */
  asyncConcurrency: 64,
  mode: 'io' as CrawlMode,
  /** Rounds of extra CPU work per page in `cpu` mode. */
  cpuWork: 200,
  parseIn: 'worker' as ParsePlacement,
  /** Tasks each pool worker runs at once (1: the classic pool). */
  perWorker: 1,
  /**
   * How long a pool worker may spend on one task, fetch included, before it is replaced: room for
   * the fetch's retries at the default timeout and the parse of a 10 MiB page (~1.5 s).
   */
  taskTimeoutMs: 60_000,
  parse: true,
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: 200,
  maxRetryDelayMs: 30_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  userAgent: DEFAULT_USER_AGENT,
  /** Link following. */
  depth: 0,
  scope: 'same-origin' as const,
  perHostConcurrency: 2,
  perHostDelayMs: 0,
  maxQueue: 1_000_000,
  /** Link checking: the statuses that are not broken (lychee's notation), and referrers kept per URL. */
  accept: '200..=299',
  maxReferrers: 20,
  /** The results cache of link checking: one day fresh, 100,000 entries, the Redis keys' prefix. */
  cacheMaxAgeMs: 86_400_000,
  cacheMaxEntries: 100_000,
  cacheKeyPrefix: 'crawlbench:link-cache',
  /** Distributed: tasks of the run queued or running at once. */
  maxPending: 1000,
  stallTimeoutMs: 120_000,
  keep: false,
  /** `crawlbench worker`: tasks run at once per thread, and threads. */
  workerConcurrency: 16,
  workerThreads: 1,
  /** How long a dead worker holds its tasks before another may take them (BullMQ's own default). */
  workerLockDurationMs: 30_000,
  /** How often a worker looks for tasks of dead workers (BullMQ's own default). */
  workerStalledIntervalMs: 30_000,
} as const;

/** Default concurrency of a strategy: in-flight requests for async, one worker per core for the pools. */
export function defaultConcurrency(strategy: CrawlStrategyName): number {
  switch (strategy) {
    case 'serial':
      return 1;
    case 'async':
      return CRAWL_DEFAULTS.asyncConcurrency;
    case 'threads':
    case 'processes':
      return availableParallelism();
    case 'distributed':
      return CRAWL_DEFAULTS.maxPending;
  }
}
