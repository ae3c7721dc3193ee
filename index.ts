// The public API of crawlbench: named exports only.
export { type FixtureSite, startFixtureSite } from './bench/fixture-site.js';
export type { FixtureSiteOptions } from './bench/fixture-site-options.js';
export {
  type LinkSite,
  type LinkSiteOptions,
  type LinkSiteRequest,
  startLinkSite,
} from './bench/link-site.js';
export { crawl, type OnPage, runCrawl } from './crawler/crawl.js';
export { CRAWL_DEFAULTS, defaultConcurrency } from './crawler/defaults.js';
export type { DistributedOptions } from './crawler/distributed/run-options.js';
export type { SkipCounts } from './crawler/frontier/admission.js';
export type { FrontierStats } from './crawler/frontier/frontier-stats.js';
export { normalizeUrl } from './crawler/frontier/normalize.js';
export { type FollowOptions, type Scope, SCOPES } from './crawler/frontier/options.js';
export { scopeKey } from './crawler/frontier/scope.js';
export type { LinkCheckOptions } from './crawler/link-check/options.js';
export type {
  BrokenFragment,
  BrokenLink,
  LinkCacheStats,
  LinkCheckInfo,
  LinkCheckSummary,
  LinkCheckTotals,
  LinkFindings,
  LinkKind,
  LinkOutcome,
  RedirectedLink,
  Referrer,
  Referrers,
  SlowPage,
} from './crawler/link-check/types.js';
export { redactRedisUrl } from './crawler/distributed/redis-url.js';
export { createCrawlPool } from './crawler/pool.js';
export type { CrawlPool } from './crawler/strategies/pool-handle.js';
export {
  CrawlbenchError,
  type CrawlbenchErrorCode,
  ENVIRONMENT_ERROR_CODES,
  type EnvironmentErrorCode,
  type ErrorKind,
  errorKind,
  InvalidOptionError,
  PAGE_ERROR_CODES,
  type PageError,
  type PageErrorCode,
  USAGE_ERROR_CODES,
  type UsageErrorCode,
} from './crawler/errors.js';
export {
  type CrawlOptions,
  type ResolvedCrawlOptions,
  type ResolvedDistributedOptions,
  type ResolvedLocalOptions,
  type ResolvedPooledOptions,
  resolveCrawlOptions,
  type TimelineEntry,
} from './crawler/options.js';
export {
  DEFAULT_FETCH_OPTIONS,
  type FetchOptions,
  type ParseOptions,
  type WorkerConfig,
} from './crawler/step-options.js';
export type { ChildProcessesUsage } from './crawler/strategies/runner.js';
export type { CrawlSummary, LatencySummary } from './crawler/summary.js';
export { DEFAULT_USER_AGENT, VERSION } from './crawler/version.js';
export {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  type FetchedPage,
  type PageRecord,
  type PageTimings,
  type ParsePlacement,
  type ParseResult,
  type ResponseFacts,
  STRATEGY_NAMES,
  type StrategyName,
  type Task,
  type TaskLinkCheck,
  type TaskResult,
  type PageTrace,
} from './crawler/types.js';
export { type ListItem, readUrlList, type UrlListSource } from './crawler/url-list.js';
export { createRecordWriter, type RecordWriter } from './crawler/output/record-writer.js';
export { RECORD_FORMATS, type RecordFormat } from './crawler/output/record-formats.js';
export type {
  ExtractFunction,
  ExtractModule,
  ExtractPage,
  JsonValue,
} from './crawler/extract/extract-types.js';
export {
  type AbBenchResult,
  type BenchHooks,
  type BenchProgress,
  runBench,
  runBenchAgainst,
} from './bench/bench.js';
export type { BenchOptions } from './bench/options.js';
export type { BenchMode, BenchResult, CellResult } from './bench/result.js';
export {
  type CellComparison,
  type CellVerdict,
  type Comparison,
  type MachineDrift,
  compareResults,
  comparisonExitCode,
  DEFAULT_THRESHOLD_PCT,
  parseBenchResult,
  renderComparisonMarkdown,
} from './reports/compare.js';
export { buildLinkReport, type LinkReport } from './reports/link-report/report.js';
export { LINK_REPORTERS, linkReportFormatOf } from './reports/link-report/registry.js';
export type { LinkRenderOptions, LinkReporter, LinkReportFormat } from './reports/link-report/reporter.js';
