import type { PageRecord } from '../types.js';
import type { ReferrerList } from './referrers.js';
import type {
  BrokenLink,
  LinkKind,
  LinkOutcome,
  LinkCheckTotals,
  RedirectedLink,
  SlowPage,
} from './types.js';
import { brokenCode } from './verdict.js';

/** Broken URLs listed at most; redirects; slowest pages (the rest are counted in the totals). */
export const MAX_BROKEN = 100_000;
export const MAX_REDIRECTS = 10_000;
export const SLOWEST = 10;

type Counted = Exclude<keyof LinkCheckTotals, 'brokenByCode' | 'brokenByStatus' | 'fragments'>;

/** The counts and lists of a link-checking crawl, one record at a time. */
export class LinkTally {
  readonly #counts: Record<Counted, number> = {
    urls: 0,
    pages: 0,
    links: 0,
    resources: 0,
    ok: 0,
    redirected: 0,
    unchanged: 0,
    cached: 0,
    broken: 0,
    excluded: 0,
    linksFound: 0,
    notChecked: 0,
  };
  readonly #byCode: Record<string, number> = {};
  readonly #byStatus: Record<string, number> = {};
  readonly #broken: Array<{ link: Omit<BrokenLink, 'referrers'>; refs: ReferrerList | null }> = [];
  readonly #redirects: Array<{ link: Omit<RedirectedLink, 'referrers'>; refs: ReferrerList | null }> = [];
  readonly #slowest: SlowPage[] = [];
  cutBroken = 0;
  cutRedirects = 0;

  /** A URL's final record and verdict, with its referrers when they were kept. */
  add(
    record: PageRecord,
    kind: LinkKind,
    outcome: LinkOutcome,
    refs: ReferrerList | null,
    redirects: readonly number[],
  ): void {
    const c = this.#counts;
    c.urls++;
    c[kind === 'page' ? 'pages' : kind === 'link' ? 'links' : 'resources']++;
    c[outcome]++;
    if (outcome === 'broken') {
      const code = brokenCode(record);
      this.#byCode[code] = (this.#byCode[code] ?? 0) + 1;
      if (record.status !== null) {
        const status = String(record.status);
        this.#byStatus[status] = (this.#byStatus[status] ?? 0) + 1;
      }
      if (this.#broken.length < MAX_BROKEN) {
        const message = record.error?.message ?? null;
        this.#broken.push({ link: { url: record.url, kind, status: record.status, code, message }, refs });
      } else {
        this.cutBroken++;
      }
    } else if (outcome === 'redirected' && record.finalUrl !== null) {
      if (this.#redirects.length < MAX_REDIRECTS) {
        const link = { url: record.url, finalUrl: record.finalUrl, statuses: redirects };
        this.#redirects.push({ link, refs });
      } else {
        this.cutRedirects++;
      }
    }
    if (kind === 'page' && record.attempts > 0) this.#noteTime(record);
  }

  /** Links found on a crawled page (or a sitemap), and those the full queue left unchecked. */
  found(links: number): void {
    this.#counts.linksFound += links;
  }

  /** URLs `exclude` kept out (no record), and links dropped for a full queue. */
  skipped(excluded: number, notChecked: number): void {
    this.#counts.excluded += excluded;
    this.#counts.notChecked += notChecked;
  }

  totals(fragments: LinkCheckTotals['fragments']): LinkCheckTotals {
    return {
      ...this.#counts,
      brokenByCode: { ...this.#byCode },
      brokenByStatus: { ...this.#byStatus },
      fragments,
    };
  }

  broken(): BrokenLink[] {
    return this.#broken.map(({ link, refs }) => ({
      ...link,
      referrers: refs?.toJSON() ?? { pages: [], more: 0 },
    }));
  }

  redirects(): RedirectedLink[] {
    return this.#redirects.map(({ link, refs }) => ({
      ...link,
      referrers: refs?.toJSON() ?? { pages: [], more: 0 },
    }));
  }

  slowest(): SlowPage[] {
    return [...this.#slowest];
  }

  /** Keeps the {@link SLOWEST} crawled pages, slowest first (ties: the first to finish). */
  #noteTime(record: PageRecord): void {
    const totalMs = record.timings.totalMs;
    const list = this.#slowest;
    if (list.length === SLOWEST && list[SLOWEST - 1]!.totalMs >= totalMs) return;
    const page: SlowPage = {
      url: record.url,
      title: record.parse?.title ?? null,
      status: record.status,
      totalMs,
      ttfbMs: record.timings.ttfbMs,
    };
    let at = list.findIndex((p) => p.totalMs < totalMs);
    if (at === -1) at = list.length;
    list.splice(at, 0, page);
    if (list.length > SLOWEST) list.pop();
  }
}
