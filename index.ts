// The public API of crawlbench: named exports only.
export { type FixtureSite, startFixtureSite } from './bench/fixture-site.js';
export type { FixtureSiteOptions } from './bench/fixture-site-options.js';
export {
  type LinkSite,
  type LinkSiteOptions,
  type LinkSiteRequest,
  startLinkSite,
} from './bench/link-site.js';
export { crawl, type OnPage } from './crawler/crawl.js';
export type { FrontierStats, SkipCounts } from './crawler/frontier/frontier.js';
export { normalizeUrl } from './crawler/frontier/normalize.js';
export type { FollowOptions } from './crawler/frontier/options.js';
export { type Scope, SCOPES, scopeKey } from './crawler/frontier/scope.js';
export { redactRedisUrl } from './crawler/distributed/redis-url.js';
export { type CrawlPool, createCrawlPool } from './crawler/pool.js';
export {
  CrawlbenchError,
  type CrawlbenchErrorCode,
  InvalidOptionError,
  PAGE_ERROR_CODES,
  type PageError,
  type PageErrorCode,
} from './crawler/errors.js';
export {
  type CrawlOptions,
  DEFAULT_FETCH_OPTIONS,
  defaultConcurrency,
  type FetchOptions,
  type ParseOptions,
  type ResolvedCrawlOptions,
  resolveCrawlOptions,
} from './crawler/options.js';
export type { CrawlSummary, LatencySummary } from './crawler/summary.js';
export {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  type FetchedPage,
  type PageRecord,
  type PageTimings,
  type ParsePlacement,
  type ParseResult,
  STRATEGY_NAMES,
  type StrategyName,
  type Task,
} from './crawler/types.js';
export { type ListItem, readUrlList, type UrlListSource } from './crawler/url-list.js';
export { createRecordWriter, type RecordFormat, type RecordWriter } from './reports/records.js';
