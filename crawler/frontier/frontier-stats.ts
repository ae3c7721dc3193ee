import type { SkipCounts } from './admission.js';

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
