/**
 * Hiding passwords of URLs in what crawlbench writes out. A list line or a redirect may carry
 * `http://user:secret@host/`: the request never sends them (fetch uses the origin and path), but
 * records, CSV, reports and messages would repeat them. The user name stays, so a reader can still
 * tell which account a URL named: `http://user:***@host/`, as the Redis URL is shown.
 */

/** What a password is replaced with. */
export const REDACTED = '***';

// `scheme://user:password@`, as text. The user name ends at the first `:`; the password runs to the
// last `@` of the authority (WHATWG's parser splits there too), and the authority ends at `/`, `?`,
// `#`, a backslash (a path separator in http URLs), whitespace, or a quote or angle bracket that
// ends a URL quoted in a message. http(s) takes any number of slashes, or none (`http:u:p@host`
// parses as `http://u:p@host`); other schemes need `//`, so prose like `error:code:5@x` is left alone.
// A scheme is at most 32 characters: unbounded, `a.a.a.…` (a link's path) would cost quadratic time.
const CREDENTIALS =
  /\b((?:https?:[/\\]*|[a-z][a-z0-9+.-]{0,31}:\/\/))([^\s/?#@:\\"'<>]*):([^\s/?#\\"'<>]*)@/gi;

/** `text` with the password of every `scheme://user:password@` in it replaced by `***`. */
export function redactCredentials(text: string): string {
  // Nearly every text has no `@`: skip the pattern then (this runs on every link of every page).
  if (!text.includes('@')) return text;
  return text.replace(CREDENTIALS, (match, scheme: string, user: string, password: string) =>
    password === '' ? match : `${scheme}${user}:${REDACTED}@`,
  );
}

/**
 * A URL with its password hidden, otherwise as written (not normalized: a record's `url` is the list
 * line). When the text hides a password in a form the pattern misses but the URL parser accepts (a tab
 * inside it, which the parser drops), the parser's form of the URL is returned, redacted.
 */
export function redactUrl(url: string): string {
  const redacted = redactCredentials(url);
  if (!redacted.includes('@')) return redacted;
  let parsed: URL;
  try {
    parsed = new URL(redacted);
  } catch {
    return redacted;
  }
  if (parsed.password === '' || parsed.password === REDACTED) return redacted;
  parsed.password = REDACTED;
  return parsed.href;
}
