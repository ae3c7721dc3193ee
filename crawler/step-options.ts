import { CRAWL_DEFAULTS } from './defaults.js';
import type { ExtractSpec } from './extract/extract-types.js';
import type { LinkCheckParse } from './parse/link-facts.js';

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
   * A 429 or 503 with `Retry-After` is handed back at once (the fetched page carries its
   * `retryAfterMs`) instead of being waited out inside the task, so the task source can hold back
   * that host alone. Set by `crawl` when the link-following frontier runs. @default false
   */
  readonly hostBackoff?: boolean;
  /**
   * Link checking: every fetched page reports its {@link ResponseFacts} (the method, the cache
   * headers of its last response, the statuses of its redirects) for the main thread's verdict and
   * results cache. Set by `crawl` with `checkLinks`. @default false
   */
  readonly linkCheck?: boolean;
}

/** Options of the parse step. Plain data, like {@link FetchOptions}. */
export interface ParseOptions {
  /** Parse HTML pages; when false, records carry `parse: null` (fetch-only crawl). @default true */
  readonly parse: boolean;
  /** Rounds of deterministic extra CPU work per parsed page (0 in `io` mode). */
  readonly cpuWork: number;
  /**
   * Link checking: also collect each link's text, and what this asks for, into the parse result's
   * `linkCheck` (shipped with the task's result, never written to a record). Absent: not collected.
   */
  readonly checks?: LinkCheckParse;
}

/** Everything a worker needs to process tasks: the options of the fetch and parse steps. */
export interface WorkerConfig {
  readonly fetch: FetchOptions;
  readonly parse: ParseOptions;
  /** The extraction module every worker loads, when the crawl has one (a function cannot travel). */
  readonly extract?: ExtractSpec;
  /** Keep when and where each page ran (the crawl's `timeline`): a few numbers per page. */
  readonly trace?: boolean;
}

export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  timeoutMs: CRAWL_DEFAULTS.timeoutMs,
  retries: CRAWL_DEFAULTS.retries,
  retryDelayMs: CRAWL_DEFAULTS.retryDelayMs,
  maxRetryDelayMs: CRAWL_DEFAULTS.maxRetryDelayMs,
  maxBytes: CRAWL_DEFAULTS.maxBytes,
  maxRedirects: CRAWL_DEFAULTS.maxRedirects,
  userAgent: CRAWL_DEFAULTS.userAgent,
};
