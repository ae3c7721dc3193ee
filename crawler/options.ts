import { closest, distance } from 'fastest-levenshtein';
import { CRAWL_DEFAULTS, defaultConcurrency } from './defaults.js';
import {
  type DistributedOptions,
  DISTRIBUTED_OPTION_NAMES,
  type DistributedRun,
  resolveDistributedRun,
} from './distributed/run-options.js';
import { checkInteger, describeValue, InvalidOptionError } from './errors.js';
import type { ExtractFunction, ExtractSpec } from './extract/extract-types.js';
import { extractSpecOf } from './extract/load-extract.js';
import {
  FOLLOW_OPTION_NAMES,
  followFingerprint,
  type FollowOptions,
  type ResolvedFollow,
  resolveFollow,
} from './frontier/options.js';
import {
  LINK_CHECK_OPTION_NAMES,
  type LinkCheckOptions,
  type ResolvedLinkCheck,
  resolveLinkCheck,
} from './link-check/options.js';
import { type CrawlPool, poolSettings } from './strategies/pool-handle.js';
import type { PoolKind } from './strategies/task-pool.js';
import type { FetchOptions, WorkerConfig } from './step-options.js';
import {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  type ParsePlacement,
} from './types.js';

/** Options of {@link crawl}, as given. Every field is optional; the defaults are in `CRAWL_DEFAULTS`. */
export interface CrawlOptions extends FollowOptions, DistributedOptions, LinkCheckOptions {
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
  /**
   * For the pools: tasks each worker runs at once on its own event loop. 1 is the classic pool (one
   * request in flight per worker); more is a hybrid pool: many requests in flight and every core
   * parsing. `concurrency` stays the number of workers. @default 1
   */
  readonly perWorker?: number;
  /**
   * For the pools: how long a worker may spend on one task, fetch included, before it is replaced
   * and the page recorded as `TASK_TIMEOUT` (a runaway parse or extraction cannot hold a worker,
   * or a Ctrl-C, for ever). @default 60000
   */
  readonly taskTimeoutMs?: number;
  /** @default true */
  readonly parse?: boolean;
  /** Per-attempt deadline covering connect, headers and body. @default 10000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on network errors, 5xx, 408 and 429. @default 2 */
  readonly retries?: number;
  /** Base of the exponential backoff with full jitter. @default 200 */
  readonly retryDelayMs?: number;
  /** Upper bound of one backoff wait, `Retry-After` included. @default 30000 */
  readonly maxRetryDelayMs?: number;
  /** Cap on the decompressed body. @default 10485760 (10 MiB) */
  readonly maxBytes?: number;
  /** Redirects followed before `TOO_MANY_REDIRECTS`. @default 5 */
  readonly maxRedirects?: number;
  /** @default 'crawlbench/<version> (+https://www.npmjs.com/package/crawlbench)' */
  readonly userAgent?: string;
  /** Aborting it stops dispatching new tasks; tasks in flight finish and are recorded. */
  readonly signal?: AbortSignal;
  /** Aborting it also aborts tasks in flight; they are recorded with code `ABORTED`. */
  readonly abortSignal?: AbortSignal;
  /**
   * Extraction code run on every HTML page where it is parsed: an ES module exporting
   * `extract(page)` (a path, resolved against the working directory, or a file: URL), which works
   * under every strategy; or a function, which only the main thread can run (serial, async, and the
   * pools with `parseIn: 'main'`). What it returns becomes the record's `data`.
   */
  readonly extract?: string | URL | ExtractFunction;
  /**
   * Called on the main thread once per fetched page with when and where it ran (the bench draws its
   * timelines from it). Costs a few numbers per page; off when absent.
   */
  readonly timeline?: (entry: TimelineEntry) => void;
  /**
   * A pool from `createCrawlPool`, kept warm across crawls. Its strategy, concurrency and
   * worker-side options (fetch, parse, mode, cpuWork, parseIn) replace this object's.
   */
  readonly pool?: CrawlPool;
}

/** What every resolved crawl has, whatever runs it. */
interface ResolvedBase {
  readonly mode: CrawlMode;
  /** The fetch and parse options of every task, wherever it runs. */
  readonly worker: WorkerConfig;
  /** The link-following frontier; null for a plain list crawl. */
  readonly follow: ResolvedFollow | null;
  readonly signal: AbortSignal | undefined;
  readonly abortSignal: AbortSignal | undefined;
  /** The crawl's extraction code, or null. A module's spec is also in `worker.extract`. */
  readonly extract: ResolvedExtract | null;
  /** The timeline callback, or null (`worker.trace` says the same to the workers). */
  readonly timeline: ((entry: TimelineEntry) => void) | null;
  /** Link checking (`checkLinks`), or null. */
  readonly linkCheck: ResolvedLinkCheck | null;
}

/** One fetched page of a crawl's timeline: times in epoch ms (`performance.timeOrigin + now()`). */
export interface TimelineEntry {
  readonly line: number;
  /** 0-based lane: a (worker, slot) pair, numbered in the order they first ran a page. */
  readonly lane: number;
  /** Handed to the strategy. */
  readonly handedAt: number;
  readonly startedAt: number;
  readonly firstByteAt: number | null;
  readonly fetchedAt: number;
  /** Its record was made. */
  readonly finishedAt: number;
  readonly failed: boolean;
}

/** Extraction code: a module (which the workers load too) or a function (the main thread only). */
export type ResolvedExtract =
  | { readonly kind: 'module'; readonly spec: ExtractSpec }
  | { readonly kind: 'function'; readonly fn: ExtractFunction };

/** Serial or async: every task on the main thread. */
export interface ResolvedLocalOptions extends ResolvedBase {
  readonly kind: 'local';
  readonly strategy: 'serial' | 'async';
  /** Requests in flight (1 for serial). */
  readonly concurrency: number;
  readonly parseIn: 'main';
}

/** A thread or process pool, started for the crawl or kept by the caller. */
export interface ResolvedPooledOptions extends ResolvedBase {
  readonly kind: 'pooled';
  readonly strategy: PoolKind;
  /** Workers. */
  readonly concurrency: number;
  /** Tasks each worker runs at once. */
  readonly perWorker: number;
  /** A task running longer than this gets its worker replaced. */
  readonly taskTimeoutMs: number;
  readonly parseIn: ParsePlacement;
  /** The caller's warm pool, or null: the crawl starts its own. */
  readonly pool: CrawlPool | null;
}

/** Tasks queued in Redis for `crawlbench worker` processes. */
export interface ResolvedDistributedOptions extends ResolvedBase {
  readonly kind: 'distributed';
  readonly strategy: 'distributed';
  /** Tasks of the run queued or running at once. */
  readonly concurrency: number;
  readonly parseIn: 'worker';
  readonly run: DistributedRun;
}

/** The options of a crawl after validation and defaults: one shape per kind of runner. */
export type ResolvedCrawlOptions = ResolvedLocalOptions | ResolvedPooledOptions | ResolvedDistributedOptions;

const OPTION_NAMES: ReadonlySet<string> = new Set<keyof CrawlOptions>([
  'strategy',
  'concurrency',
  'mode',
  'cpuWork',
  'parseIn',
  'perWorker',
  'taskTimeoutMs',
  'parse',
  'timeoutMs',
  'retries',
  'retryDelayMs',
  'maxRetryDelayMs',
  'maxBytes',
  'maxRedirects',
  'userAgent',
  'signal',
  'abortSignal',
  'extract',
  'timeline',
  'pool',
  ...FOLLOW_OPTION_NAMES,
  ...DISTRIBUTED_OPTION_NAMES,
  ...LINK_CHECK_OPTION_NAMES,
]);

/** Refuses keys that are no option: a misspelt one would otherwise be silently ignored. */
function checkKnownKeys(options: object): void {
  for (const key of Object.keys(options)) {
    if (OPTION_NAMES.has(key)) continue;
    const near = closest(key, [...OPTION_NAMES]);
    const hint =
      distance(key, near) <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean \`${near}\`?` : '';
    throw new InvalidOptionError(`Unknown crawl option \`${key}\`${hint}`);
  }
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

function boolean(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

function signalOf(name: string, value: AbortSignal | undefined): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new InvalidOptionError(`Expected \`${name}\` to be an AbortSignal, got ${describeValue(value)}`);
}

/** Characters a header value may not hold (RFC 9110 field-value; the rule Node's HTTP client applies). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** The User-Agent, refused here when a request would refuse it: every page would fail otherwise. */
function userAgentOf(value: string | undefined): string {
  const userAgent = value ?? CRAWL_DEFAULTS.userAgent;
  if (typeof userAgent !== 'string' || userAgent.trim() === '' || INVALID_HEADER_CHAR.test(userAgent)) {
    throw new InvalidOptionError(
      `Expected \`userAgent\` to be a non-empty header value (printable characters, no control ` +
        `characters), got ${describeValue(userAgent)}`,
    );
  }
  return userAgent;
}

function fetchOptionsOf(options: CrawlOptions, hostBackoff: boolean, linkCheck: boolean): FetchOptions {
  const d = CRAWL_DEFAULTS;
  const int = (name: keyof CrawlOptions & keyof typeof d, min: number): number =>
    checkInteger(name, options[name] as number | undefined, min) ?? (d[name] as number);
  return {
    timeoutMs: int('timeoutMs', 1),
    retries: int('retries', 0),
    retryDelayMs: int('retryDelayMs', 0),
    maxRetryDelayMs: int('maxRetryDelayMs', 0),
    maxBytes: int('maxBytes', 1),
    maxRedirects: int('maxRedirects', 0),
    userAgent: userAgentOf(options.userAgent),
    ...(hostBackoff && { hostBackoff: true }),
    ...(linkCheck && { linkCheck: true }),
  };
}

/**
 * Validates a crawl's options once, at the public facade, and fills in the defaults. The inner
 * code trusts what comes out. Throws {@link InvalidOptionError} with a message that says what was
 * expected and what came.
 */
export function resolveCrawlOptions(options: CrawlOptions = {}): ResolvedCrawlOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(`Expected the options to be an object, got ${describeValue(options)}`);
  }
  checkKnownKeys(options);
  const signal = signalOf('signal', options.signal);
  const abortSignal = signalOf('abortSignal', options.abortSignal);
  if (options.pool !== undefined) return resolveOnPool(options, options.pool, signal, abortSignal);

  const strategy = oneOf('strategy', options.strategy, CRAWL_STRATEGY_NAMES, CRAWL_DEFAULTS.strategy);
  if (strategy !== 'distributed') {
    for (const name of DISTRIBUTED_OPTION_NAMES) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(
          `\`${name}\` is an option of the distributed strategy, got it with strategy ${describeValue(strategy)} ` +
            '(CLI: --redis, --run-id, --keep and --stall-timeout need --strategy distributed)',
        );
      }
    }
  }
  const mode = oneOf<CrawlMode>('mode', options.mode, ['io', 'cpu'], CRAWL_DEFAULTS.mode);
  const parseIn = oneOf<ParsePlacement>(
    'parseIn',
    options.parseIn,
    ['worker', 'main'],
    CRAWL_DEFAULTS.parseIn,
  );
  const concurrency =
    strategy === 'serial'
      ? 1
      : (checkInteger('concurrency', options.concurrency, 1) ?? defaultConcurrency(strategy));
  const cpuWork = checkInteger('cpuWork', options.cpuWork, 0) ?? CRAWL_DEFAULTS.cpuWork;
  const perWorker = checkInteger('perWorker', options.perWorker, 1, 10_000) ?? CRAWL_DEFAULTS.perWorker;
  const taskTimeoutMs =
    checkInteger('taskTimeoutMs', options.taskTimeoutMs, 1) ?? CRAWL_DEFAULTS.taskTimeoutMs;
  for (const name of ['perWorker', 'taskTimeoutMs'] as const) {
    if (options[name] !== undefined && strategy !== 'threads' && strategy !== 'processes') {
      throw new InvalidOptionError(
        `\`${name}\` is an option of the pools (threads, processes), got it with strategy ${describeValue(strategy)}`,
      );
    }
  }
  const parse = boolean('parse', options.parse, CRAWL_DEFAULTS.parse);
  const linkCheck = resolveLinkCheck(options, parse, process.cwd());
  const follow = resolveFollow(options, parse, linkCheck !== null);
  const extract = extractOf(options.extract, strategy, parseIn);
  const timeline = timelineOf(options.timeline);
  const checks = linkCheck && { resources: linkCheck.resources, fragments: linkCheck.fragments };
  const worker: WorkerConfig = {
    fetch: fetchOptionsOf(options, follow !== null, linkCheck !== null),
    parse: { parse, cpuWork: mode === 'cpu' ? cpuWork : 0, ...(checks && { checks }) },
    ...(extract?.kind === 'module' && { extract: extract.spec }),
    ...(timeline !== null && { trace: true }),
  };
  const base = { mode, worker, follow, signal, abortSignal, extract, timeline, linkCheck };
  switch (strategy) {
    case 'serial':
    case 'async':
      return { ...base, kind: 'local', strategy, concurrency, parseIn: 'main' };
    case 'threads':
    case 'processes':
      return {
        ...base,
        kind: 'pooled',
        strategy,
        concurrency,
        perWorker,
        taskTimeoutMs,
        parseIn,
        pool: null,
      };
    case 'distributed':
      return {
        ...base,
        kind: 'distributed',
        strategy,
        concurrency,
        parseIn: 'worker',
        run: resolveDistributedRun(options, concurrency, worker, follow && followFingerprint(follow)),
      };
  }
}

function timelineOf(value: CrawlOptions['timeline']): ((entry: TimelineEntry) => void) | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') {
    throw new InvalidOptionError(`Expected \`timeline\` to be a function, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * The extraction option, checked: a module is found and hashed now; a function is refused where
 * it would have to cross to another thread or process (it cannot be sent there).
 */
function extractOf(
  value: CrawlOptions['extract'],
  strategy: CrawlStrategyName,
  parseIn: ParsePlacement,
): ResolvedExtract | null {
  if (value === undefined) return null;
  if (typeof value === 'function') {
    const remote =
      strategy === 'distributed' ||
      ((strategy === 'threads' || strategy === 'processes') && parseIn === 'worker');
    if (remote) {
      throw new InvalidOptionError(
        `\`extract\` is a function, which cannot be sent to ${strategy === 'distributed' ? 'distributed workers' : `the ${strategy} of the pool`}: ` +
          "pass a module instead (a path or file: URL of an ES module exporting `extract`), or parse on the main thread (`parseIn: 'main'`)",
      );
    }
    return { kind: 'function', fn: value as ExtractFunction };
  }
  if (typeof value === 'string' || value instanceof URL)
    return { kind: 'module', spec: extractSpecOf(value, process.cwd()) };
  throw new InvalidOptionError(
    `Expected \`extract\` to be a module path, a file: URL or a function, got ${describeValue(value)}`,
  );
}

/**
 * A crawl on a warm pool: the pool's strategy, workers and worker-side options; the crawl's own
 * link following and signals. A 429 or 503 is waited out in the worker (the pool's fetch options
 * were fixed when it started), so the frontier cannot hold back that host alone.
 */
function resolveOnPool(
  options: CrawlOptions,
  pool: CrawlPool,
  signal: AbortSignal | undefined,
  abortSignal: AbortSignal | undefined,
): ResolvedPooledOptions {
  const settings = poolSettings(pool);
  if (resolveLinkCheck(options, settings.worker.parse.parse, process.cwd()) !== null) {
    throw new InvalidOptionError(
      "`checkLinks` cannot run on a warm `pool`: its workers' parse options were fixed when it started; crawl without `pool`",
    );
  }
  return {
    kind: 'pooled',
    strategy: settings.tasks.kind,
    concurrency: settings.tasks.size,
    perWorker: settings.tasks.perWorker,
    taskTimeoutMs: settings.taskTimeoutMs,
    parseIn: settings.parseIn,
    mode: settings.mode,
    worker: settings.worker,
    follow: resolveFollow(options, settings.worker.parse.parse),
    signal,
    abortSignal,
    extract: settings.worker.extract ? { kind: 'module', spec: settings.worker.extract } : null,
    // Kept only when the pool's workers trace their pages (a pool made with a `timeline` option).
    timeline: settings.worker.trace === true ? timelineOf(options.timeline) : null,
    linkCheck: null,
    pool,
  };
}
