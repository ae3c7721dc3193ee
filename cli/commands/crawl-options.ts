import { type Command, Option } from 'commander';
import { CRAWL_DEFAULTS } from '../../crawler/defaults.js';
import { REDIS_URL_ENV } from '../../crawler/distributed/redis-url.js';
import { type FollowOptions, type Scope, SCOPES } from '../../crawler/frontier/options.js';
import type { LinkCheckOptions } from '../../crawler/link-check/options.js';
import type { CrawlOptions } from '../../crawler/options.js';
import {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  type ParsePlacement,
} from '../../crawler/types.js';
import { formatBytes, formatDuration, withDefault } from '../help.js';
import { byteSize, duration, nonNegativeInt, positiveInt } from '../parsers.js';

const D = CRAWL_DEFAULTS;

/**
 * The crawl flags as commander hands them over. None has a commander default: a flag not given
 * stays undefined, and the library fills in its own default (the one `--help` shows).
 */
export interface CrawlFlags {
  strategy?: CrawlStrategyName;
  concurrency?: number;
  mode?: CrawlMode;
  cpuWork?: number;
  parseIn?: ParsePlacement;
  perWorker?: number;
  taskTimeout?: number;
  /** `--no-parse` sets false; commander sets true when absent (negatable flag). */
  parse: boolean;
  timeout?: number;
  retries?: number;
  retryDelay?: number;
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  extract?: string;
}

/** The link-following flags of `crawl`: only those given turn the frontier on. */
export interface FollowFlags {
  depth?: number;
  scope?: Scope;
  include?: string;
  exclude?: string;
  maxPages?: number;
  stripQuery?: boolean;
  ignoreRobots?: boolean;
  perHostConcurrency?: number;
  perHostDelay?: number;
  sitemap?: string[];
  useSitemaps?: boolean;
  maxQueue?: number;
}

/** The link-checking flags of `crawl`. */
export interface LinkCheckFlags {
  checkLinks?: boolean;
  checkResources?: boolean;
  checkFragments?: boolean;
  accept?: string;
  maxReferrers?: number;
  cache?: string;
  cacheMaxAge?: number;
  cacheMaxEntries?: number;
  cachePrefix?: string;
}

export interface DistributedFlags {
  redis?: string;
  runId?: string;
  keep?: boolean;
  stallTimeout?: number;
}

/** Adds the flags of one crawl (strategy, concurrency, mode, fetch limits). */
export function addCrawlFlags(command: Command): Command {
  return command
    .addOption(
      new Option('-s, --strategy <name>', withDefault('concurrency strategy', D.strategy)).choices(
        CRAWL_STRATEGY_NAMES,
      ),
    )
    .option(
      '-c, --concurrency <n>',
      'requests in flight (async), workers (threads, processes) or tasks queued at once (distributed) ' +
        `(default: ${D.asyncConcurrency} for async, CPU cores for pools, ${D.maxPending} for distributed)`,
      positiveInt,
    )
    .addOption(
      new Option(
        '--mode <mode>',
        withDefault('io: plain parse; cpu: add --cpu-work per page', D.mode),
      ).choices(['io', 'cpu']),
    )
    .option(
      '--cpu-work <rounds>',
      withDefault('extra deterministic CPU work per page in cpu mode', D.cpuWork),
      nonNegativeInt,
    )
    .addOption(
      new Option(
        '--parse-in <where>',
        withDefault('pools: parse in the worker, or in the main thread callback', D.parseIn),
      ).choices(['worker', 'main']),
    )
    .option(
      '--per-worker <n>',
      withDefault(
        'pools: tasks each worker runs at once (more than 1: a hybrid pool, many requests in flight per core)',
        D.perWorker,
      ),
      positiveInt,
    )
    .option(
      '--task-timeout <ms>',
      withDefault(
        'pools: a worker spending longer on one page, fetch included, is replaced (TASK_TIMEOUT)',
        D.taskTimeoutMs,
      ),
      positiveInt,
    )
    .option('--no-parse', 'fetch only: skip parsing (records carry "parse": null)')
    .option(
      '--timeout <ms>',
      withDefault('per-attempt deadline: connect, headers and body', D.timeoutMs),
      positiveInt,
    )
    .option(
      '--retries <n>',
      withDefault('retries on network errors, 5xx, 408 and 429', D.retries),
      nonNegativeInt,
    )
    .option(
      '--retry-delay <ms>',
      withDefault('base of the exponential backoff with jitter', D.retryDelayMs),
      nonNegativeInt,
    )
    .option(
      '--max-bytes <size>',
      withDefault('cap on the decompressed body (e.g. 512k, 10MiB)', formatBytes(D.maxBytes)),
      byteSize,
    )
    .option(
      '--max-redirects <n>',
      withDefault('redirects followed before TOO_MANY_REDIRECTS', D.maxRedirects),
      nonNegativeInt,
    )
    .option(
      '--user-agent <ua>',
      'User-Agent header (default: crawlbench/<version> (+https://www.npmjs.com/package/crawlbench))',
    )
    .option(
      '--extract <module>',
      'ES module exporting extract(page), run on every HTML page where it is parsed; ' +
        'what it returns is the record\'s "data"',
    );
}

/** Adds the link-following flags. */
export function addFollowFlags(command: Command): Command {
  return command
    .option(
      '--depth <n>',
      withDefault('follow links up to n hops from the list (0: the list only)', D.depth),
      nonNegativeInt,
    )
    .addOption(
      new Option(
        '--scope <scope>',
        withDefault('which links to follow, relative to the seeds', D.scope),
      ).choices(SCOPES),
    )
    .option('--include <regex>', 'follow only links matching this regular expression')
    .option('--exclude <regex>', 'never follow links matching this regular expression')
    .option('--max-pages <n>', 'request at most n pages, then stop', positiveInt)
    .option('--strip-query', 'drop query strings before deduplicating URLs')
    .option('--ignore-robots', 'do not fetch or obey robots.txt')
    .option(
      '--per-host-concurrency <n>',
      `requests in flight per host at most (default: ${D.perHostConcurrency} when following links)`,
      positiveInt,
    )
    .option(
      '--per-host-delay <ms>',
      withDefault(
        'wait this long after a request to a host before the next one (one at a time then)',
        D.perHostDelayMs,
      ),
      nonNegativeInt,
    )
    .option(
      '--sitemap <url>',
      'seed from a sitemap or sitemap index, gzipped or not (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--use-sitemaps', "also seed from the Sitemap: lines of the seeds' robots.txt")
    .option(
      '--max-queue <n>',
      withDefault('URLs queued at most; links past it are skipped', D.maxQueue),
      positiveInt,
    );
}

/** Adds the link-checking flags. */
export function addLinkCheckFlags(command: Command): Command {
  return command
    .option(
      '--check-links',
      'check every link found on a crawled page, in scope or not (out-of-scope links: HEAD, never crawled)',
    )
    .option('--check-resources', 'with --check-links: also check <img>, <script> and <link href> URLs')
    .option(
      '--check-fragments',
      "with --check-links: also check #fragment links against the target page's ids",
    )
    .option(
      '--accept <list>',
      withDefault(
        'with --check-links: statuses that are not broken, lychee-style (200..=299,403,429)',
        D.accept,
      ),
    )
    .option(
      '--max-referrers <n>',
      withDefault('with --check-links: pages kept per broken URL (the rest are counted)', D.maxReferrers),
      positiveInt,
    )
    .option(
      '--cache <file|redis-url>',
      'with --check-links: results cache between runs (a file, or redis://...)',
    )
    .option(
      '--cache-max-age <duration>',
      withDefault(
        'with --cache: how long an accepted link check stays fresh (1d, 12h, 30m)',
        formatDuration(D.cacheMaxAgeMs),
      ),
      duration,
    )
    .option(
      '--cache-max-entries <n>',
      withDefault('with --cache: entries kept at most (the oldest checks go first)', D.cacheMaxEntries),
      positiveInt,
    )
    .option(
      '--cache-prefix <prefix>',
      withDefault('with a Redis --cache: prefix of its keys', D.cacheKeyPrefix),
    );
}

/** Adds the flags only `--strategy distributed` takes. */
export function addDistributedFlags(command: Command): Command {
  return command
    .option('--redis <url>', `distributed: Redis URL, redis:// or rediss:// (default: $${REDIS_URL_ENV})`)
    .option('--run-id <id>', 'distributed: name of the run, to resume it (default: generated)')
    .option('--keep', withDefault("distributed: keep the run's Redis keys after it completes", D.keep))
    .option(
      '--stall-timeout <ms>',
      withDefault(
        'distributed: fail when no page finished for this long while tasks were queued',
        D.stallTimeoutMs,
      ),
      positiveInt,
    );
}

/** Keeps the defined fields only: a flag not given must reach the library as absent. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The library options of the crawl flags: a renaming, nothing more. */
export function crawlOptionsOf(f: CrawlFlags): CrawlOptions {
  return defined({
    strategy: f.strategy,
    concurrency: f.concurrency,
    mode: f.mode,
    cpuWork: f.cpuWork,
    parseIn: f.parseIn,
    perWorker: f.perWorker,
    taskTimeoutMs: f.taskTimeout,
    // Negatable: commander reports true when --no-parse is absent, which is also the default.
    parse: f.parse === false ? false : undefined,
    timeoutMs: f.timeout,
    retries: f.retries,
    retryDelayMs: f.retryDelay,
    maxBytes: f.maxBytes,
    maxRedirects: f.maxRedirects,
    userAgent: f.userAgent,
    extract: f.extract,
  });
}

export function followOptionsOf(f: FollowFlags): FollowOptions {
  return defined({
    depth: f.depth,
    scope: f.scope,
    include: f.include,
    exclude: f.exclude,
    maxPages: f.maxPages,
    stripQuery: f.stripQuery,
    ignoreRobots: f.ignoreRobots,
    perHostConcurrency: f.perHostConcurrency,
    perHostDelayMs: f.perHostDelay,
    sitemaps: f.sitemap,
    useSitemaps: f.useSitemaps,
    maxQueue: f.maxQueue,
  });
}

export function linkCheckOptionsOf(f: LinkCheckFlags): LinkCheckOptions {
  return defined({
    checkLinks: f.checkLinks,
    checkResources: f.checkResources,
    checkFragments: f.checkFragments,
    accept: f.accept,
    maxReferrers: f.maxReferrers,
    cache: f.cache,
    cacheMaxAgeMs: f.cacheMaxAge,
    cacheMaxEntries: f.cacheMaxEntries,
    cacheKeyPrefix: f.cachePrefix,
  });
}

/** The distributed flags, with the Redis URL from the environment when `--redis` is absent. */
export function distributedOptionsOf(
  f: DistributedFlags,
  env: Readonly<Record<string, string | undefined>>,
  strategy: CrawlStrategyName | undefined,
): CrawlOptions {
  const given = defined({ redis: f.redis, runId: f.runId, keep: f.keep, stallTimeoutMs: f.stallTimeout });
  // The environment's URL only serves a distributed crawl; with another strategy it is not asked for.
  if (strategy !== 'distributed') return given;
  const redis = f.redis ?? env[REDIS_URL_ENV];
  return { ...given, ...(redis !== undefined && { redis }) };
}
