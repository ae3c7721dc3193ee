import type CachePolicy from 'http-cache-semantics';
import { PAGE_ERROR_CODES, type PageError } from '../../errors.js';
import type { LinkFacts } from '../../parse/link-facts.js';
import type { ParseResult } from '../../types.js';
import type { LinkKind } from '../types.js';

/** A crawled page's parse, kept so that a 304 can stand for it: its links are followed from here. */
export interface CachedPage {
  /** The record's `parse`. */
  readonly parse: ParseResult;
  readonly links: LinkFacts;
  /** What the facts were collected with: a run that asks for more cannot use them. */
  readonly resources: boolean;
  readonly fragments: boolean;
}

/** One URL's last accepted check, as the results cache keeps it (plain JSON). */
export interface CacheEntry {
  /** The normalized URL. */
  readonly url: string;
  /** When it was last checked (ms since the epoch): what `cacheMaxAgeMs` is counted from. */
  readonly checkedAt: number;
  readonly kind: LinkKind;
  /** The check's final status (a revalidation's 304 keeps the status it confirmed). */
  readonly status: number | null;
  readonly finalUrl: string | null;
  readonly contentType: string | null;
  readonly redirects: number;
  readonly error: PageError | null;
  /** http-cache-semantics' policy of the response (its validators), when it may be stored. */
  readonly policy: CachePolicy.CachePolicyObject | null;
  /** A crawled page's parse (pages with at most `MAX_CACHED_LINKS` links), else null. */
  readonly page: CachedPage | null;
}

const KINDS: ReadonlySet<unknown> = new Set(['page', 'link', 'resource']);
const CODES: ReadonlySet<unknown> = new Set(PAGE_ERROR_CODES);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

function isError(v: unknown): boolean {
  return v === null || (isObject(v) && CODES.has(v.code) && isString(v.message));
}

function isParse(v: unknown): v is ParseResult {
  return (
    isObject(v) &&
    isStringOrNull(v.title) &&
    isStringOrNull(v.description) &&
    isStringOrNull(v.canonical) &&
    isStringOrNull(v.lang) &&
    isCount(v.h1Count) &&
    Array.isArray(v.links) &&
    v.links.every(isString) &&
    isCount(v.wordCount) &&
    isString(v.textHash) &&
    isStringOrNull(v.cpuDigest)
  );
}

function isFacts(v: unknown, links: number): boolean {
  if (!isObject(v)) return false;
  const { texts, fragments, resources, anchors } = v;
  return (
    Array.isArray(texts) &&
    texts.length === links &&
    texts.every(isStringOrNull) &&
    Array.isArray(fragments) &&
    fragments.every(
      (f) => Array.isArray(f) && Number.isSafeInteger(f[0]) && f[0] < links && isString(f[1]),
    ) &&
    Array.isArray(resources) &&
    resources.every((r) => Array.isArray(r) && isString(r[0]) && ['img', 'script', 'link'].includes(r[1])) &&
    Array.isArray(anchors) &&
    anchors.every(isString)
  );
}

function isPage(v: unknown): boolean {
  if (v === null) return true;
  return (
    isObject(v) &&
    isParse(v.parse) &&
    isFacts(v.links, v.parse.links.length) &&
    typeof v.resources === 'boolean' &&
    typeof v.fragments === 'boolean'
  );
}

/**
 * `value` as a cache entry, or null when it is not one: what a file or Redis hands back is checked
 * field by field before the crawl trusts it (a hand-edited file, another version's entries).
 */
export function entryOf(value: unknown): CacheEntry | null {
  if (!isObject(value)) return null;
  const v = value;
  const ok =
    isString(v.url) &&
    Number.isFinite(v.checkedAt) &&
    KINDS.has(v.kind) &&
    (v.status === null ||
      (Number.isInteger(v.status) && (v.status as number) >= 100 && (v.status as number) <= 999)) &&
    isStringOrNull(v.finalUrl) &&
    isStringOrNull(v.contentType) &&
    isCount(v.redirects) &&
    isError(v.error) &&
    (v.policy === null || (isObject(v.policy) && typeof v.policy.v === 'number')) &&
    isPage(v.page);
  return ok ? (value as unknown as CacheEntry) : null;
}
