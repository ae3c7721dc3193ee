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

/**
 * The items of `source` until `stop` aborts. A stop does not wait for the next item, which may
 * never come: a list on an idle stdin (`tail -f urls | crawlbench crawl -`) would otherwise hold a
 * Ctrl-C until its next line. A read still pending is left to settle on its own.
 */
export async function* untilStopped<T>(
  source: AsyncIterable<T>,
  stop: AbortSignal | undefined,
): AsyncGenerator<T> {
  if (stop === undefined) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let pending = false;
  try {
    while (!stop.aborted) {
      const next = iterator.next();
      pending = true;
      // A listener added and removed per item: racing every read against one long-lived promise
      // would leave a reaction on it per item (100,000 lines: a heap that does not fit in 32 MiB).
      const result = await new Promise<IteratorResult<T> | 'stopped'>((resolve, reject) => {
        const onStop = (): void => resolve('stopped');
        stop.addEventListener('abort', onStop, { once: true });
        next.then(
          (value) => {
            stop.removeEventListener('abort', onStop);
            resolve(value);
          },
          (error: unknown) => {
            stop.removeEventListener('abort', onStop);
            reject(error);
          },
        );
      });
      if (result === 'stopped') return;
      pending = false;
      if (result.done === true) return;
      yield result.value;
    }
  } finally {
    if (pending) void Promise.resolve(iterator.return?.()).catch(() => {});
    else await iterator.return?.();
  }
}
