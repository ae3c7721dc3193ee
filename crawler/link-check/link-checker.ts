import type { LinkFacts } from '../parse/link-facts.js';
import { redactUrl } from '../redact.js';
import type { PageRecord, ParseResult, ResponseFacts, Task, TaskResult } from '../types.js';
import { urlKey } from '../url-list.js';
import type { LinkCache } from './cache/link-cache.js';
import { FragmentIndex } from './fragments.js';
import type { ResolvedLinkCheck } from './options.js';
import { ReferrerStore } from './referrers.js';
import { LinkTally } from './tally.js';
import type { LinkCheckInfo, LinkCheckSummary, LinkKind, LinkOutcome } from './types.js';
import { verdictOf } from './verdict.js';

/** A URL the frontier hands out: its normalized URL and what it is to the crawl. */
export interface CheckTarget {
  readonly url: string;
  readonly kind: LinkKind;
}

/** A page that links: its record's URL and title. */
export interface LinkingPage {
  readonly url: string;
  readonly title: string | null;
}

/** What the frontier does with a URL about to go out. */
export type DispatchPlan =
  | { readonly kind: 'send'; readonly revalidate: Readonly<Record<string, string>> | null }
  | { readonly kind: 'answered'; readonly record: PageRecord };

/** A task's result as the checker settled it. */
export interface Checked {
  /** The record to emit, with its `check` field (and, after a 304, the cached parse). */
  readonly record: PageRecord;
  /** The page's links to follow and check, and its facts; null when there are none. */
  readonly parse: ParseResult | null;
  readonly facts: LinkFacts | null;
  readonly outcome: LinkOutcome;
}

const ZERO_TIMINGS = Object.freeze({ ttfbMs: null, fetchMs: 0, parseMs: 0, totalMs: 0 });

/**
 * The main thread's side of link checking, driven by the frontier: it keeps who links to what
 * ({@link ReferrerStore}), decides each URL's verdict under the accept list, checks fragments
 * ({@link FragmentIndex}), counts everything ({@link LinkTally}), and answers from the results
 * cache or revalidates against it.
 */
export class LinkChecker {
  readonly #options: ResolvedLinkCheck;
  readonly #cache: LinkCache | null;
  readonly #referrers: ReferrerStore;
  readonly #fragments: FragmentIndex | null;
  readonly #tally = new LinkTally();

  constructor(options: ResolvedLinkCheck, cache: LinkCache | null) {
    this.#options = options;
    this.#cache = cache;
    this.#referrers = new ReferrerStore(options.maxReferrers);
    this.#fragments = options.fragments ? new FragmentIndex(options.maxReferrers) : null;
  }

  /** Referrers held now, for the memory figures. */
  get held(): { readonly pending: number; readonly kept: number } {
    return this.#referrers.size;
  }

  /** A new URL joined the crawl: its referrers are kept until it is checked. */
  opened(key: number): void {
    this.#referrers.open(key);
  }

  /** A link to the URL of `key` from `page`, with its text (for a resource, its element). */
  linked(key: number, page: LinkingPage, text: string | null): void {
    this.#referrers.add(key, page.url, page.title, text);
  }

  /** A `#fragment` link to the URL of `key` (`url`, normalized) from `page`. */
  fragment(key: number, url: string, fragment: string, page: LinkingPage, text: string | null): void {
    const state = this.#referrers.isPending(key) ? 'pending' : 'settled';
    this.#fragments?.link(key, url, fragment, [page.url, page.title, text], state);
  }

  /** Links found on a crawled page, resources included. */
  found(count: number): void {
    this.#tally.found(count);
  }

  /**
   * Before `target` goes out as `task`: a link checked recently enough is answered from the cache
   * (its record is returned, nothing is sent), a known page or stale link goes with conditional
   * headers when the cache has validators for it.
   */
  plan(target: CheckTarget, task: Task): DispatchPlan {
    const plan = this.#cache?.plan(target.url, target.kind);
    if (plan === undefined || plan.kind === 'miss') return { kind: 'send', revalidate: null };
    if (plan.kind === 'revalidate') return { kind: 'send', revalidate: plan.headers };
    const entry = plan.entry;
    const base: PageRecord = {
      line: task.line,
      url: redactUrl(task.url),
      depth: task.depth ?? 0,
      referrer: task.referrer == null ? null : redactUrl(task.referrer),
      finalUrl: entry.finalUrl,
      status: entry.status,
      contentType: entry.contentType,
      bytes: 0,
      redirects: entry.redirects,
      attempts: 0,
      timings: ZERO_TIMINGS,
      parse: null,
      error: entry.error,
    };
    const record = this.#finish(target, base, 'cached', null, null, null);
    return { kind: 'answered', record };
  }

  /** A task's final result: its verdict, its referrers kept or dropped, the cache updated. */
  settled(target: CheckTarget, result: TaskResult): Checked {
    const response = result.linkCheck?.response ?? null;
    let record = result.record;
    let facts = result.linkCheck?.links ?? null;
    const outcome = verdictOf(record, this.#options.accept, response?.conditional === true);
    const confirmed = outcome === 'unchanged' ? (this.#cache?.confirmed(target.url) ?? null) : null;
    if (confirmed !== null) {
      // The URL is as the cache has it: a page's parse and links stand for the body a 304 has not.
      record = { ...record, contentType: confirmed.contentType };
      if (target.kind === 'page' && confirmed.page !== null) {
        record = { ...record, parse: confirmed.page.parse };
        facts = this.#wanted(confirmed.page.links);
      }
    }
    const done = this.#finish(target, record, outcome, response?.method ?? null, response, facts);
    return { record: done, parse: done.parse, facts, outcome };
  }

  /** A record the frontier made itself (robots.txt refused the URL, an invalid list line, a page sent back). */
  own(target: CheckTarget, record: PageRecord): PageRecord {
    const outcome = verdictOf(record, this.#options.accept, false);
    return this.#finish(target, record, outcome, null, null, null);
  }

  /** Saves the results cache (a failure is reported in its stats). */
  async close(): Promise<void> {
    await this.#cache?.save();
  }

  /** The summary's `linkCheck`, with what the frontier skipped: `exclude`d URLs and links dropped for a full queue. */
  summary(skipped: { readonly excluded: number; readonly queueFull: number }): LinkCheckSummary {
    this.#tally.skipped(skipped.excluded, skipped.queueFull);
    const f = this.#fragments;
    return {
      totals: this.#tally.totals({
        checked: f?.checked ?? 0,
        missing: f?.missing ?? 0,
        unverified: f?.unverified ?? 0,
      }),
      accept: this.#options.accept.text,
      maxReferrers: this.#options.maxReferrers,
      cache: this.#cache?.stats() ?? null,
      findings: {
        broken: this.#tally.broken(),
        brokenFragments: f?.broken() ?? [],
        redirects: this.#tally.redirects(),
        slowest: this.#tally.slowest(),
        cut: {
          broken: this.#tally.cutBroken,
          brokenFragments: f?.cut ?? 0,
          redirects: this.#tally.cutRedirects,
        },
      },
    };
  }

  /** Cached facts as this run would have collected them: no resources or fragments it did not ask for. */
  #wanted(facts: LinkFacts): LinkFacts {
    const { resources, fragments } = this.#options;
    if (resources && fragments) return facts;
    return {
      texts: facts.texts,
      resources: resources ? facts.resources : [],
      fragments: fragments ? facts.fragments : [],
      anchors: fragments ? facts.anchors : [],
    };
  }

  #finish(
    target: CheckTarget,
    record: PageRecord,
    outcome: LinkOutcome,
    method: 'HEAD' | 'GET' | null,
    response: ResponseFacts | null,
    facts: LinkFacts | null,
  ): PageRecord {
    const key = urlKey(target.url);
    const cache: LinkCheckInfo['cache'] =
      outcome === 'cached' ? 'fresh' : response?.conditional ? 'revalidated' : null;
    const check: LinkCheckInfo = {
      kind: target.kind,
      outcome,
      // Unknown only for a record the frontier made itself (a page sent back, then stopped).
      method: method ?? (record.attempts === 0 ? null : target.kind === 'page' ? 'GET' : 'HEAD'),
      cache,
    };
    const withCheck: PageRecord = { ...record, check };
    const refs = this.#referrers.settle(key, outcome === 'broken' || outcome === 'redirected');
    this.#tally.add(withCheck, target.kind, outcome, refs, response?.redirects ?? []);
    const crawled =
      target.kind === 'page' && (outcome === 'ok' || outcome === 'redirected' || outcome === 'unchanged');
    this.#fragments?.settled(key, crawled && facts !== null ? facts.anchors : null);
    const page = record.parse !== null && facts !== null ? { parse: record.parse, facts } : null;
    this.#cache?.update(target.url, target.kind, withCheck, outcome, response, page);
    return withCheck;
  }
}
