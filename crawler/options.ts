import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkInteger, describeValue, InvalidOptionError } from './errors.js';
import type { CrawlPool } from './pool.js';
import type { DistributedRun } from './distributed/coordinator.js';
import { newRunId, RUN_ID_PATTERN } from './distributed/keys.js';
import { parseRedisUrl, redactRedisUrl } from './distributed/redis-url.js';
import { type FollowOptions, type ResolvedFollow, resolveFollow } from './frontier/options.js';
import {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  type ParsePlacement,
} from './types.js';

/** Options of the fetch step. Plain data: it is sent to worker threads and child processes. */
export interface FetchOptions {
  /** Per-attempt deadline covering connect, headers and body. @default 10000 */
  readonly timeoutMs: number;
  /** Retries after the first attempt on network errors, 5xx, 408 and 429. @default 2 */
  readonly retries: number;
  /** Base of the exponential backoff (full jitter): attempt n waits up to `retryDelayMs * 2^(n-1)`. @default 200 */
  readonly retryDelayMs: number;
  /** Upper bound of one backoff wait, `Retry-After` included. @default 30000 */
  readonly maxRetryDelayMs: number;
  /** Cap on the decompressed body, enforced while streaming. @default 10485760 (10 MiB) */
  readonly maxBytes: number;
  /** Redirects followed before `TOO_MANY_REDIRECTS`. @default 5 */
  readonly maxRedirects: number;
  /** @default 'crawlbench/<version> (+https://www.npmjs.com/package/crawlbench)' */
  readonly userAgent: string;
  /**
   * A 429 or 503 with `Retry-After` is handed back at once (its error carries `retryAfterMs`)
   * instead of being waited out inside the task, so the caller can hold back that host alone.
   * Set by `crawl` when the link-following frontier runs. @default false
   */
  readonly hostBackoff?: boolean;
}

/** Options of the parse step. Plain data, like {@link FetchOptions}. */
export interface ParseOptions {
  /** Parse HTML pages; when false, records carry `parse: null` (fetch-only crawl). @default true */
  readonly parse: boolean;
  /** Rounds of deterministic extra CPU work per parsed page (0 in `io` mode). */
  readonly cpuWork: number;
}

/** Everything a worker needs to process tasks. */
export interface WorkerConfig {
  readonly fetch: FetchOptions;
  readonly parse: ParseOptions;
}

export const DEFAULT_CPU_WORK = 200;
/** Default bound on the tasks of a distributed run queued or running at once. */
export const DEFAULT_MAX_PENDING = 1000;
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;

/** Options of {@link crawl}, as given. Every field is optional; see {@link ResolvedCrawlOptions} for defaults. */
export interface CrawlOptions extends FollowOptions {
  /** @default 'async' */
  readonly strategy?: CrawlStrategyName;
  /**
   * Requests in flight for `async`; workers for `threads` and `processes`; ignored by `serial`;
   * for `distributed`, tasks of the run queued or running at once (the backpressure bound: the
   * workers' own `--concurrency` decides how many run).
   * @default 64 for async, the number of CPU cores for the pools, 1000 for distributed
   */
  readonly concurrency?: number;
  /** @default 'io' */
  readonly mode?: CrawlMode;
  /** Extra CPU work per page in `cpu` mode. @default 200 */
  readonly cpuWork?: number;
  /** For the pools: parse in the worker or in the main thread's completion callback. @default 'worker' */
  readonly parseIn?: ParsePlacement;
  /** @default true */
  readonly parse?: boolean;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  readonly userAgent?: string;
  /** Aborting it stops dispatching new tasks; tasks in flight finish and are recorded. */
  readonly signal?: AbortSignal;
  /** Aborting it also aborts tasks in flight; they are recorded with code `ABORTED`. */
  readonly abortSignal?: AbortSignal;
  /**
   * A pool from `createCrawlPool`, kept warm across crawls. Its strategy, concurrency and
   * worker-side options (fetch, parse, mode, cpuWork, parseIn) replace this object's.
   */
  readonly pool?: CrawlPool;
  /**
   * `distributed` only, and required there: the Redis URL, `redis://[user][:password]@host[:port][/db]`
   * or `rediss://…` for TLS. The password never appears in messages.
   */
  readonly redis?: string;
  /**
   * `distributed` only: the run's name (letters, digits, `_`, `.`, `-`; at most 64). Runs sharing a
   * Redis never mix. A new id is generated when absent.
   * @default `run-<time>-<random>`
   */
  readonly runId?: string;
  /** `distributed` only: keep the run's Redis keys after it completes. @default false */
  readonly keep?: boolean;
  /**
   * `distributed` only: fail with `NO_PROGRESS` (or `REDIS_UNAVAILABLE` when Redis is the reason)
   * when no page finished for this long while tasks were queued — no workers, or all stuck.
   * @default 120000
   */
  readonly stallTimeoutMs?: number;
}

export interface ResolvedCrawlOptions {
  readonly strategy: CrawlStrategyName;
  readonly concurrency: number;
  readonly mode: CrawlMode;
  readonly parseIn: ParsePlacement;
  readonly worker: WorkerConfig;
  readonly signal: AbortSignal | undefined;
  readonly abortSignal: AbortSignal | undefined;
  /** The run of a `distributed` crawl; null for the local strategies. */
  readonly distributed: DistributedRun | null;
  /** The link-following frontier; null for a plain list crawl. */
  readonly follow: ResolvedFollow | null;
}

/** The package version, read from the package.json that ships beside dist/. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
export const DEFAULT_USER_AGENT = `crawlbench/${VERSION} (+https://www.npmjs.com/package/crawlbench)`;

export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: 200,
  maxRetryDelayMs: 30_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  userAgent: DEFAULT_USER_AGENT,
};

/** Default concurrency of a strategy: in-flight requests for async, one worker per core for the pools. */
export function defaultConcurrency(strategy: CrawlStrategyName): number {
  switch (strategy) {
    case 'serial':
      return 1;
    case 'async':
      return 64;
    case 'threads':
    case 'processes':
      return availableParallelism();
    case 'distributed':
      return DEFAULT_MAX_PENDING;
  }
}

function integer(name: string, value: number | undefined, min: number, fallback: number): number {
  return checkInteger(name, value, min) ?? fallback;
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new InvalidOptionError(
      `Expected \`${name}\` to be one of ${allowed.join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Validates options once, at the public facade, and fills in defaults. */
export function resolveCrawlOptions(options: CrawlOptions = {}): ResolvedCrawlOptions {
  const strategy = oneOf('strategy', options.strategy, CRAWL_STRATEGY_NAMES, 'async');
  checkLocalOnly(options, strategy);
  const mode = oneOf<CrawlMode>('mode', options.mode, ['io', 'cpu'], 'io');
  const parseIn = oneOf<ParsePlacement>('parseIn', options.parseIn, ['worker', 'main'], 'worker');
  const concurrency =
    strategy === 'serial' ? 1 : integer('concurrency', options.concurrency, 1, defaultConcurrency(strategy));
  const cpuWork = integer('cpuWork', options.cpuWork, 0, DEFAULT_CPU_WORK);
  const d = DEFAULT_FETCH_OPTIONS;
  const userAgent = options.userAgent ?? d.userAgent;
  if (typeof userAgent !== 'string' || userAgent.length === 0 || /[\r\n]/.test(userAgent)) {
    throw new InvalidOptionError(
      `Expected \`userAgent\` to be a non-empty single-line string, got ${describeValue(userAgent)}`,
    );
  }
  const fetch: FetchOptions = {
    timeoutMs: integer('timeoutMs', options.timeoutMs, 1, d.timeoutMs),
    retries: integer('retries', options.retries, 0, d.retries),
    retryDelayMs: integer('retryDelayMs', options.retryDelayMs, 0, d.retryDelayMs),
    maxRetryDelayMs: integer('maxRetryDelayMs', options.maxRetryDelayMs, 0, d.maxRetryDelayMs),
    maxBytes: integer('maxBytes', options.maxBytes, 1, d.maxBytes),
    maxRedirects: integer('maxRedirects', options.maxRedirects, 0, d.maxRedirects),
    userAgent,
  };
  const follow = resolveFollow(options, options.parse ?? true);
  const worker: WorkerConfig = {
    fetch: follow ? { ...fetch, hostBackoff: true } : fetch,
    parse: { parse: options.parse ?? true, cpuWork: mode === 'cpu' ? cpuWork : 0 },
  };
  return {
    strategy,
    concurrency,
    mode,
    parseIn: strategy === 'distributed' ? 'worker' : parseIn,
    worker,
    signal: options.signal,
    abortSignal: options.abortSignal,
    distributed: strategy === 'distributed' ? resolveDistributed(options, concurrency, worker) : null,
    follow,
  };
}

function resolveDistributed(options: CrawlOptions, maxPending: number, config: WorkerConfig): DistributedRun {
  if (typeof options.redis !== 'string' || options.redis === '') {
    throw new InvalidOptionError(
      'Expected `redis` to be a redis:// URL for the distributed strategy, got nothing ' +
        '(CLI: --redis or CRAWLBENCH_REDIS_URL)',
    );
  }
  const runId = options.runId ?? newRunId();
  if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) {
    throw new InvalidOptionError(
      `Expected \`runId\` to be 1-64 letters, digits, _, . or -, got ${describeValue(runId)}`,
    );
  }
  if (options.keep !== undefined && typeof options.keep !== 'boolean') {
    throw new InvalidOptionError(`Expected \`keep\` to be a boolean, got ${describeValue(options.keep)}`);
  }
  return {
    connection: parseRedisUrl(options.redis),
    where: redactRedisUrl(options.redis),
    runId,
    keep: options.keep ?? false,
    maxPending,
    stallTimeoutMs: integer('stallTimeoutMs', options.stallTimeoutMs, 1, DEFAULT_STALL_TIMEOUT_MS),
    config,
  };
}

/** The distributed-only options, refused elsewhere so a misplaced one is not silently ignored. */
function checkLocalOnly(options: CrawlOptions, strategy: CrawlStrategyName): void {
  if (strategy === 'distributed') return;
  for (const name of ['redis', 'runId', 'keep', 'stallTimeoutMs'] as const) {
    if (options[name] !== undefined) {
      throw new InvalidOptionError(
        `\`${name}\` is an option of the distributed strategy, got it with strategy ${describeValue(strategy)}`,
      );
    }
  }
}
