import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { describeValue, InvalidOptionError } from '../errors.js';
import type { FetchedResource } from '../fetch.js';
import { parseSitemapXml } from './sitemap-xml.js';

const gunzip = promisify(gunzipCallback);

/** One thing read from the sitemaps: a page URL, or a sitemap that could not be read. */
export type SitemapEntry =
  | { readonly kind: 'url'; readonly url: string; readonly sitemap: string }
  /** `message` names the sitemap too, so it stands on its own. */
  | { readonly kind: 'error'; readonly sitemap: string; readonly message: string };

export interface SitemapLimits {
  /** Sitemaps fetched at most, indexes included; the rest are reported in one error entry. @default 1000 */
  readonly maxSitemaps?: number;
  /**
   * Cap on one sitemap's size after decompression (the sitemaps.org limit is 50 MB). The fetch has
   * its own `maxBytes` on the bytes it reads; this one also bounds what a `.xml.gz` inflates to.
   * @default 52428800 (50 MiB)
   */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_SITEMAPS = 1000;
export const DEFAULT_SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Reads the page URLs of sitemaps and sitemap indexes, plain or gzipped, starting from `roots`.
 *
 * Indexes are followed, nested ones too; each sitemap is fetched at most once, so a cycle of
 * indexes ends. Sitemaps are read in the order they are found (roots first), one at a time and only
 * as the consumer pulls, so at most one sitemap is in memory. Only absolute http(s) `<loc>`s are
 * yielded, as the URL standard serializes them (the frontier normalizes further). A sitemap that fails (fetch error, non-2xx, bad
 * gzip, over `maxBytes`, not a sitemap) yields one `error` entry and the others are still read.
 *
 * @param get - fetches a URL; never rejects ({@link fetchResource} with the crawl's options).
 */
export async function* readSitemaps(
  roots: readonly string[],
  get: (url: string) => Promise<FetchedResource>,
  limits: SitemapLimits = {},
): AsyncGenerator<SitemapEntry> {
  const maxSitemaps = positiveInteger('maxSitemaps', limits.maxSitemaps, DEFAULT_MAX_SITEMAPS);
  const maxBytes = positiveInteger('maxBytes', limits.maxBytes, DEFAULT_SITEMAP_MAX_BYTES);
  const seen = new Set<string>();
  const queue: string[] = [];
  let fetched = 0;
  // Sitemaps found past the limit are counted, not kept: an index may list 50,000 of them.
  let firstUnread: string | null = null;
  let unread = 0;
  const enqueue = (url: string): void => {
    if (seen.has(url)) return;
    seen.add(url);
    if (fetched + queue.length < maxSitemaps) {
      queue.push(url);
    } else {
      firstUnread ??= url;
      unread++;
    }
  };

  for (const root of roots) {
    const url = httpUrl(root);
    if (url === null)
      yield {
        kind: 'error',
        sitemap: root,
        message: `Sitemap ${JSON.stringify(root)}: not an absolute http(s) URL`,
      };
    else enqueue(url);
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    fetched++;
    const sitemap = next;
    const read = await readSitemap(sitemap, get, maxBytes);
    if (typeof read === 'string') {
      yield { kind: 'error', sitemap, message: `Sitemap ${sitemap}: ${read}` };
      continue;
    }
    if (read.kind === 'index') {
      for (const loc of read.locs) {
        const child = httpUrl(loc);
        if (child !== null) enqueue(child);
      }
      continue;
    }
    for (const loc of read.locs) {
      const url = httpUrl(loc);
      if (url !== null) yield { kind: 'url', url, sitemap };
    }
  }
  if (firstUnread !== null) {
    const others = unread === 1 ? '' : ` and ${unread - 1} more`;
    const message = `Sitemap ${firstUnread}${others} not read: the limit of ${maxSitemaps} sitemaps was reached`;
    yield { kind: 'error', sitemap: firstUnread, message };
  }
}

/** The locs of one sitemap, or why it could not be read. */
async function readSitemap(
  url: string,
  get: (url: string) => Promise<FetchedResource>,
  maxBytes: number,
): Promise<{ kind: 'urlset' | 'index'; locs: string[] } | string> {
  let resource: FetchedResource;
  try {
    resource = await get(url);
  } catch (error) {
    return `could not be fetched (${String(error)})`;
  }
  if (resource.error !== null) return `${resource.error.code}: ${resource.error.message}`;
  if (resource.body === null) return `answered HTTP ${resource.status}`;
  const xml = await decodeSitemap(resource.body, maxBytes);
  if (typeof xml !== 'string') return xml.error;
  const parsed = parseSitemapXml(xml);
  if (parsed.kind === 'unknown') return 'not a sitemap (no <urlset> or <sitemapindex> root element)';
  return { kind: parsed.kind, locs: parsed.locs };
}

/**
 * The text of a sitemap body, gunzipped when it is gzip. A `.xml.gz` usually comes as
 * `application/gzip` or `application/octet-stream` without `Content-Encoding`, so the fetch leaves
 * it compressed; the magic bytes tell. Inflation stops at `maxBytes`, so a gzip bomb costs no more.
 */
async function decodeSitemap(body: Uint8Array, maxBytes: number): Promise<string | { error: string }> {
  let bytes = body;
  if (body[0] === 0x1f && body[1] === 0x8b) {
    try {
      bytes = await gunzip(body, { maxOutputLength: maxBytes });
    } catch (error) {
      if (isCode(error, 'ERR_BUFFER_TOO_LARGE')) return { error: `gunzips to more than ${maxBytes} bytes` };
      return { error: `is not valid gzip (${error instanceof Error ? error.message : String(error)})` };
    }
  } else if (body.length > maxBytes) {
    return { error: `is larger than ${maxBytes} bytes` };
  }
  // Sitemaps are UTF-8 by definition (sitemaps.org); a BOM is dropped.
  return new TextDecoder().decode(bytes);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

/** `text` as an absolute http(s) URL (serialized), or null. */
function httpUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(`Expected \`${name}\` to be an integer >= 1, got ${describeValue(value)}`);
  }
  return value;
}
