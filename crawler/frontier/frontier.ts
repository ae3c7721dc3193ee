import { pageError } from '../errors.js';
import type { CheckTarget, LinkChecker, LinkingPage } from '../link-check/link-checker.js';
import type { LinkCheckSummary } from '../link-check/types.js';
import type { LinkFacts } from '../parse/link-facts.js';
import { errorRecord } from '../page.js';
import {
  FINAL,
  type SeedCheck,
  type Settlement,
  type SourceHooks,
  type TaskSource,
} from '../sources/task-source.js';
import type { PageRecord, Task, TaskResult } from '../types.js';
import { type ListItem, untilStopped } from '../url-list.js';
import { Admission, type Admitted } from './admission.js';
import type { FrontierStats } from './frontier-stats.js';
import { type Entry, HostQueues } from './host-queues.js';
import type { FrontierOptions } from './options.js';
import { RobotsGate } from './robots-gate.js';
import type { RobotsCache, RobotsRules } from './robots.js';
import type { SitemapEntry } from './sitemap.js';

/** What a URL of the frontier is to link checking. */
function targetOf(entry: Pick<Entry, 'url' | 'checkOnly'>): CheckTarget {
  return { url: entry.url, kind: entry.checkOnly ?? 'page' };
}

/** What a frontier reads its URLs from, and what it answers to. */
export interface FrontierInputs {
  /** The list, as `readUrlList` reads it (pulled as requests go out). */
  readonly seeds: AsyncIterable<ListItem>;
  /** Opened once the list is read: URLs to add at depth 0, given the origins of the seeds. */
  readonly sitemaps: ((seedOrigins: readonly string[]) => AsyncIterable<SitemapEntry>) | null;
  /** robots.txt rules, or null when they are ignored. */
  readonly robots: RobotsCache | null;
  readonly hooks: SourceHooks;
  /** Link checking's side of the crawl (`checkLinks`), or null. */
  readonly checker?: LinkChecker | null;
  /** Releases what the inputs hold (the fetcher of robots.txt and sitemaps). */
  readonly close: () => Promise<void>;
}

/** Sitemap URLs and failures allowed to accumulate in the stats. */
const MAX_SITEMAP_ERRORS = 20;
/** Seeds read ahead of the requests, per pull. */
const SEED_WINDOW = 256;

/**
 * The frontier of a link-following crawl: a task source that hands out the seeds, then the links
 * of every page, level by level, as one async iterable of tasks that any strategy pulls. It is
 * also where politeness is enforced, for every strategy alike: a task is handed out only when its
 * host has room ({@link HostQueues}), and robots.txt allows it ({@link RobotsGate}); which links
 * are taken at all is {@link Admission}'s business.
 *
 * Levels are strict: no page of depth d + 1 is requested while a page of depth d is queued or in
 * flight, so the depth of a URL is the length of its shortest path from a seed, and the set of
 * URLs crawled does not depend on the strategy or on timing.
 */
export class Frontier implements TaskSource {
  readonly #options: FrontierOptions;
  readonly #inputs: FrontierInputs;
  readonly #admission: Admission;
  readonly #queues: HostQueues;
  readonly #robots: RobotsGate | null;
  readonly #checker: LinkChecker | null;
  /** Link checking: the deepest level a crawled page (not a link only checked) came from. */
  #deepestPage = 0;
  #summary: LinkCheckSummary | null = null;
  /** URLs of the next level, found by pages of this one. */
  #next: Entry[] = [];
  #level = 0;
  /** The entries handed out and not yet back, by the line their task got. */
  readonly #inFlight = new Map<number, Entry>();
  #lastLine = 0;
  /** A distributed run's check of the list as its seeds are read (see {@link Frontier.checkSeeds}). */
  #seedCheck: SeedCheck | null = null;
  #requested = 0;
  #retries = 0;
  #seedsDone = false;
  #sitemapsDone = false;
  #sitemapUrls = 0;
  readonly #sitemapErrors: string[] = [];
  /** `maxPages` reached: only pages sent back by a 429 or 503 still go out. */
  #capped = false;
  /** The task iterable has ended: a page that comes back now is recorded as it is. */
  #closed = false;
  #exhausted = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #seedOrigins = new Set<string>();

  constructor(options: FrontierOptions, inputs: FrontierInputs) {
    this.#options = options;
    this.#inputs = inputs;
    this.#admission = new Admission(options);
    this.#queues = new HostQueues(options);
    this.#robots = inputs.robots ? new RobotsGate(inputs.robots, (rules) => this.#robotsLoaded(rules)) : null;
    this.#checker = inputs.checker ?? null;
  }

  /** Makes URLs under `url` (a sitemap's location) in scope, like a seed's. */
  addScopeRoot(url: string): void {
    this.#admission.addScopeRoot(new URL(url));
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  reserveLines(upTo: number): void {
    this.#lastLine = Math.max(this.#lastLine, upTo);
  }

  stats(): FrontierStats {
    return {
      queued: this.#queues.size + this.#next.length,
      seen: this.#admission.seen,
      requested: this.#requested,
      hostRetries: this.#retries,
      depthReached: this.#checker === null ? this.#level : this.#deepestPage,
      skipped: { ...this.#admission.skipped },
      sitemapUrls: this.#sitemapUrls,
      sitemapErrors: [...this.#sitemapErrors],
    };
  }

  async close(): Promise<void> {
    try {
      if (this.#checker !== null) {
        await this.#checker.close();
        this.#summary = this.#checker.summary(this.#admission.skipped);
      }
    } finally {
      await this.#inputs.close();
    }
  }

  /** With link checking: its totals and findings, once the frontier is closed (else null). */
  linkCheck(): LinkCheckSummary | null {
    return this.#summary;
  }

  /**
   * The tasks of the crawl. Ends when nothing is queued or in flight, when `maxPages` tasks were
   * handed out, or when `stop` aborts.
   */
  async *tasks(stop: AbortSignal | undefined): AsyncGenerator<Task> {
    const seedIterator = untilStopped(this.#inputs.seeds, stop)[Symbol.asyncIterator]();
    let sitemapIterator: AsyncIterator<SitemapEntry> | undefined;
    const onAbort = (): void => this.#notify();
    stop?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (stop?.aborted) return;
        const capped = this.#options.maxPages !== null && this.#requested >= this.#options.maxPages;
        // At the cap no new page goes out; a page sent back by a 429 or 503 still gets its retry.
        if (capped && !this.#capped) this.#dropNewPages();
        const room = !this.#capped && this.#queues.size < SEED_WINDOW;
        if (!this.#seedsDone && room) {
          await this.#readSeeds(seedIterator);
          continue;
        }
        if (this.#seedsDone && !this.#sitemapsDone && room) {
          const sitemaps = this.#inputs.sitemaps;
          if (!sitemaps) {
            this.#sitemapsDone = true;
          } else {
            sitemapIterator ??= sitemaps([...this.#seedOrigins])[Symbol.asyncIterator]();
            await this.#readSitemap(sitemapIterator);
          }
          continue;
        }
        // One clock reading for the hand-out and the wait after it: read twice, a host that became
        // ready in between would be neither handed out nor waited for, and nothing would wake the loop.
        const now = performance.now();
        const entry = await this.#take(now);
        if (entry) {
          const task = this.#checker === null ? this.#dispatch(entry) : await this.#dispatchChecked(entry);
          if (task !== null) yield task;
          continue;
        }
        if (this.#queues.size === 0 && this.#inFlight.size === 0 && (this.#robots?.loading ?? 0) === 0) {
          if (this.#capped) {
            // Link checking: past the cap the links found are still checked, a level at a time.
            if (this.#checker === null || this.#next.length === 0) return this.#end();
            this.#promote();
            continue;
          }
          if (!this.#seedsDone || !this.#sitemapsDone) continue;
          if (this.#next.length === 0) return this.#end();
          this.#promote();
          continue;
        }
        await this.#idle(now);
      }
    } finally {
      // Pages still in flight are recorded as they end: none is sent back any more. Pages sent
      // back and waiting for their retry are recorded as their last try ended.
      this.#closed = true;
      for (const entry of this.#drainSentBack()) await this.#emitOwn(entry, entry.last!);
      stop?.removeEventListener('abort', onAbort);
      clearTimeout(this.#timer);
      await seedIterator.return?.(undefined);
      await sitemapIterator?.return?.();
    }
  }

  /**
   * Takes a task's result back: frees its host and queues its page's links. A 429 or 503 with
   * `Retry-After` holds back its host that long and queues the URL again: that record is not final.
   */
  settle(result: TaskResult): Settlement {
    const { record, retryAfterMs } = result;
    const entry = this.#inFlight.get(record.line);
    if (!entry) return FINAL;
    this.#inFlight.delete(record.line);
    const now = performance.now();
    if (retryAfterMs !== null && !this.#closed) {
      this.#queues.holdBack(entry.host, now, retryAfterMs);
      this.#retries++;
      this.#queues.pushFront({ ...entry, line: record.line, attempts: record.attempts, last: record });
      this.#notify();
      return { final: false, retryInMs: retryAfterMs };
    }
    this.#queues.finished(entry.host, now);
    if (this.#checker !== null) return this.#settleChecked(this.#checker, entry, result);
    if (record.finalUrl !== null && record.finalUrl !== record.url) this.#admission.markSeen(record.finalUrl);
    for (const link of record.parse?.links ?? []) this.#discover(link, entry.depth + 1, record.url);
    this.#notify();
    return FINAL;
  }

  /**
   * {@link settle} with link checking: the checker gives the verdict and the record to emit; a page's
   * links (and resources, fragments) are checked or followed, unless the page redirected off-site.
   */
  #settleChecked(checker: LinkChecker, entry: Entry, result: TaskResult): Settlement {
    const checked = checker.settled(targetOf(entry), result);
    const record = checked.record;
    const final = record.finalUrl;
    const redirected = final !== null && final !== record.url;
    // A page reached through a redirect is the page at its target: when that one is known already
    // (crawled, or queued), its links are its own business, and are not counted twice.
    const targetKnown = redirected && this.#admission.isSeen(final);
    // A broken redirect target is checked on its own if linked: its record then says what it is.
    if (redirected && checked.outcome !== 'broken') this.#admission.markSeen(final);
    // A seed that redirects within its registrable domain (example.org to www.example.org) brings
    // its target into the scope: that is the site the list means.
    if (redirected && entry.depth === 0 && checked.outcome !== 'broken')
      this.#admission.adoptRedirect(entry.url, final);
    // Nor is a page followed that a redirect took off-site: it is not the site under test.
    const onSite = !redirected || this.#admission.inScope(final);
    if (entry.checkOnly === undefined && checked.parse !== null && onSite && !targetKnown) {
      this.#discoverChecked(checked.parse.links, checked.facts, entry.depth + 1, {
        url: final ?? record.url,
        title: checked.parse.title,
      });
    }
    this.#notify();
    return { final: true, record };
  }

  #end(): void {
    this.#exhausted = true;
  }

  /** Takes the URLs sent back out of the queues (their `last` records are theirs). */
  #drainSentBack(): Entry[] {
    return this.#queues.remove((entry) => entry.last !== undefined);
  }

  /** Emits a record the frontier made itself; with link checking, with its verdict. */
  #emitOwn(entry: Pick<Entry, 'url' | 'checkOnly'>, record: PageRecord): Promise<void> {
    const checker = this.#checker;
    return this.#inputs.hooks.emit(checker === null ? record : checker.own(targetOf(entry), record));
  }

  /**
   * At `maxPages`: drops every queued URL not yet requested, and the next level, as skipped. With
   * link checking they are only checked instead.
   */
  #dropNewPages(): void {
    this.#capped = true;
    if (this.#checker !== null) {
      const pages = this.#queues.remove((entry) => entry.attempts === 0 && entry.checkOnly === undefined);
      for (const entry of pages) this.#queues.push({ ...entry, checkOnly: 'link' });
      this.#next = this.#next.map((entry) => (entry.checkOnly ? entry : { ...entry, checkOnly: 'link' }));
      return;
    }
    this.#admission.skipped.maxPages += this.#queues.remove((entry) => entry.attempts === 0).length;
    this.#admission.dropNextLevel(this.#next.length);
    this.#next = [];
  }

  async #readSeeds(iterator: AsyncIterator<ListItem>): Promise<void> {
    for (let i = 0; i < SEED_WINDOW; i++) {
      const next = await iterator.next();
      if (next.done) {
        // Seeds held back by the check (their part of the list not yet checked) come now, or the
        // list was not the one expected and this throws.
        for (const task of this.#seedCheck?.end() ?? []) this.#takeSeed(task);
        this.#seedsDone = true;
        return;
      }
      const item = next.value;
      this.#lastLine = Math.max(this.#lastLine, item.kind === 'task' ? item.task.line : item.line);
      if (item.kind === 'duplicate') {
        this.#inputs.hooks.duplicate();
        continue;
      }
      if (item.kind === 'invalid') {
        await this.#emitOwn({ url: item.text }, errorRecord({ line: item.line, url: item.text }, item.error));
        continue;
      }
      for (const task of this.#seedCheck ? this.#seedCheck.check(item.task) : [item.task])
        this.#takeSeed(task);
      if (this.#queues.size >= SEED_WINDOW) return;
    }
  }

  checkSeeds(check: SeedCheck): void {
    this.#seedCheck = check;
  }

  /** A seed read from the list (and let through by the seed check, if any) is queued, once. */
  #takeSeed(task: Task): void {
    const seed = this.#admission.seed(task.url);
    if (seed === null) {
      this.#inputs.hooks.duplicate();
      return;
    }
    this.#checker?.opened(seed.key);
    this.#seedOrigins.add(seed.parsed.origin);
    this.#queues.push(this.#entry(seed, 0, null, task.line));
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
      if (this.#checker === null) this.#discover(entry.url, 0, entry.sitemap);
      else this.#discoverLink(entry.url, 0, { url: entry.sitemap, title: null }, null, 'link');
    }
  }

  /**
   * Link checking: the links of a crawled page (and its resources and fragments) at `depth`, each
   * followed, checked or counted, and each occurrence's referrer told to the checker.
   */
  #discoverChecked(
    links: readonly string[],
    facts: LinkFacts | null,
    depth: number,
    page: LinkingPage,
  ): void {
    const checker = this.#checker!;
    const resources = facts?.resources ?? [];
    checker.found(links.length + resources.length);
    const found = links.map((link, i) =>
      this.#discoverLink(link, depth, page, facts?.texts[i] ?? null, 'link'),
    );
    for (const [index, fragment, text] of facts?.fragments ?? []) {
      const target = found[index];
      if (target !== null && target !== undefined)
        checker.fragment(target.key, target.url, fragment, page, text);
    }
    for (const [url, element] of resources) this.#discoverLink(url, depth, page, element, 'resource');
  }

  /** One link (or resource) of a page, for link checking; its normalized URL and key, unless it was dropped. */
  #discoverLink(
    link: string,
    depth: number,
    page: LinkingPage,
    text: string | null,
    kind: 'link' | 'resource',
  ): { readonly url: string; readonly key: number } | null {
    const checker = this.#checker!;
    const decision = this.#admission.check(
      link,
      depth,
      {
        seedsKnown: this.#seedsDone,
        requested: this.#requested,
        queued: this.#queues.size + this.#next.length,
      },
      kind === 'resource',
    );
    if (decision === null) return null;
    if (decision.kind === 'seen') {
      checker.linked(decision.key, page, text);
      return decision;
    }
    const { admitted } = decision;
    checker.opened(admitted.key);
    checker.linked(admitted.key, page, text);
    const entry: Entry = {
      ...this.#entry(admitted, depth, page.url, 0),
      ...(decision.checkOnly && { checkOnly: kind }),
    };
    if (depth === 0) this.#queues.push(entry);
    else this.#next.push(entry);
    return admitted;
  }

  /** A link found on a page (or in a sitemap, at depth 0): admitted, then queued now or for its level. */
  #discover(link: string, depth: number, referrer: string): void {
    const admitted = this.#admission.link(link, depth, {
      seedsKnown: this.#seedsDone,
      requested: this.#requested,
      queued: this.#queues.size + this.#next.length,
    });
    if (admitted === null) return;
    const entry = this.#entry(admitted, depth, referrer, 0);
    // A sitemap URL joins level 0, which is running while sitemaps are read.
    if (depth === 0) this.#queues.push(entry);
    else this.#next.push(entry);
  }

  #entry(admitted: Admitted, depth: number, referrer: string | null, line: number): Entry {
    return {
      url: admitted.url,
      host: this.#queues.hostOf(admitted.parsed),
      depth,
      referrer,
      line,
      unscoped: admitted.unscoped,
      attempts: 0,
    };
  }

  /** Starts the next level: the URLs found by the pages of this one. */
  #promote(): void {
    this.#level++;
    const entries = this.#next;
    this.#next = [];
    this.#admission.startLevel();
    if (this.#checker === null) {
      for (const entry of entries) if (this.#admission.promoted(entry)) this.#queues.push(entry);
      return;
    }
    for (const entry of entries) {
      const promoted = this.#admission.promotedForCheck(entry);
      if (promoted === null) continue;
      // Out of scope after all, or past `maxPages`: checked, not crawled.
      const check = promoted === 'check' || this.#capped;
      this.#queues.push(check && entry.checkOnly === undefined ? { ...entry, checkOnly: 'link' } : entry);
    }
  }

  /**
   * The next URL whose host has room and whose robots.txt is loaded; robots-disallowed URLs met on
   * the way are recorded. Undefined when no host is ready.
   */
  async #take(now: number): Promise<Entry | undefined> {
    const robots = this.#robots;
    // The rules of the entry `take` accepted: looked up once per hand-out.
    const found: { rules: RobotsRules | null } = { rules: null };
    const ready = (entry: Entry): boolean => {
      // A link only checked is no crawl: its host's robots.txt is not asked (nor fetched).
      if (robots === null || entry.checkOnly !== undefined) {
        found.rules = null;
        return true;
      }
      const rules = robots.rulesFor(entry.url);
      if (rules === 'loading') return false;
      found.rules = rules;
      return true;
    };
    for (;;) {
      const entry = this.#queues.take(now, ready);
      const rules = found.rules;
      if (entry === undefined || rules === null || rules.isAllowed(entry.url)) return entry;
      // Link checking: a host whose robots.txt cannot be had is asked for the page alone (a check,
      // not a crawl), so that its record says what is wrong with it (CONN_REFUSED, a 500), not
      // RFC 9309's "disallow all".
      if (this.#checker !== null && rules.source === 'unreachable') return { ...entry, checkOnly: 'link' };
      this.#admission.skipped.robots++;
      const line = entry.line || ++this.#lastLine;
      const error = pageError('ROBOTS_DISALLOWED', rules.explain(entry.url));
      await this.#emitOwn(
        entry,
        errorRecord({ line, url: entry.url, depth: entry.depth, referrer: entry.referrer }, error),
      );
    }
  }

  #robotsLoaded(rules: RobotsRules): void {
    const host = this.#queues.hostOf(new URL(rules.origin));
    if (rules.crawlDelayMs !== null) this.#queues.setCrawlDelay(host, rules.crawlDelayMs);
    this.#queues.unblock(host);
    this.#notify();
  }

  #dispatch(entry: Entry, task: Task = this.#taskOf(entry)): Task {
    this.#queues.started(entry.host);
    // A URL sent back by a 429 or 503 is the same page asked again, not one more; a link only
    // checked is no page.
    if (entry.attempts === 0 && entry.checkOnly === undefined) this.#requested++;
    this.#inFlight.set(task.line, entry);
    return task;
  }

  #taskOf(entry: Entry): Task {
    return {
      line: entry.line || ++this.#lastLine,
      url: entry.url,
      depth: entry.depth,
      referrer: entry.referrer,
      ...(entry.attempts > 0 && { attempts: entry.attempts }),
    };
  }

  /**
   * {@link dispatch} with link checking: a link checked recently enough is answered from the
   * results cache (its record emitted, nothing requested: null), the others go out marked
   * `checkOnly` as they are, with the cache's conditional headers when it has validators.
   */
  async #dispatchChecked(entry: Entry): Promise<Task | null> {
    const checker = this.#checker!;
    const task = this.#taskOf(entry);
    const plan = checker.plan(targetOf(entry), task);
    if (plan.kind === 'answered') {
      await this.#inputs.hooks.emit(plan.record);
      return null;
    }
    if (entry.checkOnly === undefined) this.#deepestPage = Math.max(this.#deepestPage, entry.depth);
    return this.#dispatch(entry, {
      ...task,
      ...(entry.checkOnly !== undefined && { checkOnly: true as const }),
      ...(plan.revalidate !== null && { revalidate: plan.revalidate }),
    });
  }

  /**
   * Waits for a completion, a robots.txt, the stop signal, or the earliest host delay to pass. The
   * hosts waited for are those not ready at `takenAt`, when the hand-out looked at them.
   */
  async #idle(takenAt: number): Promise<void> {
    const earliest = this.#queues.earliestReadyAt(takenAt);
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (Number.isFinite(earliest)) {
        const wait = Math.max(1, Math.ceil(earliest - performance.now()));
        this.#timer = setTimeout(() => this.#notify(), wait);
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
