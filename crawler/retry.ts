import { setTimeout as sleep } from 'node:timers/promises';

/** Statuses worth asking again: the server may answer differently a moment later. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Upper bound of the backoff before retry number `retry` (1-based): `retryDelayMs * 2^(retry-1)`,
 * capped at `maxRetryDelayMs`.
 */
export function backoffCeilingMs(retry: number, retryDelayMs: number, maxRetryDelayMs: number): number {
  return Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (retry - 1));
}

/**
 * Exponential backoff with full jitter: a uniform wait in `[0, ceiling]`, which spreads out
 * clients that failed together better than a fixed or equal-jitter backoff.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(
  retry: number,
  retryDelayMs: number,
  maxRetryDelayMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(random() * backoffCeilingMs(retry, retryDelayMs, maxRetryDelayMs));
}

/**
 * Parses a `Retry-After` value (delta-seconds or an HTTP-date) into a wait in milliseconds,
 * or null when absent or malformed. Dates in the past mean "now" (0).
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse accepts far more than HTTP-dates ("1", "2024"), so only try it on text that has
  // the shape of one: a weekday or month name and a time.
  if (!/[a-z]{3}.*\d{1,2}:\d{2}/i.test(text)) return null;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The wait before retry number `retry`: the server's `Retry-After` when given, else backoff. */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | null,
  options: { readonly retryDelayMs: number; readonly maxRetryDelayMs: number },
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, options.maxRetryDelayMs);
  return backoffDelayMs(retry, options.retryDelayMs, options.maxRetryDelayMs);
}

/** Node fires timers longer than 2^31-1 ms at once (with a warning): clamp to the longest that works. */
export function timerMs(ms: number): number {
  return Math.min(ms, 2 ** 31 - 1);
}

/** Waits `ms`; resolves false instead of waiting out the delay when `signal` aborts. */
export async function waitUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(timerMs(ms), undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
