import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { describeValue, InvalidOptionError } from '../crawler/errors.js';

/** Options of {@link startFixtureSite}, as given. */
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

/** Request counters of a fixture site. A request is in flight until its response is handed to the socket. */
export interface FixtureSiteStats {
  readonly requests: number;
  readonly inFlight: number;
  readonly peakInFlight: number;
  /**
   * Sum over answered pages of the time from a request's arrival to its response being handed to
   * the socket, in ms: the latency the site really served (its timers fire up to ~1 ms late).
   */
  readonly serviceMs: number;
  /** Pages answered (the requests `serviceMs` covers). */
  readonly answered: number;
}

export interface FixtureSite {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly options: ResolvedFixtureSiteOptions;
  /** The page URLs in order (all of them: prefer {@link FixtureSite.urls} for very large sites). */
  urlList(): string[];
  /** The page URLs in order, lazily. */
  urls(): IterableIterator<string>;
  /** The status `/page/<index>` answers: 500 for the pages chosen by `errorRate`, 404 outside the site. */
  pageStatus(index: number): 200 | 404 | 500;
  stats(): FixtureSiteStats;
  /** Stops listening and closes every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

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
const INDEX_LINKS = 100;
/** Distinct body texts; a page's body is one of them (a zero-copy window into one shared buffer). */
const BODY_VARIANTS = 32;
/**
 * Budget of the lazily filled per-page head cache (about 12,000 pages of 10 links); past it heads are built
 * per request, which costs about 2 us on top of the ~14 us a 10 KiB response costs the server anyway.
 */
const HEAD_CACHE_BYTES = 16 * 1024 * 1024;
/** Bytes a cache entry costs besides its head: Buffer and entry objects, the length string, the Map slot. */
const HEAD_CACHE_OVERHEAD = 256;
const URLS_PER_CHUNK = 2048;

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

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness. Per-page values come from a hash of (seed, page), not from one PRNG stream, so
// any page can be produced in O(1) without generating the pages before it.

/** murmur3's 32-bit finalizer: a bijection that spreads nearby inputs apart. */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function pageHash(key: number, index: number): number {
  return fmix32(key ^ Math.imul(index, 0x9e3779b1));
}

/** mulberry32: a tiny, fast PRNG with good enough statistics for fixture content. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One key per kind of choice, so that changing `links` does not change which pages fail. */
interface SiteKeys {
  readonly error: number;
  readonly jitter: number;
  readonly content: number;
  readonly text: number;
}

function siteKeys(seed: number): SiteKeys {
  const s = Number(BigInt.asIntN(32, BigInt(seed)));
  return {
    error: fmix32(s ^ 0x1b873593),
    jitter: fmix32(s ^ 0x2c1b3c6d),
    content: fmix32(s ^ 0x297a2d39),
    text: fmix32(s ^ 0x68e31da4),
  };
}

function isErrorPage(keys: SiteKeys, errorRate: number, index: number): boolean {
  return errorRate > 0 && pageHash(keys.error, index) / 4294967296 < errorRate;
}

function pageStatusOf(o: ResolvedFixtureSiteOptions, keys: SiteKeys, index: number): 200 | 404 | 500 {
  if (!Number.isSafeInteger(index) || index < 0 || index >= o.pages) return 404;
  return isErrorPage(keys, o.errorRate, index) ? 500 : 200;
}

/** The status of `/page/<index>` for the given options, without a running site. */
export function fixturePageStatus(options: ResolvedFixtureSiteOptions, index: number): 200 | 404 | 500 {
  return pageStatusOf(options, siteKeys(options.seed), index);
}

/** The page URLs of a site at `baseUrl`, in order, lazily. */
export function* fixturePageUrls(baseUrl: string, pages: number): Generator<string, void, undefined> {
  for (let i = 0; i < pages; i++) yield `${baseUrl}/page/${i}`;
}

/** The byte length of `/urls.txt`, computed without building it. */
function urlListLength(prefixBytes: number, pages: number): number {
  let digits = 0;
  for (let d = 1, low = 0, high = 10; low < pages; d++, low = high, high *= 10) {
    digits += d * (Math.min(high, pages) - low);
  }
  return pages * (prefixBytes + 1) + digits;
}

function* urlListChunks(prefix: string, pages: number): Generator<Buffer, void, undefined> {
  for (let i = 0; i < pages;) {
    const end = Math.min(pages, i + URLS_PER_CHUNK);
    let chunk = '';
    for (; i < end; i++) chunk += `${prefix}${i}\n`;
    yield Buffer.from(chunk, 'latin1');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Content. Everything big is built once at start-up; a page is its small head plus one shared body buffer.

// Made-up words keep every page ASCII, so the 'latin1' encoding used throughout is exact and cheap.
const SYLLABLES = 'ka lo mi ren sa tor vel un qui bra dem fi gor ha jun pe ros ti xa zen mo lin'.split(' ');

function vocabulary(random: () => number): string[] {
  const words: string[] = [];
  for (let w = 0; w < 512; w++) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 4);
    for (let s = 0; s < syllables; s++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.push(word);
  }
  return words;
}

function paragraph(random: () => number, words: readonly string[]): string {
  const count = 40 + Math.floor(random() * 80);
  let text = '';
  for (let w = 0; w < count; w++) {
    const word = words[Math.floor(random() * words.length)]!;
    if (w === 0) text += word.charAt(0).toUpperCase() + word.slice(1);
    else text += (random() < 0.08 ? ', ' : ' ') + word;
  }
  return `<p>${text}.</p>\n`;
}

/**
 * Builds one text buffer of paragraphs and returns {@link BODY_VARIANTS} windows into it, each starting and
 * ending on a paragraph boundary and at least `target` bytes long: distinct bodies for the memory of one.
 */
function bodyVariants(random: () => number, words: readonly string[], target: number): Buffer[] {
  const parts: string[] = [];
  const offsets = [0];
  let total = 0;
  while (offsets.length <= BODY_VARIANTS || total < offsets[BODY_VARIANTS - 1]! + Math.max(target, 1)) {
    const p = paragraph(random, words);
    parts.push(p);
    total += p.length;
    offsets.push(total);
  }
  const text = Buffer.from(parts.join(''), 'latin1');
  const variants: Buffer[] = [];
  let end = 1;
  for (let v = 0; v < BODY_VARIANTS; v++) {
    const start = offsets[v]!;
    end = Math.max(end, v + 1);
    while (offsets[end]! - start < target) end++;
    variants.push(text.subarray(start, offsets[end]));
  }
  return variants;
}

function simplePage(status: string): Buffer {
  return Buffer.from(
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${status}</title>\n</head>\n` +
      `<body>\n<h1>${status}</h1>\n</body>\n</html>\n`,
    'latin1',
  );
}

const PAGE_TAIL = Buffer.from('</main>\n</body>\n</html>\n', 'latin1');
const NOT_FOUND = simplePage('404 Not Found');
const SERVER_ERROR = simplePage('500 Internal Server Error');
const METHOD_NOT_ALLOWED = simplePage('405 Method Not Allowed');
const HTML_TYPE = 'text/html; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** A page ready to send: its own head, a shared body and the total length as a header value. */
interface PageParts {
  readonly head: Buffer;
  readonly body: Buffer;
  readonly length: string;
}

class FixtureContent {
  readonly #o: ResolvedFixtureSiteOptions;
  readonly #keys: SiteKeys;
  readonly #base: string;
  readonly #bodies: Buffer[];
  readonly #heads = new Map<number, PageParts>();
  #cachedBytes = 0;
  readonly index: Buffer;

  constructor(options: ResolvedFixtureSiteOptions, keys: SiteKeys, base: string) {
    this.#o = options;
    this.#keys = keys;
    this.#base = base;
    const random = mulberry32(keys.text);
    const words = vocabulary(random);
    // Size the bodies so that a typical page (head + body + tail) lands on pageKb.
    const typicalHead = this.#buildHead(0).length + PAGE_TAIL.length;
    this.#bodies = bodyVariants(random, words, Math.round(options.pageKb * 1024) - typicalHead);
    this.index = this.#buildIndex();
  }

  page(index: number): PageParts {
    const cached = this.#heads.get(index);
    if (cached !== undefined) return cached;
    const head = this.#buildHead(index);
    const body = this.#bodies[pageHash(this.#keys.content, index) % BODY_VARIANTS]!;
    const parts = { head, body, length: String(head.length + body.length + PAGE_TAIL.length) };
    // Bounded without eviction: a site too big for the budget pays the build on the pages past it.
    if (this.#cachedBytes + head.length + HEAD_CACHE_OVERHEAD <= HEAD_CACHE_BYTES) {
      this.#cachedBytes += head.length + HEAD_CACHE_OVERHEAD;
      this.#heads.set(index, parts);
    }
    return parts;
  }

  #buildIndex(): Buffer {
    const { pages, seed } = this.#o;
    let html =
      '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>crawlbench fixture site</title>\n' +
      `<meta name="description" content="A deterministic fixture site of ${pages} pages (seed ${seed}).">\n` +
      `<link rel="canonical" href="${this.#base}/">\n</head>\n<body>\n<main>\n<h1>crawlbench fixture site</h1>\n<ul>\n`;
    for (let i = 0; i < Math.min(pages, INDEX_LINKS); i++)
      html += `<li><a href="/page/${i}">Page ${i}</a></li>\n`;
    return Buffer.from(`${html}</ul>\n</main>\n</body>\n</html>\n`, 'latin1');
  }

  /** Everything before the body text: metadata, the one h1 and the links. */
  #buildHead(index: number): Buffer {
    const { pages, links, seed } = this.#o;
    const base = this.#base;
    const random = mulberry32(pageHash(this.#keys.content, index) ^ 0x5bd1e995);
    let html =
      `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Page ${index} | crawlbench fixture</title>\n` +
      `<meta name="description" content="Fixture page ${index} of ${pages}, seed ${seed}.">\n` +
      `<link rel="canonical" href="${base}/page/${index}">\n</head>\n<body>\n<main>\n<h1>Page ${index}</h1>\n<nav>\n<ul>\n`;
    // Distinct targets other than the page itself whenever the site is big enough; the first link is the
    // next page, so the whole site is reachable from /page/0.
    const distinct = links < pages;
    // An array beats a Set for the usual handful of links (this runs per request past the cache); the Set
    // keeps a thousand links linear.
    const few: number[] = [];
    const many = links > 32 ? new Set<number>() : undefined;
    for (let k = 0; k < links; k++) {
      let target = (index + 1) % pages;
      if (k > 0) {
        do target = Math.floor(random() * pages);
        while (distinct && (target === index || (many ? many.has(target) : few.includes(target))));
      }
      if (many) many.add(target);
      else few.push(target);
      let href: string;
      switch (Math.floor(random() * 4)) {
        case 0:
          href = `/page/${target}`;
          break;
        case 1:
          href = `${base}/page/${target}`;
          break;
        case 2:
          // Relative to /page/<index>: resolves to /page/<target>.
          href = String(target);
          break;
        default:
          href = `/page/${target}#part-${1 + Math.floor(random() * 5)}`;
      }
      html += `<li><a href="${href}">Page ${target}</a></li>\n`;
    }
    return Buffer.from(`${html}</ul>\n</nav>\n`, 'latin1');
  }
}

// ---------------------------------------------------------------------------------------------------------
// The server.

const ROUTE_INDEX = -1;
const ROUTE_URLS = -2;
const ROUTE_NOT_FOUND = -3;

/** `/page/<n>` to n, `/` and `/urls.txt` to their routes; no regex, no URL object. Query strings are ignored. */
function route(url: string, pages: number): number {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/') return ROUTE_INDEX;
  if (path === '/urls.txt') return ROUTE_URLS;
  if (!path.startsWith('/page/') || path.length === 6 || path.length > 16) return ROUTE_NOT_FOUND;
  // One spelling per page: a leading zero would make /page/01 a duplicate of /page/1.
  if (path.charCodeAt(6) === 48 && path.length > 7) return ROUTE_NOT_FOUND;
  let n = 0;
  for (let c = 6; c < path.length; c++) {
    const digit = path.charCodeAt(c) - 48;
    if (digit < 0 || digit > 9) return ROUTE_NOT_FOUND;
    n = n * 10 + digit;
  }
  return n < pages ? n : ROUTE_NOT_FOUND;
}

class FixtureSiteServer implements FixtureSite {
  readonly url: string;
  readonly options: ResolvedFixtureSiteOptions;
  readonly #server: Server;
  readonly #keys: SiteKeys;
  readonly #content: FixtureContent;
  #requests = 0;
  #inFlight = 0;
  #peakInFlight = 0;
  #serviceMs = 0;
  #answered = 0;
  #closed: Promise<void> | undefined;

  constructor(server: Server, url: string, options: ResolvedFixtureSiteOptions, keys: SiteKeys) {
    this.#server = server;
    this.url = url;
    this.options = options;
    this.#keys = keys;
    this.#content = new FixtureContent(options, keys, url);
    server.on('request', this.#onRequest);
  }

  urlList(): string[] {
    return Array.from(fixturePageUrls(this.url, this.options.pages));
  }

  urls(): IterableIterator<string> {
    return fixturePageUrls(this.url, this.options.pages);
  }

  pageStatus(index: number): 200 | 404 | 500 {
    return pageStatusOf(this.options, this.#keys, index);
  }

  stats(): FixtureSiteStats {
    return {
      requests: this.#requests,
      inFlight: this.#inFlight,
      peakInFlight: this.#peakInFlight,
      serviceMs: this.#serviceMs,
      answered: this.#answered,
    };
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      // The callback gets an error only when the server was not listening: closed either way.
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#requests++;
    if (++this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
    const target = route(req.url ?? '/', this.options.pages);
    const method = req.method;
    const status = method !== 'GET' && method !== 'HEAD' ? 405 : target >= 0 ? this.pageStatus(target) : 200;
    const { latencyMs, jitterMs } = this.options;
    const jitter =
      jitterMs > 0 && target >= 0 ? (pageHash(this.#keys.jitter, target) / 4294967296) * jitterMs : 0;
    const delay = latencyMs + jitter;
    const arrived = performance.now();
    if (delay > 0) {
      // Unref'd so that a pending delay never keeps a closed site's process alive.
      setTimeout(this.#respond, delay, res, target, status, arrived).unref();
    } else {
      this.#respond(res, target, status, arrived);
    }
  };

  readonly #respond = (res: ServerResponse, target: number, status: number, arrived: number): void => {
    if (status === 405) {
      res.writeHead(405, [
        'Allow',
        'GET, HEAD',
        'Content-Type',
        HTML_TYPE,
        'Content-Length',
        METHOD_NOT_ALLOWED.length,
      ]);
      this.#end(res, METHOD_NOT_ALLOWED);
    } else if (status === 500) {
      res.writeHead(500, ['Content-Type', HTML_TYPE, 'Content-Length', SERVER_ERROR.length]);
      this.#end(res, SERVER_ERROR);
    } else if (target >= 0) {
      const page = this.#content.page(target);
      res.writeHead(200, ['Content-Type', HTML_TYPE, 'Content-Length', page.length]);
      // One writev for the three parts instead of three socket writes.
      res.cork();
      res.write(page.head);
      res.write(page.body);
      this.#end(res, PAGE_TAIL);
      res.uncork();
      this.#serviceMs += performance.now() - arrived;
      this.#answered++;
    } else if (target === ROUTE_INDEX) {
      res.writeHead(200, ['Content-Type', HTML_TYPE, 'Content-Length', this.#content.index.length]);
      this.#end(res, this.#content.index);
    } else if (target === ROUTE_URLS) {
      this.#sendUrlList(res);
    } else {
      res.writeHead(404, ['Content-Type', HTML_TYPE, 'Content-Length', NOT_FOUND.length]);
      this.#end(res, NOT_FOUND);
    }
  };

  #end(res: ServerResponse, chunk: Buffer): void {
    res.end(chunk);
    this.#inFlight--;
  }

  /** Streams the list in chunks, with backpressure, so that a million pages never become one string. */
  #sendUrlList(res: ServerResponse): void {
    const prefix = `${this.url}/page/`;
    const { pages } = this.options;
    res.writeHead(200, ['Content-Type', TEXT_TYPE, 'Content-Length', urlListLength(prefix.length, pages)]);
    if (res.req.method === 'HEAD') {
      this.#end(res, Buffer.alloc(0));
      return;
    }
    // A client that goes away mid-list is not an error of the site.
    pipeline(Readable.from(urlListChunks(prefix, pages), { objectMode: false }), res, () => {
      this.#inFlight--;
    });
  }
}

/** Starts the fixture site on a loopback port; close it with {@link FixtureSite.close}. */
export async function startFixtureSite(options?: FixtureSiteOptions): Promise<FixtureSite> {
  const resolved = resolveFixtureSiteOptions(options);
  const server = createServer();
  // Clients of a benchmark reuse connections; keep them longer than the default 5 s between runs.
  server.keepAliveTimeout = 10_000;
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  try {
    return new FixtureSiteServer(server, `http://${host}:${port}`, resolved, siteKeys(resolved.seed));
  } catch (error) {
    server.close();
    throw error;
  }
}
