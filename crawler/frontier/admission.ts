import { urlKey } from '../url-list.js';
import { normalizedUrl } from './normalize.js';
import type { FrontierOptions } from './options.js';
import { ScopeSet, scopeKey } from './scope.js';

/** Why a URL was not requested. */
export interface SkipCounts {
  /** Links outside the scope of the seeds. */
  outOfScope: number;
  /** Links rejected by `include` / `exclude`. */
  excluded: number;
  /** URLs disallowed by robots.txt (each also has a `ROBOTS_DISALLOWED` record). */
  robots: number;
  /** Links, seeds and sitemap URLs already seen (after normalization). */
  duplicate: number;
  /** Distinct links beyond the depth limit. */
  depth: number;
  /** URLs not requested because `maxPages` was reached. */
  maxPages: number;
  /** Links dropped because the queue held `maxQueue` URLs. */
  queueFull: number;
  /** Links that are not http(s) URLs. */
  invalid: number;
}

/** A URL admitted to the crawl, normalized and parsed once. */
export interface Admitted {
  readonly url: string;
  /** Its seen-set key. */
  readonly key: number;
  readonly parsed: URL;
  /** Scope not checked yet: found before every seed was known (checked when its level starts). */
  readonly unscoped: boolean;
}

/** Where the crawl stands, as admission needs to know it for a link. */
export interface AdmissionState {
  /** Every seed is known, so a link's scope can be told. */
  readonly seedsKnown: boolean;
  /** Pages handed out so far (against `maxPages`). */
  readonly requested: number;
  /** URLs queued now, this level's and the next's (against `maxQueue`). */
  readonly queued: number;
}

/**
 * What link checking does with a link: a URL seen before (its referrer still counts), or a new one
 * to crawl or only to check.
 */
export type LinkDecision =
  | { readonly kind: 'seen'; readonly url: string; readonly key: number }
  | { readonly kind: 'new'; readonly admitted: Admitted; readonly checkOnly: boolean };

/**
 * Which URLs a link-following crawl takes: normalization, the seen-set (52-bit keys), depth, the
 * include/exclude filters, scope, `maxPages` and `maxQueue`, each skip counted by its reason.
 *
 * Levels are strict: a link of the next level is seen for good only when that level starts, so a
 * sitemap URL of this level may still claim it at a smaller depth.
 */
export class Admission {
  readonly #options: FrontierOptions;
  readonly #scope: ScopeSet;
  readonly #seen = new Set<number>();
  /** Keys of the next level's URLs: they join `#seen` when the level starts. */
  #nextSeen = new Set<number>();
  readonly #beyondDepth = new Set<number>();
  readonly skipped: SkipCounts = {
    outOfScope: 0,
    excluded: 0,
    robots: 0,
    duplicate: 0,
    depth: 0,
    maxPages: 0,
    queueFull: 0,
    invalid: 0,
  };

  constructor(options: FrontierOptions) {
    this.#options = options;
    this.#scope = new ScopeSet(options.scope);
  }

  /** Distinct URLs seen: requested, queued, or disallowed. */
  get seen(): number {
    return this.#seen.size + this.#nextSeen.size;
  }

  /** Makes URLs under `url` (a seed's or a sitemap's location) in scope. */
  addScopeRoot(url: URL): void {
    this.#scope.addSeed(url);
  }

  /** A seed of the list: normalized, in scope by definition; null when it repeats an earlier URL. */
  seed(text: string): Admitted | null {
    const parsed = normalizedUrl(text, this.#options.stripQuery);
    if (parsed === null) return null; // readUrlList only yields absolute http(s) URLs
    const url = parsed.href;
    const key = urlKey(url);
    if (this.#seen.has(key)) return null;
    this.#seen.add(key);
    this.#scope.addSeed(parsed);
    return { url, key, parsed, unscoped: false };
  }

  /**
   * A link found on a page at `depth` (or a sitemap URL, at depth 0): the URL to queue, or null when
   * it is skipped (and counted). A URL of depth 0 is seen at once; a deeper one only when its level
   * starts ({@link Admission.promoted}).
   */
  link(link: string, depth: number, state: AdmissionState): Admitted | null {
    const o = this.#options;
    const found = this.#found(link);
    if (found === null || found.seen) return null;
    const { parsed, url, key } = found;
    if (depth > o.depth) {
      if (!this.#beyondDepth.has(key)) {
        this.#beyondDepth.add(key);
        this.skipped.depth++;
      }
      return null;
    }
    if ((o.include && !o.include.test(url)) || o.exclude?.test(url)) {
      this.skipped.excluded++;
      return null;
    }
    // Scope is relative to every seed: until the list is read, a link's scope cannot be told.
    if (state.seedsKnown && !this.#scope.has(parsed)) {
      this.skipped.outOfScope++;
      return null;
    }
    if (o.maxPages !== null && state.requested >= o.maxPages) {
      this.#seen.add(key);
      this.skipped.maxPages++;
      return null;
    }
    if (state.queued >= o.maxQueue) {
      this.skipped.queueFull++;
      return null;
    }
    this.#see(key, depth);
    return { url, key, parsed, unscoped: !state.seedsKnown };
  }

  /**
   * {@link Admission.link} for link checking: a link that would be skipped for its scope, its depth,
   * `include` or `maxPages` is checked instead (`checkOnly`), and so is every resource; a link seen
   * before is `seen` (the caller counts its referrer). Null for what is not checked at all: not
   * http(s), matching `exclude` (counted once per URL), or the queue full.
   */
  check(link: string, depth: number, state: AdmissionState, resource: boolean): LinkDecision | null {
    const o = this.#options;
    const found = this.#found(link);
    if (found === null) return null;
    const { parsed, url, key } = found;
    if (found.seen) return { kind: 'seen', url, key };
    if (o.exclude?.test(url)) {
      // Seen, so that the next link to it is a duplicate and the URL counts as excluded once.
      this.#seen.add(key);
      this.skipped.excluded++;
      return null;
    }
    if (state.queued >= o.maxQueue) {
      this.skipped.queueFull++;
      return null;
    }
    const checkOnly =
      resource ||
      depth > o.depth ||
      (o.include !== null && !o.include.test(url)) ||
      (state.seedsKnown && !this.#scope.has(parsed)) ||
      (o.maxPages !== null && state.requested >= o.maxPages);
    this.#see(key, depth);
    return {
      kind: 'new',
      admitted: { url, key, parsed, unscoped: !state.seedsKnown && !checkOnly },
      checkOnly,
    };
  }

  /**
   * A found link normalized, with its seen-set key and whether it was seen already (counted as a
   * duplicate); null when it is no http(s) URL (counted as invalid).
   */
  #found(link: string): { parsed: URL; url: string; key: number; seen: boolean } | null {
    const parsed = normalizedUrl(link, this.#options.stripQuery);
    if (parsed === null) {
      this.skipped.invalid++;
      return null;
    }
    const url = parsed.href;
    const key = urlKey(url);
    const seen = this.#seen.has(key) || this.#nextSeen.has(key);
    if (seen) this.skipped.duplicate++;
    return { parsed, url, key, seen };
  }

  /** A URL admitted at `depth` is seen: at once at depth 0, when its level starts otherwise. */
  #see(key: number, depth: number): void {
    if (depth === 0) this.#seen.add(key);
    else this.#nextSeen.add(key);
  }

  /** Whether `url` is in the scope of the seeds (link checking: a redirect's target off-site is not followed). */
  inScope(url: string): boolean {
    const parsed = normalizedUrl(url, this.#options.stripQuery);
    return parsed !== null && this.#scope.has(parsed);
  }

  /**
   * The next level starts: its URLs are seen for good. Returns whether `entry` still goes out: not
   * when a sitemap URL claimed it meanwhile, or when its scope, unknown when it was found, is out.
   */
  promoted(entry: { readonly url: string; readonly unscoped: boolean }): boolean {
    const key = urlKey(entry.url);
    if (this.#seen.has(key)) {
      this.skipped.duplicate++;
      return false;
    }
    this.#seen.add(key);
    if (entry.unscoped && !this.#scope.has(new URL(entry.url))) {
      this.skipped.outOfScope++;
      return false;
    }
    return true;
  }

  /**
   * {@link Admission.promoted} for link checking: `check` for a URL whose scope, unknown when it was
   * found, is out (it is checked, not crawled); null when a sitemap URL claimed it meanwhile.
   */
  promotedForCheck(entry: { readonly url: string; readonly unscoped: boolean }): 'crawl' | 'check' | null {
    const key = urlKey(entry.url);
    if (this.#seen.has(key)) {
      this.skipped.duplicate++;
      return null;
    }
    this.#seen.add(key);
    return entry.unscoped && !this.#scope.has(new URL(entry.url)) ? 'check' : 'crawl';
  }

  /** Starts a level: the keys held for it are looked at one by one through {@link Admission.promoted}. */
  startLevel(): void {
    this.#nextSeen = new Set();
  }

  /**
   * Link checking: a seed redirected to `target`; when both have the same registrable domain, the
   * target joins the scope as a seed's URL would (a seed redirected to another site does not).
   */
  adoptRedirect(seed: string, target: string): void {
    const from = normalizedUrl(seed, false);
    const to = normalizedUrl(target, false);
    if (from === null || to === null) return;
    if (scopeKey(from, 'same-domain') === scopeKey(to, 'same-domain')) this.#scope.addSeed(to);
  }

  /** Whether a URL was seen (requested, queued, or disallowed). */
  isSeen(url: string): boolean {
    const parsed = normalizedUrl(url, this.#options.stripQuery);
    if (parsed === null) return false;
    const key = urlKey(parsed.href);
    return this.#seen.has(key) || this.#nextSeen.has(key);
  }

  /** Marks a URL seen (a redirect's target), so a link to it is not requested again. */
  markSeen(url: string): void {
    const final = normalizedUrl(url, this.#options.stripQuery);
    if (final !== null) this.#seen.add(urlKey(final.href));
  }

  /** Forgets the next level (at `maxPages`): its URLs are counted as skipped. */
  dropNextLevel(count: number): void {
    this.skipped.maxPages += count;
    this.#nextSeen = new Set();
  }
}
