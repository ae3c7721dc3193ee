import { isIPv4, isIPv6 } from 'node:net';
import { describeValue, InvalidOptionError } from '../crawler/errors.js';

/** Options of the fixture site (`startFixtureSite`, `startFixtureSiteProcess`), as given. */
export interface FixtureSiteOptions {
  /** Pages served at `/page/0` ... `/page/<pages - 1>`. @default 200 */
  readonly pages?: number;
  /** Fixed delay before the response headers of every request, in milliseconds. @default 0 */
  readonly latencyMs?: number;
  /** Extra delay in `[0, jitterMs]` ms, uniform over pages and the same for a page on every request. @default 0 */
  readonly jitterMs?: number;
  /** Approximate size of each page's HTML, in KiB. @default 10 */
  readonly pageKb?: number;
  /** `<a href>` links from each page to other pages of the site. @default 10 */
  readonly links?: number;
  /** Fraction of pages, chosen from the seed, that answer 500. @default 0 */
  readonly errorRate?: number;
  /** Seed of every random choice (used modulo 2^32): the same seed serves the same bytes. @default 1 */
  readonly seed?: number;
  /** A loopback IP address (127.0.0.0/8 or ::1); the site never listens on a public interface. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
}

/** The options of a fixture site after validation, every default filled in. */
export interface ResolvedFixtureSiteOptions {
  readonly pages: number;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly pageKb: number;
  readonly links: number;
  readonly errorRate: number;
  readonly seed: number;
  readonly host: string;
  readonly port: number;
}

/** The defaults of {@link FixtureSiteOptions}. */
export const DEFAULT_FIXTURE_SITE_OPTIONS: ResolvedFixtureSiteOptions = {
  pages: 200,
  latencyMs: 0,
  jitterMs: 0,
  pageKb: 10,
  links: 10,
  errorRate: 0,
  seed: 1,
  host: '127.0.0.1',
  port: 0,
};

const MAX_PAGES = 1_000_000_000;
const MAX_LINKS = 1000;
const MAX_PAGE_KB = 16 * 1024;
/** Below setTimeout's 2^31 - 1 ms ceiling even when added together. */
const MAX_DELAY_MS = 600_000;

function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}

function integer(
  name: string,
  value: number | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    fail(name, min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer', value);
  }
  if (value > max) fail(name, `an integer <= ${max}`, value);
  return value;
}

function number(name: string, value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(name, `a number between ${min} and ${max}`, value);
  }
  return value;
}

/** Accepts loopback IP literals only: a fixture must never be reachable from another machine. */
function loopbackHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_FIXTURE_SITE_OPTIONS.host;
  const expected = 'a loopback IP address (127.0.0.0/8 or ::1)';
  if (typeof value !== 'string') fail('host', expected, value);
  if (isIPv4(value) && value.startsWith('127.')) return value;
  // The URL parser canonicalizes IPv6 spellings such as 0:0:0:0:0:0:0:1.
  if (isIPv6(value) && new URL(`http://[${value}]/`).hostname === '[::1]') return '::1';
  return fail('host', expected, value);
}

/** Validates options once, at the public facade, and fills in defaults. Idempotent on its own output. */
export function resolveFixtureSiteOptions(options: FixtureSiteOptions = {}): ResolvedFixtureSiteOptions {
  const d = DEFAULT_FIXTURE_SITE_OPTIONS;
  return {
    pages: integer('pages', options.pages, 1, MAX_PAGES, d.pages),
    latencyMs: number('latencyMs', options.latencyMs, 0, MAX_DELAY_MS, d.latencyMs),
    jitterMs: number('jitterMs', options.jitterMs, 0, MAX_DELAY_MS, d.jitterMs),
    pageKb: number('pageKb', options.pageKb, 0, MAX_PAGE_KB, d.pageKb),
    links: integer('links', options.links, 0, MAX_LINKS, d.links),
    errorRate: number('errorRate', options.errorRate, 0, 1, d.errorRate),
    seed: integer('seed', options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, d.seed),
    host: loopbackHost(options.host),
    port: integer('port', options.port, 0, 65535, d.port),
  };
}
