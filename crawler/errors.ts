/**
 * Stable error codes of crawlbench. Users match on `code`, never on messages.
 *
 * Page-level codes end up in a {@link PageRecord}'s `error`; usage codes are thrown
 * by option validation as {@link CrawlbenchError}.
 */
export const PAGE_ERROR_CODES = [
  'INVALID_URL',
  'UNSUPPORTED_SCHEME',
  'TIMEOUT',
  'DNS',
  'CONN_REFUSED',
  'CONN_RESET',
  'TLS',
  'NETWORK',
  'TOO_MANY_REDIRECTS',
  'BODY_TOO_LARGE',
  'DECODE_ERROR',
  'HTTP_4XX',
  'HTTP_5XX',
  'NOT_HTML',
  'PARSE_ERROR',
  'WORKER_CRASHED',
  'ABORTED',
  'ROBOTS_DISALLOWED',
] as const;

export type PageErrorCode = (typeof PAGE_ERROR_CODES)[number];

/** Codes of errors that stop a whole operation rather than one page. */
export type UsageErrorCode =
  | 'INVALID_OPTION'
  | 'LIST_UNREADABLE'
  | 'INVALID_RESULT'
  /** Redis could not be reached (distributed crawl, worker): at start, or for longer than allowed. */
  | 'REDIS_UNAVAILABLE'
  /** A distributed crawl saw no page finish for `stallTimeoutMs` while tasks were queued. */
  | 'NO_PROGRESS';

export type CrawlbenchErrorCode = PageErrorCode | UsageErrorCode;

/** The one base error class of crawlbench: every error it throws carries a stable `code`. */
export class CrawlbenchError extends Error {
  readonly code: CrawlbenchErrorCode;

  constructor(code: CrawlbenchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CrawlbenchError';
    this.code = code;
  }
}

/** Thrown by option validation; the CLI turns it into exit code 2 with its message. */
export class InvalidOptionError extends CrawlbenchError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
    this.name = 'InvalidOptionError';
  }
}

/** The error part of a page record: a stable code and a human message. */
export interface PageError {
  readonly code: PageErrorCode;
  readonly message: string;
  /**
   * Set on a 429 or 503 handed back for the caller to retry later (`FetchOptions.hostBackoff`):
   * the server's `Retry-After`, capped at `maxRetryDelayMs`.
   */
  readonly retryAfterMs?: number;
}

export function pageError(code: PageErrorCode, message: string): PageError {
  return { code, message };
}

/** Describes a value for validation messages: `0 (number)`, `"x" (string)`. */
export function describeValue(value: unknown): string {
  return `\`${typeof value === 'string' ? JSON.stringify(value) : String(value)}\` (${typeof value})`;
}

/**
 * Validates an optional integer option: undefined stays undefined; anything else must be a safe
 * integer in `[min, max]`, or an {@link InvalidOptionError} says what was expected.
 */
export function checkInteger(
  name: string,
  value: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const expected = min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    const bound = max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : '';
    throw new InvalidOptionError(
      `Expected \`${name}\` to be ${expected}${bound}, got ${describeValue(value)}`,
    );
  }
  return value;
}
