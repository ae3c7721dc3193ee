/**
 * Stable error codes of crawlbench. Users match on `code`, never on messages.
 *
 * Page codes end up in a page record's `error` and are never thrown; usage and environment codes
 * are thrown as {@link CrawlbenchError}, and tell the CLI which exit code to use.
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
  /** A pool worker ran one task past `taskTimeoutMs` (a runaway parse or extraction): it was replaced. */
  'TASK_TIMEOUT',
  /** The extraction module threw, timed out, or returned something that is not JSON. */
  'EXTRACT_FAILED',
  /** A distributed worker's extraction module is not the coordinator's (by content hash), or it has none. */
  'EXTRACT_MISMATCH',
] as const;

export type PageErrorCode = (typeof PAGE_ERROR_CODES)[number];

/**
 * Codes of usage errors: the caller asked for something that cannot be done (a bad option, a bad
 * argument to a library function, a result file that is not one). The CLI exits 2 on them.
 */
export const USAGE_ERROR_CODES = [
  'INVALID_OPTION',
  /** A library function was called with an argument outside its contract. */
  'INVALID_ARGUMENT',
  /** A stored bench result that is not one (`report`, `compare`). */
  'INVALID_RESULT',
  /** A pool or a fixture site used after its `close()`. */
  'USED_AFTER_CLOSE',
  /**
   * `bench --against` was pointed at a checkout that cannot be benched with this one: not a
   * crawlbench, not built, or speaking another run protocol.
   */
  'INCOMPATIBLE_BUILD',
] as const;
export type UsageErrorCode = (typeof USAGE_ERROR_CODES)[number];

/**
 * Codes of environment failures: something the run needed from its machine or network failed,
 * not the caller's request. The CLI exits 3 on them.
 */
export const ENVIRONMENT_ERROR_CODES = [
  /** The URL list, or another input file (a stored bench result), cannot be read. */
  'LIST_UNREADABLE',
  /** An output (records, report, summary) cannot be written: a full disk, a read-only path. */
  'OUTPUT_UNWRITABLE',
  /** Redis could not be reached (distributed crawl, worker): at start, or for longer than allowed. */
  'REDIS_UNAVAILABLE',
  /** A distributed crawl saw no page finish for `stallTimeoutMs` while tasks were queued. */
  'NO_PROGRESS',
  /** Worker threads or child processes of a pool could not be started. */
  'WORKER_START_FAILED',
  /** A bench helper process (cell runner, fixture site, load generator, queue worker) died or failed. */
  'HARNESS_FAILED',
  /** A server crawlbench starts (`serve`'s fixture site) could not listen: its port is taken. */
  'LISTEN_FAILED',
] as const;
export type EnvironmentErrorCode = (typeof ENVIRONMENT_ERROR_CODES)[number];

export type CrawlbenchErrorCode = PageErrorCode | UsageErrorCode | EnvironmentErrorCode;

/** What an error code is about: one page (a record), the caller's request, or the environment. */
export type ErrorKind = 'page' | 'usage' | 'environment';

const KINDS = new Map<CrawlbenchErrorCode, ErrorKind>([
  ...PAGE_ERROR_CODES.map((code) => [code, 'page'] as const),
  ...USAGE_ERROR_CODES.map((code) => [code, 'usage'] as const),
  ...ENVIRONMENT_ERROR_CODES.map((code) => [code, 'environment'] as const),
]);

/** The kind of a code; the CLI picks its exit code by it. */
export function errorKind(code: CrawlbenchErrorCode): ErrorKind {
  return KINDS.get(code) ?? 'usage';
}

/** The one base error class of crawlbench: every error it throws carries a stable `code`. */
export class CrawlbenchError extends Error {
  readonly code: CrawlbenchErrorCode;

  constructor(code: CrawlbenchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CrawlbenchError';
    this.code = code;
  }

  /** Whether the error is about one page, the caller's request, or the environment. */
  get kind(): ErrorKind {
    return errorKind(this.code);
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
