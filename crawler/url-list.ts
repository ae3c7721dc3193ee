import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { type PageError, pageError } from './errors.js';
import type { Task } from './types.js';

/** What one meaningful line of a URL list turns into. */
export type ListItem =
  | { readonly kind: 'task'; readonly task: Task }
  | { readonly kind: 'invalid'; readonly line: number; readonly text: string; readonly error: PageError }
  | { readonly kind: 'duplicate'; readonly line: number; readonly url: string };

/** A URL list: a byte stream of lines, or lines already split. */
export type UrlListSource = Readable | Iterable<string> | AsyncIterable<string>;

/** Opens a list file as a stream (`-` is standard input). */
export function openUrlList(path: string, stdin: Readable = process.stdin): Readable {
  return path === '-' ? stdin : createReadStream(path);
}

function lines(source: UrlListSource): AsyncIterable<string> | Iterable<string> {
  if (source instanceof Readable) {
    // readline pauses the stream while lines are not consumed, so a huge list is never held whole.
    return createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  }
  return source;
}

/** Checks one list line: an absolute http(s) URL, or the error record code that explains why not. */
export function checkUrl(text: string): { ok: true; url: URL } | { ok: false; error: PageError } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      error: pageError('INVALID_URL', `not an absolute URL: ${JSON.stringify(clip(text))}`),
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      error: pageError('UNSUPPORTED_SCHEME', `only http and https are crawled, got ${url.protocol}`),
    };
  }
  return { ok: true, url };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A compact key for the seen-set: 52 bits of SHA-1 of the URL without its fragment, stored as a
 * number. A million URLs cost tens of MB instead of the hundreds their strings would; two distinct
 * URLs collide with a probability of about n²/2⁵³ (≈1e-4 at 1e6 URLs).
 */
function dedupKey(url: URL): number {
  const withoutFragment = url.hash ? url.href.slice(0, url.href.length - url.hash.length) : url.href;
  return urlKey(withoutFragment);
}

/** The 52-bit seen-set key of a URL string (see `dedupKey`); also the frontier's. */
export function urlKey(href: string): number {
  // One-shot hash(): no Hash object per URL (this runs once per line of the list).
  const digest = hash('sha1', href, 'buffer');
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/**
 * Reads a URL list as a stream: trims lines, skips blanks and `#` comments, turns bad lines into
 * `invalid` items and repeats into `duplicate` items. Lines are pulled only as fast as the consumer
 * asks, so the list is never held in memory.
 */
export async function* readUrlList(source: UrlListSource): AsyncGenerator<ListItem> {
  const seen = new Set<number>();
  let line = 0;
  for await (const raw of lines(source)) {
    line++;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const checked = checkUrl(text);
    if (!checked.ok) {
      yield { kind: 'invalid', line, text, error: checked.error };
      continue;
    }
    const key = dedupKey(checked.url);
    if (seen.has(key)) {
      yield { kind: 'duplicate', line, url: text };
      continue;
    }
    seen.add(key);
    yield { kind: 'task', task: { line, url: text } };
  }
}
