import { createHash } from 'node:crypto';
import { type Document, DomHandler } from 'domhandler';
import type { Handler } from 'htmlparser2';
import { cpuWork } from '../cpu-work.js';
import type { ParseOptions } from '../step-options.js';
import type { ParseResult } from '../types.js';
import { FieldCollector } from './fields.js';
import { parseDocumentEvents } from './html-parser.js';
import { LinkFactCollector, type LinkFacts, type ResourceElement } from './link-facts.js';

function resolve(href: string, base: string): URL | null {
  try {
    return new URL(href, base);
  } catch {
    return null;
  }
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

function countSpaces(text: string): number {
  let count = 0;
  for (let i = text.indexOf(' '); i !== -1; i = text.indexOf(' ', i + 1)) count++;
  return count;
}

/** A resolved http(s) URL without its fragment, and the fragment (null when there is none). */
function withoutFragment(url: URL): [string, string | null] {
  const full = url.href;
  const hash = full.indexOf('#');
  return hash === -1 ? [full, null] : [full.slice(0, hash), full.slice(hash + 1)];
}

/** The page's links: `<a>`/`<area>` hrefs resolved, http(s) only, fragments stripped, deduplicated. */
function resolveLinks(hrefs: readonly string[], base: string): string[] {
  const links: string[] = [];
  const seen = new Set<string>();
  for (const href of hrefs) {
    const url = resolve(href, base);
    if (url === null || !isHttp(url)) continue;
    // A serialized URL's first '#' starts its fragment: cutting there avoids re-serializing.
    const full = url.href;
    const hash = full.indexOf('#');
    const link = hash === -1 ? full : full.slice(0, hash);
    if (seen.has(link)) continue;
    seen.add(link);
    links.push(link);
  }
  return links;
}

/** {@link resolveLinks}, and the link-checking facts of the same hrefs (texts and fragments). */
function resolveLinksWithFacts(
  hrefs: readonly string[],
  collector: LinkFactCollector,
  base: string,
  fragments: boolean,
): { links: string[]; facts: LinkFacts } {
  const links: string[] = [];
  const texts: (string | null)[] = [];
  const indexOf = new Map<string, number>();
  const pairs: Array<[number, string, string | null]> = [];
  const pairSeen = new Set<string>();
  hrefs.forEach((href, i) => {
    const url = resolve(href, base);
    if (url === null || !isHttp(url)) return;
    const [link, fragment] = withoutFragment(url);
    const text = collector.hrefTexts[i] ?? null;
    let index = indexOf.get(link);
    if (index === undefined) {
      index = links.push(link) - 1;
      indexOf.set(link, index);
      texts.push(text);
    } else if (texts[index] === null) {
      texts[index] = text;
    }
    if (fragments && fragment !== null && fragment !== '' && !pairSeen.has(`${index}#${fragment}`)) {
      pairSeen.add(`${index}#${fragment}`);
      pairs.push([index, fragment, text]);
    }
  });
  const resources: Array<[string, ResourceElement]> = [];
  const resourceSeen = new Set<string>();
  for (const [src, element] of collector.resources) {
    const url = resolve(src, base);
    if (url === null || !isHttp(url)) continue;
    const [resource] = withoutFragment(url);
    if (resourceSeen.has(resource)) continue;
    resourceSeen.add(resource);
    resources.push([resource, element]);
  }
  const anchors = [...new Set(collector.anchors)];
  return { links, facts: { texts, fragments: pairs, resources, anchors } };
}

/** The parse result of what a {@link FieldCollector} collected over a page at `baseUrl`. */
function resultOf(
  fields: FieldCollector,
  collector: LinkFactCollector | null,
  baseUrl: string,
  options: ParseOptions,
): ParseResult {
  // A <base href> that does not parse is ignored, as browsers do.
  const base = (fields.baseHref !== null && resolve(fields.baseHref, baseUrl)?.href) || baseUrl;
  const withFacts =
    collector === null
      ? null
      : resolveLinksWithFacts(fields.hrefs, collector, base, options.checks?.fragments === true);
  const links = withFacts?.links ?? resolveLinks(fields.hrefs, base);

  let canonical: string | null = null;
  if (fields.canonicalHref !== null) {
    const url = resolve(fields.canonicalHref, base);
    if (url !== null && isHttp(url)) canonical = url.href;
  }

  const text = fields.normalizedText();
  const textHash = createHash('sha256').update(text).digest('hex');
  return {
    title: fields.title,
    description: fields.description,
    canonical,
    lang: fields.lang,
    h1Count: fields.h1Count,
    links,
    wordCount: text.length === 0 ? 0 : countSpaces(text) + 1,
    textHash,
    cpuDigest: options.cpuWork > 0 ? cpuWork(textHash, options.cpuWork) : null,
    ...(withFacts !== null && { linkCheck: withFacts.facts }),
  };
}

/** The collectors of one parse: the fields, and link checking's when `options.checks` asks. */
function collectors(options: ParseOptions): { fields: FieldCollector; links: LinkFactCollector | null } {
  const links = options.checks === undefined ? null : new LinkFactCollector(options.checks);
  return { fields: new FieldCollector(links), links };
}

/**
 * Extracts the fields of a {@link ParseResult} from an HTML page, in one streaming pass over the
 * parser's events (no tree is built).
 *
 * - `title`, `description`: whitespace collapsed and trimmed; null when absent or empty.
 * - `canonical`: the first `<link rel="canonical">`, resolved against the base; null unless http(s).
 * - `links`: `<a href>` and `<area href>`, resolved against the first `<base href>` (itself resolved
 *   against `baseUrl`) or `baseUrl`; http(s) only, fragments stripped, deduplicated, document order.
 *   Hrefs that do not parse as URLs are skipped. Links inside `<template>` and `<noscript>` are inert
 *   in a browser and are skipped too.
 * - `wordCount`, `textHash`: over the visible text, i.e. the text outside `<title>`, `<script>`,
 *   `<style>`, `<noscript>` and `<template>`, whitespace runs collapsed to one space and trimmed,
 *   block elements (`<p>`, `<div>`, `<li>`, `<br>`, ...) separating words. Words are space-separated
 *   tokens; the hash is the SHA-256 hex of the UTF-8 text.
 * - `cpuDigest`: `cpuWork(textHash, options.cpuWork)` when `options.cpuWork > 0`, else null.
 * - `linkCheck`: only with `options.checks` (link checking): the {@link LinkFacts} of the page.
 *
 * Time is linear in the page's size, also on hostile markup (deep nesting, unclosed tags).
 * `options.parse` is the caller's business: this function always parses.
 *
 * @param baseUrl - The absolute URL of the page (its final URL after redirects).
 */
export function parseHtml(html: string, baseUrl: string, options: ParseOptions): ParseResult {
  const { fields, links } = collectors(options);
  parseDocumentEvents(html, [fields]);
  return resultOf(fields, links, baseUrl, options);
}

/**
 * {@link parseHtml}, and the page's DOM from the same parse (domhandler's tree, the one cheerio's
 * `load` builds): for extraction code that asked for `$`.
 */
export function parseHtmlWithDocument(
  html: string,
  baseUrl: string,
  options: ParseOptions,
): { readonly result: ParseResult; readonly document: Document } {
  const { fields, links } = collectors(options);
  const tree = new DomHandler();
  parseDocumentEvents(html, [fields, tree as Partial<Handler>]);
  return { result: resultOf(fields, links, baseUrl, options), document: tree.root };
}
