import { urlKey } from '../url-list.js';
import { ReferrerList } from './referrers.js';
import type { BrokenFragment } from './types.js';

/** Missing fragments listed at most (the rest are counted). */
export const MAX_BROKEN_FRAGMENTS = 10_000;
/** Distinct fragments waiting for one page at most (the rest are not verified). */
const MAX_PENDING_PER_PAGE = 1_000;

/** FNV-1a over the UTF-16 code units: a 32-bit hash of an id, to keep a page's ids in 4 bytes each. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function contains(sorted: Uint32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = sorted[mid]!;
    if (at === value) return true;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function decoded(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

interface Pending {
  readonly url: string;
  readonly refs: ReferrerList;
}

/** What a fragment link is, as far as the index knows. */
export type TargetState = 'pending' | 'settled';

/**
 * Checks `#fragment` links against the ids of the pages they point at. A crawled page's ids are
 * kept as sorted 32-bit hashes (4 bytes an id; a collision could pass a missing fragment, with a
 * chance of about ids/2^32 per link); links to a page not checked yet wait for it. A fragment
 * matches as the HTML standard finds it: an element whose id (or an `<a>` whose name) is the
 * fragment or its percent-decoding; an empty fragment and `top` always match.
 */
export class FragmentIndex {
  readonly #max: number;
  readonly #anchors = new Map<number, Uint32Array>();
  readonly #pending = new Map<number, Map<string, Pending>>();
  /** Fragment links decided (verified, or not verifiable): their keys. */
  readonly #done = new Set<number>();
  readonly #missing = new Map<number, ReferrerList>();
  readonly #broken: Array<{ url: string; fragment: string; refs: ReferrerList }> = [];
  checked = 0;
  missing = 0;
  unverified = 0;
  cut = 0;

  constructor(maxReferrers: number) {
    this.#max = maxReferrers;
  }

  /** A link to `url#fragment` from a page; `state` says whether `url` is still to be checked. */
  link(
    key: number,
    url: string,
    fragment: string,
    from: readonly [string, string | null, string | null],
    state: TargetState,
  ): void {
    const pair = urlKey(`${url}#${fragment}`);
    const missing = this.#missing.get(pair);
    if (missing !== undefined) {
      missing.add(this.#max, ...from);
      return;
    }
    if (this.#done.has(pair)) return;
    const anchors = this.#anchors.get(key);
    if (anchors !== undefined) {
      this.#verify(pair, url, fragment, anchors).add(this.#max, ...from);
      return;
    }
    if (state === 'settled') {
      this.#done.add(pair);
      this.unverified++;
      return;
    }
    let waiting = this.#pending.get(key);
    if (waiting === undefined) {
      waiting = new Map();
      this.#pending.set(key, waiting);
    }
    let entry = waiting.get(fragment);
    if (entry === undefined) {
      if (waiting.size >= MAX_PENDING_PER_PAGE) {
        this.#done.add(pair);
        this.unverified++;
        return;
      }
      entry = { url, refs: new ReferrerList() };
      waiting.set(fragment, entry);
    }
    entry.refs.add(this.#max, ...from);
  }

  /** The page of `key` is checked: `anchors` are its ids when it was crawled and parsed, else null. */
  settled(key: number, anchors: readonly string[] | null): void {
    let sorted: Uint32Array | null = null;
    if (anchors !== null) {
      sorted = Uint32Array.from(anchors, hash32).sort();
      this.#anchors.set(key, sorted);
    }
    const waiting = this.#pending.get(key);
    if (waiting === undefined) return;
    this.#pending.delete(key);
    for (const [fragment, { url, refs }] of waiting) {
      const pair = urlKey(`${url}#${fragment}`);
      if (sorted === null) {
        this.#done.add(pair);
        this.unverified++;
        continue;
      }
      this.#verify(pair, url, fragment, sorted, refs);
    }
  }

  /**
   * Decides one fragment link; returns the list its referrers go to (`refs`, those that waited for
   * the page; a throwaway one when the fragment is there).
   */
  #verify(
    pair: number,
    url: string,
    fragment: string,
    anchors: Uint32Array,
    refs = new ReferrerList(),
  ): ReferrerList {
    this.checked++;
    const found =
      fragment === '' ||
      fragment.toLowerCase() === 'top' ||
      contains(anchors, hash32(fragment)) ||
      contains(anchors, hash32(decoded(fragment)));
    if (found) {
      this.#done.add(pair);
      return new ReferrerList();
    }
    this.missing++;
    this.#missing.set(pair, refs);
    if (this.#broken.length < MAX_BROKEN_FRAGMENTS) this.#broken.push({ url, fragment, refs });
    else this.cut++;
    return refs;
  }

  /** The missing fragments, in the order they were found. */
  broken(): BrokenFragment[] {
    return this.#broken.map(({ url, fragment, refs }) => ({ url, fragment, referrers: refs.toJSON() }));
  }
}
