/**
 * The form a URL takes before deduplication when following links. The WHATWG URL parser already
 * lowercases the scheme and host, drops a default port, resolves `.` and `..` segments and
 * percent-encodes what must be; this adds what it keeps: the fragment, an empty `?`, and (on
 * request) the query.
 *
 * @returns the normalized absolute URL, or null when `input` is not an absolute http(s) URL.
 */
export function normalizeUrl(input: string | URL, stripQuery: boolean): string | null {
  return normalizedUrl(input, stripQuery)?.href ?? null;
}

/** {@link normalizeUrl}, as the parsed URL (for callers that need its parts too). */
export function normalizedUrl(input: string | URL, stripQuery: boolean): URL | null {
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : new URL(input.href);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  // Records show a password as *** (crawler/redact.ts), and links are read from records: a URL
  // keeps the same key whether it comes from the list or from a page's links.
  if (url.password !== '') url.password = '***';
  // `new URL('http://a/?').search` is '' while its href keeps the '?'; setting search drops it.
  if (stripQuery || url.search === '') url.search = '';
  return url;
}
