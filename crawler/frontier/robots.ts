import robotsParserModule from 'robots-parser';
import { CrawlbenchError, type PageError } from '../errors.js';
import type { FetchedResource } from '../fetch.js';

/** What the crawl may do on one origin, from its robots.txt (RFC 9309). */
export interface RobotsRules {
  /** The origin the rules are for, e.g. `http://127.0.0.2:4000`. */
  readonly origin: string;
  /**
   * Whether our user agent may fetch `url`. Only its path and query are looked at; a URL of another
   * origin is a mistake of the caller and throws.
   */
  isAllowed(url: string): boolean;
  /** The `Crawl-delay` of the group that applies to us, in ms (the file says seconds), or null. */
  readonly crawlDelayMs: number | null;
  /** The absolute http(s) `Sitemap:` URLs, deduplicated, in file order. */
  readonly sitemaps: readonly string[];
  /**
   * Where the rules come from: `'file'` a robots.txt; `'none'` no robots.txt (4xx, or redirects
   * that lead nowhere: allow all, RFC 9309 §2.3.1.2-3); `'unreachable'` (5xx, 429, network error:
   * disallow all, RFC 9309 §2.3.1.4).
   */
  readonly source: 'file' | 'none' | 'unreachable';
  /** Why `url` is allowed or not, in one line, e.g. for a `ROBOTS_DISALLOWED` record's message. */
  explain(url: string): string;
}

/** Fetches a URL; {@link fetchResource} with the crawl's options and dispatcher, typically. */
export type ResourceGetter = (url: string) => Promise<FetchedResource>;

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; the rest is ignored. */
export const MAX_ROBOTS_BYTES = 500 * 1024;

/** The subset of robots-parser's `Robot` used here. */
interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}

// robots-parser 3.0.1's index.d.ts says `export default` while index.js is `module.exports = fn`,
// so under nodenext the default import is typed as the module, not the function it is at run time
// (https://github.com/samclarke/robots-parser/pull/47). Typed here, it works with either d.ts.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robot;

/** The URL of an origin's robots.txt. Throws for anything but an http(s) URL. */
export function robotsUrl(origin: string): string {
  return `${originOf(origin)}/robots.txt`;
}

/** `origin` as the URL standard serializes it (`http://a:80/x` -> `http://a`); throws unless http(s). */
function originOf(origin: string): string {
  let url: URL | null = null;
  try {
    url = new URL(origin);
  } catch {
    // Reported below with the others.
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CrawlbenchError(
      'INVALID_ARGUMENT',
      `Expected an http(s) origin, got ${JSON.stringify(origin)}`,
    );
  }
  return url.origin;
}

/**
 * The product token robots.txt groups are matched on (RFC 9309 §2.2.1): the leading letters,
 * `_` and `-` of the user agent, `crawlbench` for `crawlbench/0.1.0 (+https://…)`.
 */
export function productToken(userAgent: string): string {
  return /^[A-Za-z_-]+/.exec(userAgent.trim())?.[0] ?? '*';
}

/**
 * Fetches and reads the robots.txt of `origin` for `userAgent`. Never rejects: what went wrong is
 * the rule set RFC 9309 prescribes for it ({@link RobotsRules.source}). Throws only for an origin
 * that is not http(s).
 */
export async function loadRobots(
  origin: string,
  userAgent: string,
  get: ResourceGetter,
): Promise<RobotsRules> {
  const normalized = originOf(origin);
  const url = `${normalized}/robots.txt`;
  let resource: FetchedResource;
  try {
    resource = await get(url);
  } catch (error) {
    // The getter broke its promise not to reject; still no robots.txt, so still disallow all.
    return new FixedRules(
      normalized,
      'unreachable',
      `robots.txt at ${url} could not be fetched (${String(error)}); RFC 9309 treats that as disallow all`,
    );
  }
  const { status, body, error } = resource;
  if (body !== null && error === null) {
    return new FileRules(normalized, productToken(userAgent), decodeRobots(body));
  }
  if (error !== null) return unfetched(normalized, url, status, error);
  // No body and no error: a 3xx without Location, which leads to no file.
  return new FixedRules(
    normalized,
    'none',
    `robots.txt at ${url} answered ${status}; RFC 9309 treats that as allow all`,
  );
}

/** UTF-8 text of the first {@link MAX_ROBOTS_BYTES}, without a line the cut went through. */
function decodeRobots(body: Uint8Array): string {
  if (body.length <= MAX_ROBOTS_BYTES) return new TextDecoder().decode(body);
  const head = body.subarray(0, MAX_ROBOTS_BYTES);
  // A cut line may turn `Disallow: /private/` into `Disallow: /pri`; better to lose it whole.
  const end = Math.max(head.lastIndexOf(0x0a), head.lastIndexOf(0x0d));
  return new TextDecoder().decode(end === -1 ? head : head.subarray(0, end));
}

/** The rules for a robots.txt that did not come. */
function unfetched(origin: string, url: string, status: number | null, error: PageError): RobotsRules {
  const allow = 'RFC 9309 treats that as allow all';
  const disallow = 'RFC 9309 treats that as disallow all';
  switch (error.code) {
    case 'HTTP_4XX':
      // 429 is a server asking us to slow down, not a missing file (Google does the same).
      return status === 429
        ? new FixedRules(origin, 'unreachable', `robots.txt at ${url} answered 429; ${disallow}`)
        : new FixedRules(origin, 'none', `robots.txt at ${url} answered ${status}; ${allow}`);
    case 'HTTP_5XX':
      return new FixedRules(origin, 'unreachable', `robots.txt at ${url} answered ${status}; ${disallow}`);
    // Redirects that lead nowhere: RFC 9309 §2.3.1.2 lets the file be taken as unavailable.
    case 'TOO_MANY_REDIRECTS':
    case 'INVALID_URL':
    case 'UNSUPPORTED_SCHEME':
      return new FixedRules(
        origin,
        'none',
        `robots.txt at ${url} could not be followed (${error.message}); ${allow}`,
      );
    default:
      return new FixedRules(
        origin,
        'unreachable',
        `robots.txt at ${url} could not be fetched (${error.code}: ${error.message}); ${disallow}`,
      );
  }
}

/** The part of a URL robots.txt rules match on; throws for a URL of another origin. */
function pathOf(url: string, origin: string): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below.
  }
  if (parsed === null || parsed.origin !== origin) {
    throw new CrawlbenchError(
      'INVALID_ARGUMENT',
      `robots.txt rules of ${origin} asked about ${JSON.stringify(url)}`,
    );
  }
  return parsed.pathname + parsed.search;
}

class FileRules implements RobotsRules {
  readonly source = 'file';
  readonly origin: string;
  readonly crawlDelayMs: number | null;
  readonly sitemaps: readonly string[];
  readonly #robot: Robot;
  readonly #token: string;
  readonly #url: string;
  readonly #text: string;

  constructor(origin: string, token: string, text: string) {
    this.origin = origin;
    this.#url = `${origin}/robots.txt`;
    this.#token = token;
    this.#text = text;
    this.#robot = robotsParser(this.#url, text);
    const delay = this.#robot.getCrawlDelay(token);
    this.crawlDelayMs =
      delay !== undefined && Number.isFinite(delay) && delay >= 0 ? Math.round(delay * 1000) : null;
    this.sitemaps = absoluteSitemaps(this.#robot.getSitemaps(), this.#url);
  }

  isAllowed(url: string): boolean {
    pathOf(url, this.origin);
    // The origin is ours (checked above), so the parser does not answer undefined ("not mine").
    return this.#robot.isAllowed(url, this.#token) !== false;
  }

  explain(url: string): string {
    const path = pathOf(url, this.origin);
    const verb = this.isAllowed(url) ? 'allows' : 'disallows';
    const line = this.#robot.getMatchingLineNumber(url, this.#token);
    const rule = line > 0 ? ruleValue(this.#text, line) : null;
    if (rule === null) return `robots.txt at ${this.#url} ${verb} ${path} (no rule matches it)`;
    return `robots.txt at ${this.#url} ${verb} ${rule} (line ${line})`;
  }
}

/** The value of the rule on 1-based `line` (`/private/` for `Disallow: /private/ # why`). */
function ruleValue(text: string, line: number): string | null {
  // The same line breaks robots-parser counts lines by.
  const raw = text.split(/\r\n|\r|\n/)[line - 1];
  if (raw === undefined) return null;
  const withoutComment = raw.split('#', 1)[0] ?? '';
  const colon = withoutComment.indexOf(':');
  return colon === -1 ? null : withoutComment.slice(colon + 1).trim();
}

function absoluteSitemaps(values: readonly string[], base: string): string[] {
  const sitemaps = new Set<string>();
  for (const value of values) {
    let url: URL;
    try {
      // RFC 9309 asks for absolute URLs; a relative one is read against the robots.txt as a browser would.
      url = new URL(value, base);
    } catch {
      continue;
    }
    if (url.protocol === 'http:' || url.protocol === 'https:') sitemaps.add(url.href);
  }
  return [...sitemaps];
}

/** Rules that answer the same for every URL: no robots.txt (allow all) or none to be had (disallow all). */
class FixedRules implements RobotsRules {
  readonly crawlDelayMs = null;
  readonly sitemaps: readonly string[] = [];
  readonly #reason: string;

  constructor(
    readonly origin: string,
    readonly source: 'none' | 'unreachable',
    reason: string,
  ) {
    this.#reason = reason;
  }

  isAllowed(url: string): boolean {
    pathOf(url, this.origin);
    return this.source === 'none';
  }

  explain(url: string): string {
    pathOf(url, this.origin);
    return this.#reason;
  }
}

/**
 * The robots.txt rules of each origin a crawl meets, fetched once per origin: callers that ask for
 * an origin while its robots.txt is on its way share that one fetch. Kept for the life of the cache.
 */
export class RobotsCache {
  readonly #userAgent: string;
  readonly #get: ResourceGetter;
  readonly #pending = new Map<string, Promise<RobotsRules>>();
  readonly #loaded = new Map<string, RobotsRules>();

  constructor(userAgent: string, get: ResourceGetter) {
    this.#userAgent = userAgent;
    this.#get = get;
  }

  /** The rules of `origin`, fetched on first use. Never rejects, except for an origin that is not http(s). */
  rulesFor(origin: string): Promise<RobotsRules> {
    const known = this.#loaded.get(origin);
    if (known !== undefined) return Promise.resolve(known);
    let key: string;
    try {
      key = originOf(origin);
    } catch (error) {
      return Promise.reject(error);
    }
    const loaded = this.#loaded.get(key);
    if (loaded !== undefined) return Promise.resolve(loaded);
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      // Stored before any caller's `then` runs, so `peek` answers by the time callers hear back.
      pending = loadRobots(key, this.#userAgent, this.#get).then((rules) => {
        this.#loaded.set(key, rules);
        this.#pending.delete(key);
        return rules;
      });
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** The rules of `origin` if they are loaded already, else undefined (nothing is fetched). */
  peek(origin: string): RobotsRules | undefined {
    // Called for every URL taken from the frontier: try the origin as given before normalizing it.
    const known = this.#loaded.get(origin);
    if (known !== undefined) return known;
    let key: string;
    try {
      key = originOf(origin);
    } catch {
      return undefined;
    }
    return this.#loaded.get(key);
  }

  /** Origins whose rules are loaded or loading. */
  get size(): number {
    return this.#loaded.size + this.#pending.size;
  }
}
