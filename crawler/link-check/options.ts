import { resolve as resolvePath } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { CRAWL_DEFAULTS } from '../defaults.js';
import { parseRedisUrl, redactRedisUrl } from '../distributed/redis-url.js';
import { checkInteger, describeValue, InvalidOptionError } from '../errors.js';
import { AcceptList } from './accept.js';

/** The link-checking options of `crawl`, as given. All but `checkLinks` need `checkLinks`. */
export interface LinkCheckOptions {
  /**
   * Check every link found on a crawled page, in scope or not: in-scope pages are crawled as
   * usual (depth, scope, robots.txt, politeness), the others only checked (HEAD, falling back to
   * GET, never parsed or followed), with the same per-host politeness and retries. Turns the
   * link-following frontier on; records gain `check`, the summary `linkCheck`. @default false
   */
  readonly checkLinks?: boolean;
  /** Also check `<img src>`, `<script src>` and `<link href>` URLs. @default false */
  readonly checkResources?: boolean;
  /**
   * Also check `#fragment` links against the ids (and `<a name>`s) of the page they point at,
   * when that page is crawled. @default false
   */
  readonly checkFragments?: boolean;
  /**
   * The statuses that are not broken, in lychee's notation: `"200..=299,403,429"` (`..=` includes
   * the end, `..` leaves it out), or a list of codes. @default "200..=299"
   */
  readonly accept?: string | readonly number[];
  /** Referrers kept per broken or redirected URL (the rest are counted). @default 20 */
  readonly maxReferrers?: number;
  /**
   * A results cache between runs: a file path, or a `redis://` / `rediss://` URL. URLs only checked
   * that an earlier run found accepted within `cacheMaxAgeMs` are not requested again; pages are
   * revalidated with If-None-Match / If-Modified-Since. A cache that cannot be read is reported
   * in the summary and ignored.
   */
  readonly cache?: string;
  /** How long an accepted check stays fresh in the cache, in ms. @default 86400000 (1 day) */
  readonly cacheMaxAgeMs?: number;
  /** Entries the cache keeps at most (the oldest checks go first). @default 100000 */
  readonly cacheMaxEntries?: number;
  /** Redis cache: the prefix of its keys (`<prefix>:entries`, `<prefix>:index`). @default "crawlbench:link-cache" */
  readonly cacheKeyPrefix?: string;
}

export const LINK_CHECK_OPTION_NAMES = [
  'checkLinks',
  'checkResources',
  'checkFragments',
  'accept',
  'maxReferrers',
  'cache',
  'cacheMaxAgeMs',
  'cacheMaxEntries',
  'cacheKeyPrefix',
] as const satisfies ReadonlyArray<keyof LinkCheckOptions>;

/** Where the results cache lives. */
export type LinkCacheStore =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'redis';
      readonly connection: RedisOptions;
      /** The URL with its password hidden. */
      readonly where: string;
      readonly keyPrefix: string;
    };

export interface ResolvedLinkCache {
  readonly store: LinkCacheStore;
  readonly maxAgeMs: number;
  readonly maxEntries: number;
}

/** A link-checking crawl's options after validation and defaults. */
export interface ResolvedLinkCheck {
  readonly accept: AcceptList;
  readonly resources: boolean;
  readonly fragments: boolean;
  readonly maxReferrers: number;
  readonly cache: ResolvedLinkCache | null;
}

function flag(name: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/** The cache option: a Redis URL (validated as the distributed strategy's) or a file path. */
function cacheStore(options: LinkCheckOptions, cwd: string): LinkCacheStore {
  const spec = options.cache;
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new InvalidOptionError(
      `Expected \`cache\` to be a file path or a redis:// URL, got ${describeValue(spec)}`,
    );
  }
  const prefix = options.cacheKeyPrefix ?? CRAWL_DEFAULTS.cacheKeyPrefix;
  if (typeof prefix !== 'string' || !/^[\w.:-]{1,100}$/.test(prefix)) {
    throw new InvalidOptionError(
      `Expected \`cacheKeyPrefix\` to be 1-100 letters, digits, _ . : or -, got ${describeValue(prefix)}`,
    );
  }
  if (!/^rediss?:\/\//i.test(spec)) {
    if (options.cacheKeyPrefix !== undefined) {
      throw new InvalidOptionError('`cacheKeyPrefix` applies to a Redis cache (`cache` a redis:// URL)');
    }
    return { kind: 'file', path: resolvePath(cwd, spec) };
  }
  let connection: RedisOptions;
  try {
    connection = parseRedisUrl(spec);
  } catch (error) {
    // Its messages name `redis`, the distributed strategy's option; here the URL is `cache`.
    throw new InvalidOptionError((error as Error).message.replace('`redis`', '`cache`'));
  }
  return { kind: 'redis', connection, where: redactRedisUrl(spec), keyPrefix: prefix };
}

/**
 * Validates the link-checking options; null when `checkLinks` is off (then every other one of
 * them is refused). `parse` must be on: links come from the parse step.
 */
export function resolveLinkCheck(
  options: LinkCheckOptions,
  parse: boolean,
  cwd: string,
): ResolvedLinkCheck | null {
  if (!flag('checkLinks', options.checkLinks)) {
    for (const name of LINK_CHECK_OPTION_NAMES) {
      if (name !== 'checkLinks' && options[name] !== undefined) {
        throw new InvalidOptionError(
          `\`${name}\` applies to link checking: give it with \`checkLinks: true\` (CLI: --check-links)`,
        );
      }
    }
    return null;
  }
  if (!parse) {
    throw new InvalidOptionError('Link checking (`checkLinks`) needs the parse step: links come from it');
  }
  const maxReferrers =
    checkInteger('maxReferrers', options.maxReferrers, 1, 10_000) ?? CRAWL_DEFAULTS.maxReferrers;
  const maxAgeMs = checkInteger('cacheMaxAgeMs', options.cacheMaxAgeMs, 0) ?? CRAWL_DEFAULTS.cacheMaxAgeMs;
  const maxEntries =
    checkInteger('cacheMaxEntries', options.cacheMaxEntries, 1, 10_000_000) ?? CRAWL_DEFAULTS.cacheMaxEntries;
  if (options.cache === undefined) {
    for (const name of ['cacheMaxAgeMs', 'cacheMaxEntries', 'cacheKeyPrefix'] as const) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(`\`${name}\` applies to a results cache: give it with \`cache\``);
      }
    }
  }
  return {
    accept: AcceptList.parse(options.accept ?? CRAWL_DEFAULTS.accept),
    resources: flag('checkResources', options.checkResources),
    fragments: flag('checkFragments', options.checkFragments),
    maxReferrers,
    cache: options.cache === undefined ? null : { store: cacheStore(options, cwd), maxAgeMs, maxEntries },
  };
}
