import { checkInteger, describeValue, InvalidOptionError } from '../errors.js';
import { checkUrl } from '../url-list.js';
import type { FrontierOptions } from './frontier.js';
import { parseScope, type Scope } from './scope.js';

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

export const DEFAULT_PER_HOST_CONCURRENCY = 2;
export const DEFAULT_MAX_QUEUE = 1_000_000;
const MAX_DEPTH = 1000;

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
 * 0, sitemaps, `maxPages` or a per-host limit): a plain list crawl requests exactly the list's URLs,
 * as written, with no robots.txt and no per-host limits.
 */
export function resolveFollow(options: FollowOptions, parse: boolean): ResolvedFollow | null {
  const depth = checkInteger('depth', options.depth, 0, MAX_DEPTH) ?? 0;
  const maxPages = checkInteger('maxPages', options.maxPages, 1);
  const perHostConcurrency = checkInteger('perHostConcurrency', options.perHostConcurrency, 1);
  const perHostDelayMs = checkInteger('perHostDelayMs', options.perHostDelayMs, 0, 3_600_000);
  const maxQueue = checkInteger('maxQueue', options.maxQueue, 1);
  const sitemaps = (options.sitemaps ?? []).map((s) => httpUrl('sitemaps', s));
  const useSitemaps = options.useSitemaps ?? false;
  const include = regex('include', options.include);
  const exclude = regex('exclude', options.exclude);
  const scope = options.scope === undefined ? 'same-origin' : parseScope(options.scope);
  const wanted =
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
      perHostConcurrency: perHostConcurrency ?? DEFAULT_PER_HOST_CONCURRENCY,
      perHostDelayMs: perHostDelayMs ?? 0,
      maxQueue: maxQueue ?? DEFAULT_MAX_QUEUE,
    },
    obeyRobots: !(options.ignoreRobots ?? false),
    sitemaps,
    useSitemaps,
  };
}
