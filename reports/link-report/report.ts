import type {
  BrokenFragment,
  BrokenLink,
  LinkCacheStats,
  LinkCheckSummary,
  LinkCheckTotals,
  RedirectedLink,
  Referrers,
  SlowPage,
} from '../../crawler/link-check/types.js';
import type { CrawlSummary } from '../../crawler/summary.js';
import { CrawlbenchError } from '../../crawler/errors.js';

/** The report of a link-checking crawl: what the Markdown and JSON reports render. Plain JSON. */
export interface LinkReport {
  readonly schema: 'crawlbench-link-report';
  readonly schemaVersion: 1;
  /** When the crawl finished (ISO 8601). */
  readonly createdAt: string;
  readonly state: 'completed' | 'interrupted';
  readonly wallMs: number;
  readonly accept: string;
  readonly maxReferrers: number;
  readonly totals: LinkCheckTotals;
  readonly cache: LinkCacheStats | null;
  /** Broken URLs, sorted by URL, each with its referrers sorted by URL. */
  readonly broken: readonly BrokenLink[];
  readonly brokenFragments: readonly BrokenFragment[];
  /** Redirected links, permanent redirects (every hop 301 or 308) first, then by URL. */
  readonly redirects: readonly RedirectedLink[];
  /** The slowest crawled pages, slowest first. */
  readonly slowest: readonly SlowPage[];
  /** What each list left out past its cap (counted in the totals all the same). */
  readonly cut: LinkCheckSummary['findings']['cut'];
}

const byUrl = <T extends { readonly url: string }>(a: T, b: T): number =>
  a.url < b.url ? -1 : a.url > b.url ? 1 : 0;

function sortedReferrers(referrers: Referrers): Referrers {
  return { pages: [...referrers.pages].sort(byUrl), more: referrers.more };
}

/** Whether every hop of a redirect chain is permanent: the link should point at its target. */
export function isPermanent(redirect: RedirectedLink): boolean {
  return redirect.statuses.length > 0 && redirect.statuses.every((s) => s === 301 || s === 308);
}

/**
 * The report of a crawl that checked links, in an order that does not depend on which page
 * finished first: lists sorted by URL (redirects: permanent ones first). Throws `INVALID_ARGUMENT`
 * for a summary without `linkCheck`.
 */
export function buildLinkReport(summary: CrawlSummary, createdAt: Date = new Date()): LinkReport {
  const check = summary.linkCheck;
  if (check === undefined) {
    throw new CrawlbenchError(
      'INVALID_ARGUMENT',
      'A link report needs the summary of a crawl with checkLinks',
    );
  }
  const f = check.findings;
  const withSorted = <T extends { readonly referrers: Referrers }>(item: T): T => ({
    ...item,
    referrers: sortedReferrers(item.referrers),
  });
  const fragments = [...f.brokenFragments]
    .map(withSorted)
    .sort((a, b) => byUrl(a, b) || (a.fragment < b.fragment ? -1 : a.fragment > b.fragment ? 1 : 0));
  const redirects = [...f.redirects]
    .map(withSorted)
    .sort((a, b) => Number(isPermanent(b)) - Number(isPermanent(a)) || byUrl(a, b));
  return {
    schema: 'crawlbench-link-report',
    schemaVersion: 1,
    createdAt: createdAt.toISOString(),
    state: summary.state,
    wallMs: summary.wallMs,
    accept: check.accept,
    maxReferrers: check.maxReferrers,
    totals: check.totals,
    cache: check.cache,
    broken: [...f.broken].map(withSorted).sort(byUrl),
    brokenFragments: fragments,
    redirects,
    slowest: f.slowest,
    cut: f.cut,
  };
}

/** Broken links in all: broken URLs and missing fragments. What `--strict` fails on. */
export function brokenCount(totals: LinkCheckTotals): number {
  return totals.broken + totals.fragments.missing;
}
