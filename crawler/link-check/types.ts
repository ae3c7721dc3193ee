/**
 * What a link-checking crawl (`checkLinks`) adds to records and to the summary. Plain data: records
 * cross threads, processes and Redis, and the summary is written as JSON.
 */

/**
 * What a URL is to the crawl: `page`, crawled (GET, parsed, its links followed); `link`, an `<a>`
 * or `<area>` link only checked (out of scope, beyond `depth`, past `maxPages`, not matching
 * `include`, or on a host whose robots.txt cannot be read); `resource`, an `<img>`, `<script>` or
 * `<link>` URL, only checked.
 */
export type LinkKind = 'page' | 'link' | 'resource';

/**
 * The verdict on a URL. `ok`: its final status is accepted. `redirected`: accepted after
 * redirects. `unchanged`: a conditional request got 304 (the cache's copy is current). `cached`:
 * checked by an earlier run within `cacheMaxAgeMs` with an accepted result, not requested.
 * `broken`: any other status, or no response (a network error). `excluded`: not requested
 * (robots.txt disallows it).
 */
export type LinkOutcome = 'ok' | 'redirected' | 'unchanged' | 'cached' | 'broken' | 'excluded';

export const LINK_OUTCOMES: readonly LinkOutcome[] = [
  'ok',
  'redirected',
  'unchanged',
  'cached',
  'broken',
  'excluded',
];

/** The `check` field of a record in a link-checking crawl. */
export interface LinkCheckInfo {
  readonly kind: LinkKind;
  readonly outcome: LinkOutcome;
  /** The method of the last request; null when none was sent (cached, excluded, invalid). */
  readonly method: 'HEAD' | 'GET' | null;
  /** `fresh`: answered from the results cache; `revalidated`: sent with conditional headers. */
  readonly cache: 'fresh' | 'revalidated' | null;
}

/** A page that links to a URL, and the link's text there. */
export interface Referrer {
  readonly url: string;
  /** The referring page's title. */
  readonly title: string | null;
  /** The link's text on it (an `<img>`'s alt, ...); for a resource, its element (`img`, `script`, `link`). */
  readonly text: string | null;
}

/** The first referrers of a URL, up to `maxReferrers`, and how many more link to it. */
export interface Referrers {
  readonly pages: readonly Referrer[];
  readonly more: number;
}

export interface BrokenLink {
  readonly url: string;
  readonly kind: LinkKind;
  readonly status: number | null;
  /** The record's error code, or `NOT_ACCEPTED` for a status outside `accept` that is no error. */
  readonly code: string;
  readonly message: string | null;
  readonly referrers: Referrers;
}

/** A link to `url#fragment` where the page at `url` has no such id. */
export interface BrokenFragment {
  readonly url: string;
  readonly fragment: string;
  readonly referrers: Referrers;
}

/** A link answered through redirects: worth pointing at `finalUrl` directly. */
export interface RedirectedLink {
  readonly url: string;
  readonly finalUrl: string;
  /** The redirect statuses, in order: 301 and 308 are permanent. */
  readonly statuses: readonly number[];
  readonly referrers: Referrers;
}

export interface SlowPage {
  readonly url: string;
  readonly title: string | null;
  readonly status: number | null;
  readonly totalMs: number;
  readonly ttfbMs: number | null;
}

/** Counts of a link-checking crawl. URLs are counted once, whatever links to them. */
export interface LinkCheckTotals {
  /** URLs with a record: crawled pages and URLs only checked. */
  readonly urls: number;
  /** Of them: crawled pages, links only checked, resources only checked. */
  readonly pages: number;
  readonly links: number;
  readonly resources: number;
  readonly ok: number;
  readonly redirected: number;
  readonly unchanged: number;
  readonly cached: number;
  readonly broken: number;
  /** URLs not requested: disallowed by robots.txt (they have records) or matching `exclude` (they do not). */
  readonly excluded: number;
  /** Broken URLs by error code (`HTTP_4XX`, `CONN_REFUSED`, ..., `NOT_ACCEPTED`). */
  readonly brokenByCode: Readonly<Record<string, number>>;
  /** Broken URLs that got a response, by status. */
  readonly brokenByStatus: Readonly<Record<string, number>>;
  /** Links found on crawled pages (every occurrence, resources included). */
  readonly linksFound: number;
  /** Links dropped unchecked because the queue held `maxQueue` URLs. */
  readonly notChecked: number;
  /** `#fragment` links (distinct URL and fragment): verified present, missing, or not verifiable. */
  readonly fragments: {
    readonly checked: number;
    readonly missing: number;
    /** The target was not crawled (only checked, or it failed): its ids are unknown. */
    readonly unverified: number;
  };
}

/** What the results cache did in a crawl. */
export interface LinkCacheStats {
  /** The file, or the Redis URL with its password hidden. */
  readonly where: string;
  /** Entries read at the start. */
  readonly loaded: number;
  /** URLs answered from the cache, not requested. */
  readonly fresh: number;
  /** Requests sent with conditional headers, and how many of them got 304. */
  readonly revalidated: number;
  readonly unchanged: number;
  /** Entries written at the end (0 when the cache could not be saved). */
  readonly stored: number;
  /** What went wrong (a corrupt file, Redis unreachable): reported, never fatal. */
  readonly problems: readonly string[];
}

/** The findings of a link-checking crawl, each list capped (see `cut`). */
export interface LinkFindings {
  /** Broken URLs, in the order they were found broken. */
  readonly broken: readonly BrokenLink[];
  readonly brokenFragments: readonly BrokenFragment[];
  readonly redirects: readonly RedirectedLink[];
  /** The slowest crawled pages, slowest first. */
  readonly slowest: readonly SlowPage[];
  /** Entries left out of each list past its cap (they are counted in the totals). */
  readonly cut: { readonly broken: number; readonly brokenFragments: number; readonly redirects: number };
}

/** `CrawlSummary.linkCheck`. */
export interface LinkCheckSummary {
  readonly totals: LinkCheckTotals;
  /** The accept list, as resolved (`200..=299`). */
  readonly accept: string;
  readonly maxReferrers: number;
  readonly cache: LinkCacheStats | null;
  readonly findings: LinkFindings;
}
