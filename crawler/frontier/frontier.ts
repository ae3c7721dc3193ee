import { pageError } from '../errors.js';
import { errorRecord } from '../page.js';
import type { PageRecord, Task } from '../types.js';
import { type ListItem, urlKey } from '../url-list.js';
import { normalizedUrl, normalizeUrl } from './normalize.js';
import type { RobotsCache, RobotsRules } from './robots.js';
import { type Scope, ScopeSet } from './scope.js';
import type { SitemapEntry } from './sitemap.js';

/** What a link-following crawl may do; resolved by `resolveCrawlOptions`. */
export interface FrontierOptions {
  /** Links are followed up to this many hops from a seed (0: the seeds only). */
  readonly depth: number;
  readonly scope: Scope;
  readonly include: RegExp | null;
  readonly exclude: RegExp | null;
  /** Pages requested at most; the crawl stops there. Null: no limit. */
  readonly maxPages: number | null;
  readonly stripQuery: boolean;
  /** Requests in flight per host (host name, any port) at most. */
  readonly perHostConcurrency: number;
  /** Pause between one request to a host finishing and the next starting (0: none). */
  readonly perHostDelayMs: number;
  /** URLs queued at most (discovered and not yet requested); past it, links are skipped. */
  readonly maxQueue: number;
}

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

/** Where the frontier of a link-following crawl stands. */
export interface FrontierStats {
  /** URLs waiting to be requested. */
  readonly queued: number;
  /** Distinct (normalized) URLs seen: requested, queued or disallowed. */
  readonly seen: number;
  /** Pages handed to the strategy (a page asked again after a 429 or 503 counts once). */
  readonly requested: number;
  /** Pages sent back to their host's queue by a 429 or 503 with `Retry-After`. */
  readonly hostRetries: number;
  /** The deepest level reached. */
  readonly depthReached: number;
  readonly skipped: Readonly<SkipCounts>;
  /** URLs read from sitemaps (before deduplication), and the sitemaps that failed. */
  readonly sitemapUrls: number;
  readonly sitemapErrors: readonly string[];
}

/** One URL waiting in the frontier. */
interface Entry {
  readonly url: string;
  /** Its host, found when the URL was parsed (one parse per URL, not one per step). */
  readonly host: Host;
  readonly depth: number;
  readonly referrer: string | null;
  /** The list line of a seed; 0 for the others, which get theirs when requested. */
  readonly line: number;
  /** Scope not checked yet: found before every seed was known. */
  readonly unscoped: boolean;
  /** HTTP attempts made by earlier tries (a 429 or 503 with Retry-After sends a URL back). */
  readonly attempts: number;
  /** The record of the last try of a URL sent back: its record if the crawl ends before a retry. */
  readonly last?: PageRecord;
}

/** The URLs of one host (name, any port) and its politeness state. */
interface Host {
  readonly name: string;
  readonly queue: Entry[];
  head: number;
  inFlight: number;
  /** No request starts before this `performance.now()` time. */
  readyAt: number;
  /** The largest Crawl-delay of its origins' robots.txt, in ms. */
  crawlDelayMs: number;
}

/** The part of the crawl the frontier talks back to. */
export interface FrontierHooks {
  /** Emits a record that is not the outcome of a task (invalid seed, robots-disallowed URL). */
  readonly emit: (record: PageRecord) => Promise<void>;
  /** A seed that repeats an earlier one. */
  readonly duplicate: () => void;
}

/** Sitemap URLs and failures allowed to accumulate in the stats. */
const MAX_SITEMAP_ERRORS = 20;
/** Seeds read ahead of the requests, per pull. */
const SEED_WINDOW = 256;

/**
 * The frontier of a link-following crawl: the seeds, then the links of every page, level by
 * level, as one async iterable of tasks that any strategy pulls. It is also where politeness is
 * enforced, for every strategy alike: a task is handed out only when its host has room
 * (`perHostConcurrency`), its delay has passed, and robots.txt allows it.
 *
 * Levels are strict: no page of depth d + 1 is requested while a page of depth d is queued or in
 * flight, so the depth of a URL is the length of its shortest path from a seed, and the set of
 * URLs crawled does not depend on the strategy or on timing.
 *
 * Feed every record of a task back through {@link Frontier.completed}: it frees the host's slot
 * and queues the page's links.
 */
export class Frontier {
  readonly #options: FrontierOptions;
  readonly #robots: RobotsCache | null;
  readonly #hooks: FrontierHooks;
  readonly #scope: ScopeSet;
  readonly #seen = new Set<number>();
  /** Keys of the next level's URLs: they join `#seen` when the level starts (see `#discover`). */
  #nextSeen = new Set<number>();
  readonly #beyondDepth = new Set<number>();
  readonly #hosts = new Map<string, Host>();
  /** Hosts with queued URLs of the current level, in round-robin order. */
  #active: Host[] = [];
  #turn = 0;
  /** URLs of the next level, found by pages of this one. */
  #next: Entry[] = [];
  #level = 0;
  #queued = 0;
  /** The entries handed out and not yet back, by the line their task got. */
  readonly #inFlight = new Map<number, Entry>();
  #lastLine = 0;
  #requested = 0;
  #retries = 0;
  readonly #robotsLoading = new Set<string>();
  #seedsDone = false;
  #sitemapsDone = false;
  #sitemapUrls = 0;
  readonly #sitemapErrors: string[] = [];
  readonly #skipped: SkipCounts = {
    outOfScope: 0,
    excluded: 0,
    robots: 0,
    duplicate: 0,
    depth: 0,
    maxPages: 0,
    queueFull: 0,
    invalid: 0,
  };
  /** `maxPages` reached: only pages sent back by a 429 or 503 still go out. */
  #capped = false;
  /** The task iterable has ended: a page that comes back now is recorded as it is. */
  #closed = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #seedOrigins = new Set<string>();

  constructor(options: FrontierOptions, robots: RobotsCache | null, hooks: FrontierHooks) {
    this.#options = options;
    this.#robots = robots;
    this.#hooks = hooks;
    this.#scope = new ScopeSet(options.scope);
  }

  /** The origins of the seeds read so far (for `Sitemap:` lines of their robots.txt). */
  seedOrigins(): readonly string[] {
    return [...this.#seedOrigins];
  }

  /** Makes URLs under `url` (a sitemap's location) in scope, like a seed's. */
  addScopeRoot(url: string): void {
    this.#scope.addSeed(new URL(url));
  }

  stats(): FrontierStats {
    return {
      queued: this.#queued + this.#next.length,
      seen: this.#seen.size + this.#nextSeen.size,
      requested: this.#requested,
      hostRetries: this.#retries,
      depthReached: this.#level,
      skipped: { ...this.#skipped },
      sitemapUrls: this.#sitemapUrls,
      sitemapErrors: [...this.#sitemapErrors],
    };
  }

  /**
   * The tasks of the crawl. Ends when nothing is queued or in flight, when `maxPages` tasks were
   * handed out, or when `signal` aborts.
   *
   * @param seeds - the list, as `readUrlList` reads it (pulled as requests go out).
   * @param sitemaps - opened once the list is read: URLs to add at depth 0.
   */
  async *tasks(
    seeds: AsyncIterable<ListItem>,
    sitemaps: (() => AsyncIterable<SitemapEntry>) | null,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Task> {
    const seedIterator = seeds[Symbol.asyncIterator]();
    let sitemapIterator: AsyncIterator<SitemapEntry> | undefined;
    const onAbort = (): void => this.#notify();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal?.aborted) return;
        const capped = this.#options.maxPages !== null && this.#requested >= this.#options.maxPages;
        // At the cap no new page goes out; a page sent back by a 429 or 503 still gets its retry.
        if (capped && !this.#capped) this.#dropNewPages();
        if (!this.#seedsDone && !this.#capped && this.#queued < SEED_WINDOW) {
          await this.#readSeeds(seedIterator);
          continue;
        }
        if (this.#seedsDone && !this.#sitemapsDone && !this.#capped && this.#queued < SEED_WINDOW) {
          if (!sitemaps) {
            this.#sitemapsDone = true;
          } else {
            sitemapIterator ??= sitemaps()[Symbol.asyncIterator]();
            await this.#readSitemap(sitemapIterator);
          }
          continue;
        }
        const entry = await this.#take();
        if (entry) {
          yield this.#dispatch(entry);
          continue;
        }
        if (this.#queued === 0 && this.#inFlight.size === 0 && this.#robotsLoading.size === 0) {
          if (this.#capped) return;
          if (!this.#seedsDone || !this.#sitemapsDone) continue;
          if (this.#next.length === 0) return;
          this.#promote();
          continue;
        }
        await this.#idle();
      }
    } finally {
      // Pages still in flight are recorded as they end: none is sent back any more. Pages sent
      // back and waiting for their retry are recorded as their last try ended.
      this.#closed = true;
      for (const record of this.#drainSentBack()) await this.#hooks.emit(record);
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.#timer);
      await seedIterator.return?.();
      await sitemapIterator?.return?.();
    }
  }

  /**
   * Takes a task's record back: frees its host and queues its page's links. Call it once per task
   * handed out, with the record the task ended in.
   *
   * @returns false when the record is not the task's last: a 429 or 503 with `Retry-After` (see
   * `FetchOptions.hostBackoff`) holds back its host that long and queues the URL again. Such a
   * record must not be emitted.
   */
  completed(record: PageRecord): boolean {
    const entry = this.#inFlight.get(record.line);
    if (!entry) return true;
    this.#inFlight.delete(record.line);
    const host = entry.host;
    const depth = entry.depth;
    host.inFlight--;
    const retryAfterMs = record.error?.retryAfterMs;
    if (retryAfterMs !== undefined && !this.#closed) {
      host.readyAt = Math.max(host.readyAt, performance.now() + retryAfterMs);
      this.#retries++;
      this.#requeue(host, { ...entry, line: record.line, attempts: record.attempts, last: record });
      this.#notify();
      return false;
    }
    const delay = this.#delayOf(host);
    if (delay > 0) host.readyAt = Math.max(host.readyAt, performance.now() + delay);
    if (record.finalUrl !== null && record.finalUrl !== record.url) {
      const final = normalizeUrl(record.finalUrl, this.#options.stripQuery);
      if (final !== null) this.#seen.add(urlKey(final));
    }
    const links = record.parse?.links ?? [];
    for (const link of links) this.#discover(link, depth + 1, record.url);
    this.#notify();
    return true;
  }

  /** Takes the queued entries that `remove` picks out of every host's queue, and returns them. */
  #removeQueued(remove: (entry: Entry) => boolean): Entry[] {
    const removed: Entry[] = [];
    for (const host of this.#active) {
      const rest: Entry[] = [];
      for (let i = host.head; i < host.queue.length; i++) {
        const entry = host.queue[i]!;
        (remove(entry) ? removed : rest).push(entry);
      }
      host.queue.length = 0;
      host.queue.push(...rest);
      host.head = 0;
    }
    this.#queued -= removed.length;
    return removed;
  }

  /** Takes the URLs sent back out of the queues, and returns their last records. */
  #drainSentBack(): PageRecord[] {
    return this.#removeQueued((entry) => entry.last !== undefined).map((entry) => entry.last!);
  }

  /** At `maxPages`: drops every queued URL not yet requested, and the next level, as skipped. */
  #dropNewPages(): void {
    this.#capped = true;
    this.#skipped.maxPages += this.#removeQueued((entry) => entry.attempts === 0).length;
    this.#skipped.maxPages += this.#next.length;
    this.#next = [];
    this.#nextSeen = new Set();
  }

  /** Puts a URL back at the head of its host's queue. */
  #requeue(host: Host, entry: Entry): void {
    if (host.head === host.queue.length) {
      if (!this.#active.includes(host)) this.#active.push(host);
      host.queue.length = 0;
      host.head = 0;
    }
    if (host.head > 0) host.queue[--host.head] = entry;
    else host.queue.unshift(entry);
    this.#queued++;
  }

  async #readSeeds(iterator: AsyncIterator<ListItem>): Promise<void> {
    for (let i = 0; i < SEED_WINDOW; i++) {
      const next = await iterator.next();
      if (next.done) {
        this.#seedsDone = true;
        return;
      }
      const item = next.value;
      this.#lastLine = Math.max(this.#lastLine, item.kind === 'task' ? item.task.line : item.line);
      if (item.kind === 'duplicate') {
        this.#hooks.duplicate();
        continue;
      }
      if (item.kind === 'invalid') {
        await this.#hooks.emit(errorRecord({ line: item.line, url: item.text }, item.error));
        continue;
      }
      const parsed = normalizedUrl(item.task.url, this.#options.stripQuery);
      if (parsed === null) continue; // readUrlList only yields absolute http(s) URLs
      const url = parsed.href;
      const key = urlKey(url);
      if (this.#seen.has(key)) {
        this.#hooks.duplicate();
        continue;
      }
      this.#seen.add(key);
      this.#scope.addSeed(parsed);
      this.#seedOrigins.add(parsed.origin);
      const host = this.#hostOf(parsed);
      this.#enqueue({
        url,
        host,
        depth: 0,
        referrer: null,
        line: item.task.line,
        unscoped: false,
        attempts: 0,
      });
      if (this.#queued >= SEED_WINDOW) return;
    }
  }

  async #readSitemap(iterator: AsyncIterator<SitemapEntry>): Promise<void> {
    for (let i = 0; i < SEED_WINDOW; i++) {
      const next = await iterator.next();
      if (next.done) {
        this.#sitemapsDone = true;
        return;
      }
      const entry = next.value;
      if (entry.kind === 'error') {
        if (this.#sitemapErrors.length < MAX_SITEMAP_ERRORS) this.#sitemapErrors.push(entry.message);
        continue;
      }
      this.#sitemapUrls++;
      this.#discover(entry.url, 0, entry.sitemap);
    }
  }

  /** A link found on a page (or in a sitemap, at depth 0): filtered, deduplicated and queued. */
  #discover(link: string, depth: number, referrer: string): void {
    const o = this.#options;
    const parsed = normalizedUrl(link, o.stripQuery);
    if (parsed === null) {
      this.#skipped.invalid++;
      return;
    }
    const url = parsed.href;
    const key = urlKey(url);
    if (this.#seen.has(key) || this.#nextSeen.has(key)) {
      this.#skipped.duplicate++;
      return;
    }
    if (depth > o.depth) {
      if (!this.#beyondDepth.has(key)) {
        this.#beyondDepth.add(key);
        this.#skipped.depth++;
      }
      return;
    }
    if ((o.include && !o.include.test(url)) || o.exclude?.test(url)) {
      this.#skipped.excluded++;
      return;
    }
    // Scope is relative to every seed: until the list is read, a link's scope cannot be told.
    const known = this.#seedsDone;
    if (known && !this.#scope.has(parsed)) {
      this.#skipped.outOfScope++;
      return;
    }
    if (o.maxPages !== null && this.#requested >= o.maxPages) {
      this.#seen.add(key);
      this.#skipped.maxPages++;
      return;
    }
    if (this.#queued + this.#next.length >= o.maxQueue) {
      this.#skipped.queueFull++;
      return;
    }
    const host = this.#hostOf(parsed);
    const entry: Entry = { url, host, depth, referrer, line: 0, unscoped: !known, attempts: 0 };
    if (depth === 0) {
      // A sitemap URL joins level 0, which is running while sitemaps are read.
      this.#seen.add(key);
      this.#enqueue(entry);
    } else {
      // A link of the next level is seen for good only when that level starts: until then a
      // sitemap URL of this level may still claim it at a smaller depth.
      this.#nextSeen.add(key);
      this.#next.push(entry);
    }
  }

  /** The politeness state of a URL's host (its name: all ports share it). */
  #hostOf(url: URL): Host {
    const name = url.hostname;
    let host = this.#hosts.get(name);
    if (!host) {
      host = { name, queue: [], head: 0, inFlight: 0, readyAt: 0, crawlDelayMs: 0 };
      this.#hosts.set(name, host);
    }
    return host;
  }

  #enqueue(entry: Entry): void {
    const host = entry.host;
    if (host.head === host.queue.length) this.#active.push(host);
    host.queue.push(entry);
    this.#queued++;
  }

  /** Starts the next level: the URLs found by the pages of this one. */
  #promote(): void {
    this.#level++;
    const entries = this.#next;
    this.#next = [];
    this.#nextSeen = new Set();
    for (const entry of entries) {
      const key = urlKey(entry.url);
      if (this.#seen.has(key)) {
        this.#skipped.duplicate++;
        continue;
      }
      this.#seen.add(key);
      if (entry.unscoped && !this.#scope.has(new URL(entry.url))) {
        this.#skipped.outOfScope++;
        continue;
      }
      this.#enqueue(entry);
    }
  }

  #delayOf(host: Host): number {
    return Math.max(this.#options.perHostDelayMs, host.crawlDelayMs);
  }

  /**
   * The next URL whose host has room, in round-robin over hosts; robots-disallowed URLs met on
   * the way are recorded. Undefined when no host is ready.
   */
  async #take(): Promise<Entry | undefined> {
    const now = performance.now();
    let scanned = 0;
    while (scanned < this.#active.length) {
      if (this.#turn >= this.#active.length) this.#turn = 0;
      const host = this.#active[this.#turn]!;
      if (host.head === host.queue.length) {
        this.#active.splice(this.#turn, 1);
        host.queue.length = 0;
        host.head = 0;
        continue;
      }
      const limit = this.#delayOf(host) > 0 ? 1 : this.#options.perHostConcurrency;
      if (host.inFlight >= limit || now < host.readyAt) {
        this.#turn++;
        scanned++;
        continue;
      }
      const entry = host.queue[host.head]!;
      const rules = this.#rulesFor(entry.url, host);
      if (rules === 'loading') {
        this.#turn++;
        scanned++;
        continue;
      }
      host.head++;
      this.#queued--;
      if (host.head >= 1024 && host.head * 2 >= host.queue.length) {
        host.queue.splice(0, host.head);
        host.head = 0;
      }
      if (rules && !rules.isAllowed(entry.url)) {
        this.#skipped.robots++;
        const line = entry.line || ++this.#lastLine;
        const error = pageError('ROBOTS_DISALLOWED', rules.explain(entry.url));
        await this.#hooks.emit(
          errorRecord({ line, url: entry.url, depth: entry.depth, referrer: entry.referrer }, error),
        );
        continue;
      }
      this.#turn++;
      return entry;
    }
    return undefined;
  }

  /** The robots.txt rules of a URL's origin: loaded, `'loading'` (asked for now), or null when ignored. */
  #rulesFor(url: string, host: Host): RobotsRules | null | 'loading' {
    const robots = this.#robots;
    if (!robots) return null;
    const origin = new URL(url).origin;
    const rules = robots.peek(origin);
    if (rules) return rules;
    if (this.#robotsLoading.has(origin)) return 'loading';
    this.#robotsLoading.add(origin);
    // Never rejects: an unreachable robots.txt is a rule set of its own.
    void robots.rulesFor(origin).then((loaded) => {
      this.#robotsLoading.delete(origin);
      if (loaded.crawlDelayMs !== null) host.crawlDelayMs = Math.max(host.crawlDelayMs, loaded.crawlDelayMs);
      this.#notify();
    });
    return 'loading';
  }

  #dispatch(entry: Entry): Task {
    const host = entry.host;
    const line = entry.line || ++this.#lastLine;
    host.inFlight++;
    // A URL sent back by a 429 or 503 is the same page asked again, not one more.
    if (entry.attempts === 0) this.#requested++;
    this.#inFlight.set(line, entry);
    return {
      line,
      url: entry.url,
      depth: entry.depth,
      referrer: entry.referrer,
      ...(entry.attempts > 0 && { attempts: entry.attempts }),
    };
  }

  /** Waits for a completion, a robots.txt, the abort signal, or the earliest host delay to pass. */
  async #idle(): Promise<void> {
    const now = performance.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const host of this.#active) {
      if (host.head < host.queue.length && host.readyAt > now) earliest = Math.min(earliest, host.readyAt);
    }
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (Number.isFinite(earliest)) {
        this.#timer = setTimeout(() => this.#notify(), Math.max(1, Math.ceil(earliest - now)));
      }
    });
  }

  #notify(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
