import type { PageError } from './errors.js';
import type { LinkCheckInfo } from './link-check/types.js';
import type { LinkFacts } from './parse/link-facts.js';

/** One unit of crawl work: a URL and the line of the list it came from. Structured-cloneable. */
export interface Task {
  /** 1-based line number in the input list (0 for tasks that did not come from a list). */
  readonly line: number;
  /** The absolute http(s) URL, as written in the list (trimmed), or normalized when following links. */
  readonly url: string;
  /** Links followed from a seed to reach it (absent: 0). */
  readonly depth?: number;
  /** The page that first linked to it, or the sitemap that listed it (absent: null). */
  readonly referrer?: string | null;
  /** HTTP attempts already made for it by earlier tries (absent: 0); they count against `retries`. */
  readonly attempts?: number;
  /**
   * Link checking: the URL is only checked, not crawled — HEAD, then GET when the HEAD is refused or
   * answered with an error, the body not read, nothing parsed. Absent: crawled as usual.
   */
  readonly checkOnly?: true;
  /**
   * Link checking with a results cache: the conditional headers (`if-none-match`,
   * `if-modified-since`) of the first request, from the stored response's validators. A 304 to them
   * is a final answer with no body and no error.
   */
  readonly revalidate?: Readonly<Record<string, string>>;
}

/** What the parse step extracts from an HTML page. */
export interface ParseResult {
  readonly title: string | null;
  readonly description: string | null;
  /** Absolute canonical URL from `<link rel="canonical">`, or null. */
  readonly canonical: string | null;
  /** The `lang` attribute of `<html>`, or null. */
  readonly lang: string | null;
  readonly h1Count: number;
  /** Absolute http(s) links, fragments stripped, deduplicated, in document order. */
  readonly links: readonly string[];
  readonly wordCount: number;
  /** SHA-256 (hex) of the normalized visible text. */
  readonly textHash: string;
  /** Digest of the extra CPU work of `mode: 'cpu'` (hex), or null in `io` mode. */
  readonly cpuDigest: string | null;
  /**
   * Link checking only (`ParseOptions.checks`): link texts, fragments, resources and ids. Moved to
   * the task's result when the record is made, so records never carry it.
   */
  readonly linkCheck?: LinkFacts;
}

/** Timings of one page, in milliseconds. */
export interface PageTimings {
  /** Time to the first byte of the last attempt's response headers, or null if none arrived. */
  readonly ttfbMs: number | null;
  /** Fetch time over all attempts, redirects and backoff waits, body included. */
  readonly fetchMs: number;
  /** Decode plus parse time (0 when nothing was parsed). */
  readonly parseMs: number;
  /** `fetchMs + parseMs`. */
  readonly totalMs: number;
}

/** The one result of one input URL. Exactly one is produced per task. */
export interface PageRecord {
  /**
   * The list line of the URL; for a URL found by following links or in a sitemap, a number after
   * the list's last line, unique in the crawl.
   */
  readonly line: number;
  readonly url: string;
  /** Links followed from a seed to reach it: 0 for the list's URLs. */
  readonly depth: number;
  /** The page that first linked to it (or the sitemap that listed it); null for the list's URLs. */
  readonly referrer: string | null;
  /** URL of the last response after redirects, or null when no response arrived. */
  readonly finalUrl: string | null;
  readonly status: number | null;
  readonly contentType: string | null;
  /** Body bytes after decompression (up to the cap). */
  readonly bytes: number;
  readonly redirects: number;
  /** HTTP attempts made for this URL (1 + retries used); 0 when no request was made. */
  readonly attempts: number;
  readonly timings: PageTimings;
  /** The parse result, or null when the page failed, was not HTML, or parsing was off. */
  readonly parse: ParseResult | null;
  /**
   * What the extraction module returned for the page (JSON). Present only when the crawl has one:
   * null when it returned nothing, failed (see `error`), or did not run (the page failed or was not
   * HTML).
   */
  readonly data?: JsonValue;
  /** Null on success. */
  readonly error: PageError | null;
  /** Present only in a link-checking crawl (`checkLinks`): what kind of URL it is and its verdict. */
  readonly check?: LinkCheckInfo;
}

/** A JSON value: what extraction code may return, and what a record's `data` holds. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * The result of the fetch step: the page's response and its decoded text, ready to parse.
 * Produced wherever the fetch runs (main thread, worker thread, child process) and
 * structured-cloneable so it can cross to the main thread.
 */
export interface FetchedPage {
  readonly task: Task;
  readonly finalUrl: string | null;
  readonly status: number | null;
  readonly contentType: string | null;
  readonly bytes: number;
  readonly redirects: number;
  readonly attempts: number;
  readonly ttfbMs: number | null;
  readonly fetchMs: number;
  /** When the fetch started, in epoch ms (see {@link PageTrace}). */
  readonly startedAt: number;
  /** When the last attempt's response headers arrived, in epoch ms, or null. */
  readonly firstByteAt: number | null;
  /** Where it was fetched (see {@link PageTrace}), for a crawl that keeps a timeline. */
  readonly lane?: { readonly worker: number; readonly slot: number };
  /** The headers of the last response, names lower-cased; kept with the body only, else null. */
  readonly headers: Readonly<Record<string, string | readonly string[]>> | null;
  /** The raw body, when the response is HTML and succeeded (decoded in the parse step). */
  readonly body: Uint8Array | null;
  readonly error: PageError | null;
  /**
   * Set when a 429 or 503 with `Retry-After` was handed back rather than waited out
   * (`FetchOptions.hostBackoff`): the server's wait, capped at `maxRetryDelayMs`. The task source
   * holds back the page's host that long and asks for the page again. Null otherwise.
   */
  readonly retryAfterMs: number | null;
  /** Link checking (`FetchOptions.linkCheck`): how the response came; absent otherwise. */
  readonly response?: ResponseFacts;
}

/** How the response of a link-checking task came, for the verdict and the results cache. */
export interface ResponseFacts {
  /** The method of the last request: HEAD, or GET (crawled pages, and a HEAD refused). */
  readonly method: 'HEAD' | 'GET';
  /**
   * The cache-related headers of the last response, names lower-cased: `cache-control`, `etag`,
   * `last-modified`, `expires`, `date`, `age`, `pragma`, `vary`.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The statuses of the redirects followed, in order (`[301, 308]`). */
  readonly redirects: readonly number[];
  /** Conditional headers went out with the first request (`Task.revalidate`). */
  readonly conditional: boolean;
}

/** What the main thread needs of a finished link-checking task, beyond its record. */
export interface TaskLinkCheck {
  readonly response: ResponseFacts | null;
  /** The parse's {@link LinkFacts} of a crawled page; null when it was not parsed. */
  readonly links: LinkFacts | null;
}

/**
 * A finished task as a runner hands it back: its record, and — for a page a 429 or 503 sent back
 * (`FetchOptions.hostBackoff`) — how long its host asked to be left alone. The task source decides
 * whether the record is the task's last ({@link FetchedPage.retryAfterMs}).
 */
export interface TaskResult {
  readonly record: PageRecord;
  readonly retryAfterMs: number | null;
  /** When and where the page ran, for a crawl that keeps a timeline (`timeline` option). */
  readonly trace?: PageTrace;
  /** Link checking only: how the response came and what the parse found for the checker. */
  readonly linkCheck?: TaskLinkCheck;
}

/**
 * When and where one page ran, in epoch milliseconds (`performance.timeOrigin + performance.now()`,
 * comparable across threads and processes of one machine).
 */
export interface PageTrace {
  /** The thread (`threadId`) or child process (`pid`) that fetched it; 0 for the main thread. */
  readonly worker: number;
  /** Its slot there: which of the worker's requests in flight it was (0 when it has one). */
  readonly slot: number;
  /** The fetch started (its first attempt). */
  readonly startedAt: number;
  /** The last attempt's response headers arrived, or null when none did. */
  readonly firstByteAt: number | null;
  /** The fetch ended: body read, or failed. */
  readonly fetchedAt: number;
  /** The record was made: decode, parse and extraction done. */
  readonly finishedAt: number;
}

export type StrategyName = 'serial' | 'async' | 'threads' | 'processes';
export const STRATEGY_NAMES: readonly StrategyName[] = ['serial', 'async', 'threads', 'processes'];
/**
 * What `crawl` accepts: the four local strategies, or `distributed` (tasks run by `crawlbench
 * worker` processes through Redis). Kept apart from {@link StrategyName} because the bench and its
 * reports compare local strategies only.
 */
export type CrawlStrategyName = StrategyName | 'distributed';
export const CRAWL_STRATEGY_NAMES: readonly CrawlStrategyName[] = [...STRATEGY_NAMES, 'distributed'];

export type CrawlMode = 'io' | 'cpu';
export type ParsePlacement = 'worker' | 'main';
