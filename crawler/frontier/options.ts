import { CRAWL_DEFAULTS } from '../defaults.js';
import { checkInteger, describeValue, InvalidOptionError } from '../errors.js';
import { checkUrl } from '../url-list.js';

/** How far from its seeds a link-following crawl may go. */
export type Scope = 'same-origin' | 'same-host' | 'same-domain' | 'any';
export const SCOPES: readonly Scope[] = ['same-origin', 'same-host', 'same-domain', 'any'];

export function parseScope(value: string): Scope {
  if ((SCOPES as readonly string[]).includes(value)) return value as Scope;
  throw new InvalidOptionError(`Expected \`scope\` to be one of ${SCOPES.join(', ')}, got "${value}"`);
}

/** What a link-following crawl may do; resolved by {@link resolveFollow}. */
export interface FrontierOptions {
  /** Links are followed up to this many hops from a seed (0: the seeds only). */
  readonly depth: number;
  readonly scope: Scope;
  readonly include: RegExp | null;
  readonly exclude: RegExp | null;
  /** Pages requested at most; the crawl stops there. Null: no limit. */
  readonly maxPages: number | null;
  readonly stripQuery: boolean;
  /** Requests in flight per host (host name, any port) at most. */
  readonly perHostConcurrency: number;
  /** Pause between one request to a host finishing and the next starting (0: none). */
  readonly perHostDelayMs: number;
  /** URLs queued at most (discovered and not yet requested); past it, links are skipped. */
  readonly maxQueue: number;
  /**
   * Link checking: links not to be crawled (out of scope, beyond `depth`, past `maxPages`, not
   * matching `include`) are queued to be checked instead of skipped; `exclude` still skips them.
   */
  readonly checkLinks: boolean;
}

/** The link-following and politeness options of `crawl`, as given. */
export interface FollowOptions {
  /** Follow links up to this many hops from the list's URLs. @default 0 (the list only) */
  readonly depth?: number;
  /** Which links to follow, relative to the seeds. @default 'same-origin' */
  readonly scope?: Scope;
  /** Follow only links matching this (a RegExp, or its source). */
  readonly include?: RegExp | string;
  /** Never follow links matching this. */
  readonly exclude?: RegExp | string;
  /** Request at most this many pages, then stop. */
  readonly maxPages?: number;
  /** Drop the query string of every URL before deduplication. @default false */
  readonly stripQuery?: boolean;
  /** Do not fetch or obey robots.txt. @default false */
  readonly ignoreRobots?: boolean;
  /** Requests in flight per host at most. @default 2 when the frontier runs */
  readonly perHostConcurrency?: number;
  /** Wait this long after a request to a host finishes before starting the next one (ms). @default 0 */
  readonly perHostDelayMs?: number;
  /** Sitemaps (or sitemap indexes, gzipped or not) whose URLs join the seeds. */
  readonly sitemaps?: readonly string[];
  /** Also read the sitemaps named by the `Sitemap:` lines of the seeds' robots.txt. @default false */
  readonly useSitemaps?: boolean;
  /** URLs queued at most; links found past it are skipped and counted. @default 1000000 */
  readonly maxQueue?: number;
}

/** The frontier of a crawl, when one of the options above asks for it. */
export interface ResolvedFollow {
  readonly frontier: FrontierOptions;
  readonly obeyRobots: boolean;
  readonly sitemaps: readonly string[];
  readonly useSitemaps: boolean;
}

/** The deepest `depth` accepted. */
export const MAX_DEPTH = 1000;

/** The names of {@link FollowOptions}, for the facade's check of unknown keys. */
export const FOLLOW_OPTION_NAMES = [
  'depth',
  'scope',
  'include',
  'exclude',
  'maxPages',
  'stripQuery',
  'ignoreRobots',
  'perHostConcurrency',
  'perHostDelayMs',
  'sitemaps',
  'useSitemaps',
  'maxQueue',
] as const satisfies ReadonlyArray<keyof FollowOptions>;

function regex(name: string, value: RegExp | string | undefined): RegExp | null {
  if (value === undefined) return null;
  if (value instanceof RegExp)
    return value.global || value.sticky ? new RegExp(value.source, value.flags.replace(/[gy]/g, '')) : value;
  try {
    return new RegExp(value, 'u');
  } catch (error) {
    throw new InvalidOptionError(
      `\`${name}\` is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

/** An absolute http(s) URL, checked as a list line is. */
function httpUrl(name: string, value: string): string {
  const checked = checkUrl(value);
  if (checked.ok) return checked.url.href;
  const expected = checked.error.code === 'INVALID_URL' ? 'an absolute http(s) URL' : 'an http(s) URL';
  throw new InvalidOptionError(`Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}

/**
 * Validates the link-following options. Returns null when none asks for a frontier (`depth`, even
 * 0, sitemaps, `maxPages`, a per-host limit, or link checking): a plain list crawl requests exactly
 * the list's URLs, as written, with no robots.txt and no per-host limits.
 */
export function resolveFollow(
  options: FollowOptions,
  parse: boolean,
  checkLinks = false,
): ResolvedFollow | null {
  const depth = checkInteger('depth', options.depth, 0, MAX_DEPTH) ?? CRAWL_DEFAULTS.depth;
  const maxPages = checkInteger('maxPages', options.maxPages, 1);
  const perHostConcurrency = checkInteger('perHostConcurrency', options.perHostConcurrency, 1);
  const perHostDelayMs = checkInteger('perHostDelayMs', options.perHostDelayMs, 0, 3_600_000);
  const maxQueue = checkInteger('maxQueue', options.maxQueue, 1);
  const sitemaps = (options.sitemaps ?? []).map((s) => httpUrl('sitemaps', s));
  const useSitemaps = options.useSitemaps ?? false;
  const include = regex('include', options.include);
  const exclude = regex('exclude', options.exclude);
  const scope = options.scope === undefined ? CRAWL_DEFAULTS.scope : parseScope(options.scope);
  const wanted =
    checkLinks ||
    options.depth !== undefined ||
    sitemaps.length > 0 ||
    useSitemaps ||
    maxPages !== undefined ||
    perHostConcurrency !== undefined ||
    perHostDelayMs !== undefined;
  if (!wanted) {
    for (const name of ['scope', 'include', 'exclude', 'stripQuery', 'ignoreRobots', 'maxQueue'] as const) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(
          `\`${name}\` applies to link-following crawls: give it with depth, sitemaps, useSitemaps, maxPages or a per-host limit`,
        );
      }
    }
    return null;
  }
  if (depth > 0 && !parse) {
    throw new InvalidOptionError('Following links (`depth` > 0) needs the parse step: links come from it');
  }
  return {
    frontier: {
      depth,
      scope,
      include,
      exclude,
      maxPages: maxPages ?? null,
      stripQuery: options.stripQuery ?? false,
      perHostConcurrency: perHostConcurrency ?? CRAWL_DEFAULTS.perHostConcurrency,
      perHostDelayMs: perHostDelayMs ?? CRAWL_DEFAULTS.perHostDelayMs,
      maxQueue: maxQueue ?? CRAWL_DEFAULTS.maxQueue,
      checkLinks,
    },
    obeyRobots: !(options.ignoreRobots ?? false),
    sitemaps,
    useSitemaps,
  };
}

/**
 * What a crawl follows, as plain JSON (regular expressions as their source): what a distributed
 * run's resume must find unchanged.
 */
export function followFingerprint(
  follow: ResolvedFollow,
): Readonly<Record<string, string | number | boolean | null | readonly string[]>> {
  const f = follow.frontier;
  return {
    depth: f.depth,
    scope: f.scope,
    include: f.include?.source ?? null,
    exclude: f.exclude?.source ?? null,
    maxPages: f.maxPages,
    stripQuery: f.stripQuery,
    perHostConcurrency: f.perHostConcurrency,
    perHostDelayMs: f.perHostDelayMs,
    maxQueue: f.maxQueue,
    checkLinks: f.checkLinks,
    obeyRobots: follow.obeyRobots,
    sitemaps: follow.sitemaps,
    useSitemaps: follow.useSitemaps,
  };
}
