import { type PageError, type PageErrorCode, pageError } from './errors.js';

/** Network failures worth retrying: the next attempt may well succeed. DNS and TLS failures rarely heal in seconds. */
const RETRYABLE_CODES: ReadonlySet<PageErrorCode> = new Set([
  'TIMEOUT',
  'CONN_REFUSED',
  'CONN_RESET',
  'NETWORK',
]);

export function isRetryableError(code: PageErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

const SYSTEM_CODES: Readonly<Record<string, PageErrorCode>> = {
  ECONNREFUSED: 'CONN_REFUSED',
  ECONNRESET: 'CONN_RESET',
  EPIPE: 'CONN_RESET',
  // undici's SocketError: "other side closed" and friends, i.e. the peer hung up mid-exchange.
  UND_ERR_SOCKET: 'CONN_RESET',
  ENOTFOUND: 'DNS',
  EAI_AGAIN: 'DNS',
  EAI_NODATA: 'DNS',
  EAI_FAIL: 'DNS',
  ETIMEDOUT: 'TIMEOUT',
  UND_ERR_CONNECT_TIMEOUT: 'TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'TIMEOUT',
};

// OpenSSL verification codes (`CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...) have no common
// prefix, hence the list of fragments.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/;
// zlib reports `Z_DATA_ERROR`, `Z_BUF_ERROR` (truncated input); brotli `ERR__ERROR_FORMAT_...`.
const DECODE_CODE = /^(Z_|ERR__ERROR_|ERR_BROTLI|ERR_ZLIB)/;

/** The error and its causes (`cause`, and the `errors` of an AggregateError from happy eyeballs), outermost first. */
function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 16) {
    const current = pending.shift();
    if (current === undefined || current === null || chain.includes(current)) continue;
    chain.push(current);
    if (typeof current === 'object') {
      if ('cause' in current) pending.push(current.cause);
      if ('errors' in current && Array.isArray(current.errors)) pending.push(...current.errors);
    }
  }
  return chain;
}

function codeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  return typeof error.code === 'string' ? error.code : null;
}

/** The message on one line: OpenSSL's end with a newline, and records are one line per page. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

function pageCodeOf(error: unknown): PageErrorCode | null {
  const code = codeOf(error);
  if (code !== null) {
    const mapped = SYSTEM_CODES[code];
    if (mapped !== undefined) return mapped;
    if (TLS_CODE.test(code)) return 'TLS';
    if (DECODE_CODE.test(code)) return 'DECODE_ERROR';
  }
  const message = messageOf(error);
  if (/other side closed|socket hang up/i.test(message)) return 'CONN_RESET';
  if (/certificate|\bssl\b|\btls\b/i.test(message)) return 'TLS';
  return null;
}

const DESCRIPTIONS: Readonly<Record<PageErrorCode, string>> = {
  INVALID_URL: 'Invalid URL',
  UNSUPPORTED_SCHEME: 'Unsupported scheme',
  TIMEOUT: 'Timed out',
  DNS: 'DNS lookup failed',
  CONN_REFUSED: 'Connection refused',
  CONN_RESET: 'Connection reset',
  TLS: 'TLS error',
  NETWORK: 'Network error',
  TOO_MANY_REDIRECTS: 'Too many redirects',
  BODY_TOO_LARGE: 'Body too large',
  DECODE_ERROR: 'Could not decode the body',
  HTTP_4XX: 'Client error',
  HTTP_5XX: 'Server error',
  NOT_HTML: 'Not HTML',
  PARSE_ERROR: 'Parse error',
  WORKER_CRASHED: 'Worker crashed',
  ABORTED: 'Aborted',
  ROBOTS_DISALLOWED: 'Disallowed by robots.txt',
  TASK_TIMEOUT: 'Task timed out',
  EXTRACT_FAILED: 'Extraction failed',
  EXTRACT_MISMATCH: 'Extraction module mismatch',
};

/**
 * Maps an error thrown by undici, the socket, zlib or brotli to a page error. The most specific
 * cause wins: undici wraps system errors (`ECONNRESET`) in its own (`UND_ERR_SOCKET`).
 */
export function networkError(error: unknown, url: URL): PageError {
  const chain = errorChain(error);
  let code: PageErrorCode = 'NETWORK';
  let cause: unknown = error;
  for (const candidate of chain) {
    const mapped = pageCodeOf(candidate);
    if (mapped !== null) {
      code = mapped;
      cause = candidate;
    }
  }
  const detail = codeOf(cause);
  const message = messageOf(cause);
  const suffix = detail !== null && !message.includes(detail) ? `${message} (${detail})` : message;
  return pageError(code, `${DESCRIPTIONS[code]} fetching ${url.host}: ${suffix}`);
}
