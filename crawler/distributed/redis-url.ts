import type { RedisOptions } from 'ioredis';
import { describeValue, InvalidOptionError } from '../errors.js';
import { REDACTED } from '../redact.js';

/** The environment variable the CLI reads when `--redis` is not given. */
export const REDIS_URL_ENV = 'CRAWLBENCH_REDIS_URL';

/**
 * Hides the password of a Redis URL (`redis://:***@host:6379`), so the URL can go into logs,
 * messages and reports. Text that is not a URL is replaced whole: it might be a password.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid Redis URL>';
  }
  if (parsed.password !== '') parsed.password = REDACTED;
  return parsed.href;
}

/**
 * Turns `redis://[user][:password]@host[:port][/db]` or `rediss://…` (TLS) into ioredis options.
 * The options are what every connection of a crawl or worker is made from.
 */
export function parseRedisUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text itself is not echoed: a mistyped URL may still hold a password.
    throw new InvalidOptionError('Expected `redis` to be a URL like redis://host:6379, got something else');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionError(
      `Expected \`redis\` to be a redis:// or rediss:// URL, got ${describeValue(parsed.protocol)}`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new InvalidOptionError(
      `Expected the database of \`redis\` to be a number, got ${describeValue(db)}`,
    );
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' && { username: decodeUserinfo(parsed.username, 'user name') }),
    ...(parsed.password !== '' && { password: decodeUserinfo(parsed.password, 'password') }),
    ...(db !== '' && { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' && { tls: { servername: parsed.hostname } }),
  };
}

/**
 * Percent-decodes the user name or password of a Redis URL. An escape that does not decode (`Pw%ZZ`:
 * a `%` not followed by two hex digits, or bytes that are not UTF-8) is a usage error, whose
 * message does not echo the part: a password is a secret.
 */
function decodeUserinfo(text: string, part: 'user name' | 'password'): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidOptionError(
      `Expected the ${part} of \`redis\` to be percent-encoded UTF-8 (a \`%\` itself is written %25), ` +
        `got an escape that does not decode (the ${part} is not shown)`,
    );
  }
}
