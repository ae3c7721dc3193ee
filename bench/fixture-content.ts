// The bytes of the fixture site: every page, the index and the URL list, built from the options and
// the seed alone, so that the same options serve the same bytes in any process. No I/O here; the
// server (fixture-site.ts) only routes and sends what this module builds.
import type { ResolvedFixtureSiteOptions } from './fixture-site-options.js';

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

/** The byte length of `/urls.txt` (`<prefix><index>\n` per page), computed without building it. */
export function urlListLength(prefixBytes: number, pages: number): number {
  let digits = 0;
  for (let d = 1, low = 0, high = 10; low < pages; d++, low = high, high *= 10) {
    digits += d * (Math.min(high, pages) - low);
  }
  return pages * (prefixBytes + 1) + digits;
}

/** The lines of `/urls.txt` in chunks of {@link URLS_PER_CHUNK}: a million pages never become one string. */
export function* urlListChunks(prefix: string, pages: number): Generator<Buffer, void, undefined> {
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

/** What follows the body of every page. */
export const PAGE_TAIL = Buffer.from('</main>\n</body>\n</html>\n', 'latin1');
/** The page of a 404: a path outside the site. */
export const NOT_FOUND_PAGE = simplePage('404 Not Found');
/** The page of a 500: the pages `errorRate` picks. */
export const SERVER_ERROR_PAGE = simplePage('500 Internal Server Error');
/** The page of a 405: a method other than GET and HEAD. */
export const METHOD_NOT_ALLOWED_PAGE = simplePage('405 Method Not Allowed');

/** A page ready to send: its own head, a shared body and the total length as a header value. */
export interface PageParts {
  readonly head: Buffer;
  readonly body: Buffer;
  readonly length: string;
}

/**
 * The content of one fixture site at `base` (its URL, which pages link to and name as canonical).
 * Everything big is built once, here; a page is its small head, cached up to a budget, plus one of
 * a few shared bodies.
 */
export class FixtureContent {
  readonly #o: ResolvedFixtureSiteOptions;
  readonly #keys: SiteKeys;
  readonly #base: string;
  readonly #bodies: Buffer[];
  readonly #heads = new Map<number, PageParts>();
  #cachedBytes = 0;
  /** The page at `/`: links to the first {@link INDEX_LINKS} pages. */
  readonly index: Buffer;

  constructor(options: ResolvedFixtureSiteOptions, base: string) {
    this.#o = options;
    this.#keys = siteKeys(options.seed);
    this.#base = base;
    const random = mulberry32(this.#keys.text);
    const words = vocabulary(random);
    // Size the bodies so that a typical page (head + body + tail) lands on pageKb.
    const typicalHead = this.#buildHead(0).length + PAGE_TAIL.length;
    this.#bodies = bodyVariants(random, words, Math.round(options.pageKb * 1024) - typicalHead);
    this.index = this.#buildIndex();
  }

  /** The status `/page/<index>` answers: see {@link fixturePageStatus}. */
  status(index: number): 200 | 404 | 500 {
    return pageStatusOf(this.#o, this.#keys, index);
  }

  /** The page's share of `jitterMs`, in ms: chosen from the seed, the same on every request. */
  jitterMs(index: number): number {
    const { jitterMs } = this.#o;
    return jitterMs > 0 ? (pageHash(this.#keys.jitter, index) / 4294967296) * jitterMs : 0;
  }

  /** The parts of `/page/<index>`, for an index inside the site. */
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
