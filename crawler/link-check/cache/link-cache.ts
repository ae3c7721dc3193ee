import CachePolicy from 'http-cache-semantics';
import type { LinkFacts } from '../../parse/link-facts.js';
import type { PageRecord, ParseResult, ResponseFacts } from '../../types.js';
import type { AcceptList } from '../accept.js';
import type { LinkCacheStats, LinkKind, LinkOutcome } from '../types.js';
import type { CacheEntry } from './cache-entry.js';

/** A page with more links than this is not kept with its parse: it is always fetched whole. */
export const MAX_CACHED_LINKS = 2_000;

/** Where the entries live between runs: a file, or Redis. Neither ever throws; problems are returned. */
export interface CacheStore {
  readonly where: string;
  load(): Promise<{ readonly entries: readonly CacheEntry[]; readonly problems: readonly string[] }>;
  /**
   * Writes the cache: `all` are every entry to keep (newest first, at most the bound); `changed`
   * and `deleted` what this run changed, for a store that updates in place.
   */
  save(
    all: readonly CacheEntry[],
    changed: readonly CacheEntry[],
    deleted: readonly string[],
  ): Promise<{ readonly stored: number; readonly problems: readonly string[] }>;
}

/** What the cache says about a URL about to be requested. */
export type CachePlan =
  | { readonly kind: 'fresh'; readonly entry: CacheEntry }
  | { readonly kind: 'revalidate'; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'miss' };

/** What the parse of a run collects, which a cached page must have been collected with too. */
export interface CacheNeeds {
  readonly resources: boolean;
  readonly fragments: boolean;
  /** Pages may be revalidated (not with extraction code: a 304 would leave `data` unknown). */
  readonly pages: boolean;
}

export interface LinkCacheOptions {
  readonly maxAgeMs: number;
  readonly maxEntries: number;
  readonly accept: AcceptList;
  readonly needs: CacheNeeds;
  /** The clock, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

const MISS: CachePlan = Object.freeze({ kind: 'miss' });

/**
 * The results of earlier runs, in memory for the run (loaded at its start, saved at its end).
 *
 * Freshness is the checker's own rule, as lychee's `--max-cache-age`: a URL only checked (a link, a
 * resource) whose last check was accepted less than `maxAgeMs` ago is not requested again. Pages
 * the crawl reads are never taken on trust — they are the site under test, and a new broken link
 * appears on them — but revalidated: what to send (If-None-Match, If-Modified-Since, or nothing
 * when the server gave no validator or forbade storing) and what a 304 means are
 * http-cache-semantics' rules, not hand-parsed headers. The same goes for a stale link.
 */
export class LinkCache {
  readonly #store: CacheStore;
  readonly #options: LinkCacheOptions;
  readonly #entries: Map<string, CacheEntry>;
  readonly #changed = new Set<string>();
  readonly #deleted = new Set<string>();
  readonly #now: () => number;
  readonly #problems: string[];
  readonly #loaded: number;
  #fresh = 0;
  #revalidated = 0;
  #unchanged = 0;
  #stored = 0;

  constructor(
    store: CacheStore,
    loaded: readonly CacheEntry[],
    problems: readonly string[],
    options: LinkCacheOptions,
  ) {
    this.#store = store;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#problems = [...problems];
    this.#entries = new Map(loaded.map((entry) => [entry.url, entry]));
    this.#loaded = this.#entries.size;
  }

  /** Whether a URL about to go out can be answered from the cache, or revalidated, or neither. */
  plan(url: string, kind: LinkKind): CachePlan {
    const entry = this.#entries.get(url);
    if (entry === undefined) return MISS;
    const accepted = entry.status !== null && this.#options.accept.has(entry.status);
    if (kind !== 'page') {
      if (accepted && this.#now() - entry.checkedAt < this.#options.maxAgeMs) {
        this.#fresh++;
        return { kind: 'fresh', entry };
      }
      return this.#revalidation(entry, 'HEAD');
    }
    // A page is revalidated when the cache holds what a 304 must stand for: its parse (its links to
    // follow), or nothing at all for a page that is no HTML (a PDF: nothing to follow).
    const page = entry.page;
    const needs = this.#options.needs;
    if (!needs.pages) return MISS;
    if (page === null) return entry.error?.code === 'NOT_HTML' ? this.#revalidation(entry, 'GET') : MISS;
    if ((needs.resources && !page.resources) || (needs.fragments && !page.fragments)) return MISS;
    return this.#revalidation(entry, 'GET');
  }

  /** The entry of a URL a 304 confirmed: what the response stands for (a page's parse, its type). */
  confirmed(url: string): CacheEntry | null {
    return this.#entries.get(url) ?? null;
  }

  /**
   * A URL's final record and verdict: an accepted check is stored (a page with its parse), a broken
   * one forgotten, so that the next run checks it again. A cached answer changes nothing.
   */
  update(
    url: string,
    kind: LinkKind,
    record: PageRecord,
    outcome: LinkOutcome,
    response: ResponseFacts | null,
    page: { readonly parse: ParseResult; readonly facts: LinkFacts } | null,
  ): void {
    if (outcome === 'cached') return;
    const old = this.#entries.get(url);
    if (outcome === 'broken' || outcome === 'excluded') {
      if (old !== undefined) {
        this.#entries.delete(url);
        this.#changed.delete(url);
        this.#deleted.add(url);
      }
      return;
    }
    const checkedAt = this.#now();
    let entry: CacheEntry;
    if (outcome === 'unchanged' && old !== undefined) {
      this.#unchanged++;
      entry = { ...old, checkedAt, policy: this.#revalidated304(old, url, response) };
    } else {
      const needs = this.#options.needs;
      const keepPage =
        kind === 'page' && needs.pages && page !== null && page.parse.links.length <= MAX_CACHED_LINKS;
      entry = {
        url,
        checkedAt,
        kind,
        status: record.status,
        finalUrl: record.finalUrl,
        contentType: record.contentType,
        redirects: record.redirects,
        error: record.error,
        policy: record.redirects === 0 ? policyOf(url, record.status, response) : null,
        page: keepPage
          ? { parse: page.parse, links: page.facts, resources: needs.resources, fragments: needs.fragments }
          : null,
      };
    }
    this.#entries.set(url, entry);
    this.#deleted.delete(url);
    this.#changed.add(url);
  }

  /** Writes the cache, newest checks first, at most `maxEntries`; a failure is reported, not thrown. */
  async save(): Promise<void> {
    const all = [...this.#entries.values()]
      .sort((a, b) => b.checkedAt - a.checkedAt)
      .slice(0, this.#options.maxEntries);
    const changed = [...this.#changed].map((url) => this.#entries.get(url)!);
    const { stored, problems } = await this.#store.save(all, changed, [...this.#deleted]);
    this.#stored = stored;
    this.#problems.push(...problems);
  }

  stats(): LinkCacheStats {
    return {
      where: this.#store.where,
      loaded: this.#loaded,
      fresh: this.#fresh,
      revalidated: this.#revalidated,
      unchanged: this.#unchanged,
      stored: this.#stored,
      problems: [...this.#problems],
    };
  }

  /** The conditional headers of a request for `entry`, or a miss when it has no validator. */
  #revalidation(entry: CacheEntry, method: 'GET' | 'HEAD'): CachePlan {
    // A redirect's validators belong to its target, which is another URL.
    if (entry.policy === null || entry.redirects > 0) return MISS;
    let all: CachePolicy.Headers;
    try {
      all = CachePolicy.fromObject(entry.policy).revalidationHeaders(request(entry.url, method));
    } catch {
      return MISS;
    }
    const headers: Record<string, string> = {};
    for (const name of ['if-none-match', 'if-modified-since']) {
      const value = all[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (Object.keys(headers).length === 0) return MISS;
    this.#revalidated++;
    return { kind: 'revalidate', headers };
  }

  /** The policy after a 304, with the headers it brought merged in. */
  #revalidated304(
    old: CacheEntry,
    url: string,
    response: ResponseFacts | null,
  ): CachePolicy.CachePolicyObject | null {
    if (old.policy === null || response === null) return old.policy;
    try {
      const method = response.method;
      const policy = CachePolicy.fromObject(old.policy);
      const sent = { ...request(url, method), headers: policy.revalidationHeaders(request(url, method)) };
      return policy
        .revalidatedPolicy(sent, { status: 304, headers: { ...response.headers } })
        .policy.toObject();
    } catch {
      return old.policy;
    }
  }
}

/** The request a policy is made for and matched against: the URL and method, no varying headers. */
function request(url: string, method: 'GET' | 'HEAD'): CachePolicy.Request {
  return { url, method, headers: {} };
}

/** The policy of a response (a private cache's view: a crawler is one user agent), when storable. */
function policyOf(
  url: string,
  status: number | null,
  response: ResponseFacts | null,
): CachePolicy.CachePolicyObject | null {
  if (response === null || status === null) return null;
  const policy = new CachePolicy(
    request(url, response.method),
    { status, headers: { ...response.headers } },
    { shared: false },
  );
  return policy.storable() ? policy.toObject() : null;
}
