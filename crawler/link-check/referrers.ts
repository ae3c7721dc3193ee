import type { Referrer, Referrers } from './types.js';

/**
 * The referrers of one URL as they come, at most a cap of them, and a count of the links past it.
 * The first is kept in fields of its own and the others as flat `[url, title, text]` triples: most
 * URLs have one referrer while they wait, and an array per URL would cost more than the rest of
 * the entry. The strings are shared with the page that links (its record's URL and title, its
 * parse's link text).
 */
export class ReferrerList {
  #url: string | null = null;
  #title: string | null = null;
  #text: string | null = null;
  #rest: (string | null)[] | null = null;
  #more = 0;

  add(max: number, url: string, title: string | null, text: string | null): void {
    if (this.#url === null) {
      this.#url = url;
      this.#title = title;
      this.#text = text;
    } else if (this.count - this.#more < max) {
      (this.#rest ??= []).push(url, title, text);
    } else {
      this.#more++;
    }
  }

  /** How many link to it, kept or not. */
  get count(): number {
    return (this.#url === null ? 0 : 1) + (this.#rest === null ? 0 : this.#rest.length / 3) + this.#more;
  }

  toJSON(): Referrers {
    const pages: Referrer[] = [];
    if (this.#url !== null) pages.push({ url: this.#url, title: this.#title, text: this.#text });
    const rest = this.#rest ?? [];
    for (let i = 0; i < rest.length; i += 3) {
      pages.push({ url: rest[i]!, title: rest[i + 1] ?? null, text: rest[i + 2] ?? null });
    }
    return { pages, more: this.#more };
  }
}

/**
 * Who links to what, kept only where it can matter: a URL's referrers are kept while it waits to
 * be checked (queued or in flight), and after that only if it turned out broken or redirected.
 * Once a URL checks fine its referrers are dropped and later links to it are not even counted, so
 * memory follows the URLs pending (bounded by `maxQueue`) and the problems found, never the site:
 * each kept URL holds at most `max` referrers.
 */
export class ReferrerStore {
  readonly #max: number;
  readonly #pending = new Map<number, ReferrerList>();
  readonly #kept = new Map<number, ReferrerList>();

  constructor(max: number) {
    this.#max = max;
  }

  /** A URL enters the crawl (queued): its referrers are kept until it is checked. */
  open(key: number): void {
    if (!this.#pending.has(key)) this.#pending.set(key, new ReferrerList());
  }

  /** Whether the URL is queued or in flight, not checked yet. */
  isPending(key: number): boolean {
    return this.#pending.has(key);
  }

  /** A link to the URL of `key`: kept when the URL is pending, broken or redirected; else dropped. */
  add(key: number, url: string, title: string | null, text: string | null): void {
    (this.#pending.get(key) ?? this.#kept.get(key))?.add(this.#max, url, title, text);
  }

  /**
   * The URL's verdict is in: its referrers are kept (and returned) when `keep`, dropped otherwise.
   * A URL settled before it was opened (a seed of an invalid line) gets an empty list.
   */
  settle(key: number, keep: boolean): ReferrerList | null {
    const list = this.#pending.get(key) ?? new ReferrerList();
    this.#pending.delete(key);
    if (!keep) return null;
    this.#kept.set(key, list);
    return list;
  }

  /** URLs whose referrers are held: pending, and kept. */
  get size(): { readonly pending: number; readonly kept: number } {
    return { pending: this.#pending.size, kept: this.#kept.size };
  }
}
