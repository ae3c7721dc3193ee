// The reference the streaming parse is checked against: the DOM walk crawlbench used before
// (a walk of cheerio's tree), kept verbatim apart from its name. test/parse-stream.test.ts asserts
// that the production parse, which builds no tree, gives identical results on every page it tries.
import { createHash } from 'node:crypto';
import { type CheerioAPI, load } from 'cheerio/slim';
import { cpuWork } from '../../dist/crawler/cpu-work.js';
import type { LinkFacts, ResourceElement } from '../../dist/crawler/parse/link-facts.js';
import type { ParseOptions } from '../../dist/crawler/step-options.js';
import type { ParseResult } from '../../dist/crawler/types.js';

// cheerio does not re-export domhandler's node classes; derive them from its API instead of
// importing a transitive dependency.
type DocumentNode = ReturnType<CheerioAPI['root']>[number];
type AnyNode = DocumentNode['children'][number];
type ElementNode = Extract<AnyNode, { attribs: unknown }>;
type ParentNode = NonNullable<AnyNode['parent']>;

const TEXT_NODE = 3;

/** Elements whose start and end separate words, as they do in rendered text (`<p>a</p><p>b</p>`). */
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'option',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

const WHITESPACE_RUN = /\s+/g;
// Whitespace that collapsing changes: most runs in text are already one space, and replacing those
// with themselves is most of the cost of collapsing.
const UNCOLLAPSED_WHITESPACE = /\s{2,}|[^\S ]/g;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/;

// Link checking's facts (text of each link, fragments, resources, ids), collected by the same walk.
// The rules are the documented ones of LinkFacts, written out again here from the tree's side.
const LINK_TEXT_MAX = 120;
const LINK_TEXT_RAW_MAX = 256;
const NOT_RENDERED = new Set(['script', 'style', 'template', 'noscript', 'title']);

function linkText(raw: string): string | null {
  const text = raw.slice(0, LINK_TEXT_RAW_MAX).replace(WHITESPACE_RUN, ' ').trim();
  if (text === '') return null;
  return text.length > LINK_TEXT_MAX ? `${text.slice(0, LINK_TEXT_MAX - 1)}…` : text;
}

/** The visible text of an element's subtree, and the alt of its first `<img>` with one. */
function anchorText(element: ElementNode): string | null {
  let raw = '';
  let alt: string | null = null;
  const stack: AnyNode[] = [...element.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.nodeType === TEXT_NODE && 'data' in node) {
      raw += node.data;
      continue;
    }
    if (!('attribs' in node) || NOT_RENDERED.has(node.name)) continue;
    if (node.name === 'img' && alt === null) alt = linkText(node.attribs.alt ?? '');
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return linkText(raw) ?? alt;
}

function isResourceRel(rel: string | undefined): boolean {
  if (rel === undefined) return true;
  return !rel
    .toLowerCase()
    .split(ASCII_WHITESPACE)
    .some((token) => token === 'preconnect' || token === 'dns-prefetch');
}

function collapse(text: string): string | null {
  const collapsed = text.replace(WHITESPACE_RUN, ' ').trim();
  return collapsed.length > 0 ? collapsed : null;
}

function countSpaces(text: string): number {
  let count = 0;
  for (let i = text.indexOf(' '); i !== -1; i = text.indexOf(' ', i + 1)) count++;
  return count;
}

function childText(element: ElementNode): string {
  let text = '';
  for (const child of element.children) {
    if (child.nodeType === TEXT_NODE && 'data' in child) text += child.data;
  }
  return text;
}

function hasRelToken(rel: string, token: string): boolean {
  for (const part of rel.toLowerCase().split(ASCII_WHITESPACE)) {
    if (part === token) return true;
  }
  return false;
}

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

/**
 * Collects everything in one walk of the tree. The walk follows `next`/`parent` pointers instead of
 * recursing, so a page of deeply nested unclosed tags cannot overflow the stack.
 */
class Extractor {
  title: string | null = null;
  description: string | null = null;
  canonicalHref: string | null = null;
  baseHref: string | null = null;
  lang: string | null = null;
  h1Count = 0;
  /** Raw hrefs in document order; resolved at the end, once the `<base>` is known. */
  readonly hrefs: string[] = [];
  /** Link checking: the text of each href, resources with their element, ids and names. */
  readonly hrefTexts: (string | null)[] = [];
  readonly resources: Array<[string, ResourceElement]> = [];
  readonly anchors: string[] = [];
  /** Visible text before whitespace collapsing, built as a rope that V8 flattens once. */
  #rawText = '';
  #pendingBreak = false;
  #foreignDepth = 0;
  #sawHtml = false;

  constructor(readonly checks: ParseOptions['checks']) {}

  walk(root: DocumentNode): void {
    let node: AnyNode | null = root.children[0] ?? null;
    while (node !== null) {
      if (node.nodeType === TEXT_NODE && 'data' in node) {
        this.#addText(node.data);
      } else if ('attribs' in node && this.#enter(node)) {
        const first: AnyNode | undefined = node.children[0];
        if (first !== undefined) {
          node = first;
          continue;
        }
        this.#leave(node);
      }
      node = this.#advance(node, root);
    }
  }

  /** The next node in document order after `node`'s subtree, leaving the elements it climbs out of. */
  #advance(start: AnyNode, root: DocumentNode): AnyNode | null {
    let node: AnyNode | ParentNode = start;
    for (;;) {
      if (node.next !== null) return node.next;
      const parent: ParentNode | null = node.parent;
      if (parent === null || parent === root) return null;
      if ('attribs' in parent) this.#leave(parent);
      node = parent;
    }
  }

  /** Records what the element carries; returns whether its children hold page content to walk. */
  #enter(element: ElementNode): boolean {
    const attribs = element.attribs;
    if (this.checks) this.#linkFacts(element);
    switch (element.name) {
      // Not rendered text: scripts, styles, inert templates, and the no-script fallback.
      case 'script':
      case 'style':
      case 'template':
      case 'noscript':
        return false;
      case 'title':
        // An SVG <title> is a tooltip, not the document title.
        if (this.title === null && this.#foreignDepth === 0) this.title = collapse(childText(element));
        return false;
      case 'html':
        if (!this.#sawHtml) {
          this.#sawHtml = true;
          const lang = attribs.lang?.trim();
          if (lang) this.lang = lang;
        }
        break;
      case 'meta':
        if (this.description === null && attribs.name?.trim().toLowerCase() === 'description') {
          this.description = collapse(attribs.content ?? '');
        }
        break;
      case 'link':
        if (
          this.canonicalHref === null &&
          attribs.href !== undefined &&
          hasRelToken(attribs.rel ?? '', 'canonical')
        ) {
          this.canonicalHref = attribs.href;
        }
        break;
      case 'base':
        // Only the first <base> with an href sets the document base URL.
        if (this.baseHref === null && attribs.href !== undefined) this.baseHref = attribs.href;
        break;
      case 'h1':
        this.h1Count++;
        break;
      case 'a':
      case 'area':
        if (attribs.href !== undefined) this.hrefs.push(attribs.href);
        break;
      case 'svg':
      case 'math':
        this.#foreignDepth++;
        break;
    }
    if (BLOCK_ELEMENTS.has(element.name)) this.#pendingBreak = true;
    return true;
  }

  /** What link checking takes of an element the walk enters (skipped ones included: their own tag is in the document). */
  #linkFacts(element: ElementNode): void {
    const { attribs, name } = element;
    const checks = this.checks!;
    if (checks.fragments) {
      if (attribs.id) this.anchors.push(attribs.id);
      if (name === 'a' && attribs.name) this.anchors.push(attribs.name);
    }
    if ((name === 'a' || name === 'area') && attribs.href !== undefined) {
      this.hrefTexts.push(name === 'area' ? linkText(attribs.alt ?? '') : anchorText(element));
    }
    if (!checks.resources) return;
    if ((name === 'img' || name === 'script') && attribs.src !== undefined)
      this.resources.push([attribs.src, name]);
    if (name === 'link' && attribs.href !== undefined && isResourceRel(attribs.rel)) {
      this.resources.push([attribs.href, 'link']);
    }
  }

  #leave(element: ElementNode): void {
    if (BLOCK_ELEMENTS.has(element.name)) this.#pendingBreak = true;
    else if (element.name === 'svg' || element.name === 'math') this.#foreignDepth--;
  }

  /**
   * Appends a text node as is: adjacent text nodes join without a space (`<b>foo</b>bar` is one word),
   * block boundaries add one. Whitespace is collapsed once, over the whole text, in {@link normalizedText}:
   * one regex pass over a flat string is much cheaper than one per text node.
   */
  #addText(data: string): void {
    if (this.#pendingBreak) {
      this.#rawText += ' ';
      this.#pendingBreak = false;
    }
    this.#rawText += data;
  }

  normalizedText(): string {
    return this.#rawText.replace(UNCOLLAPSED_WHITESPACE, ' ').trim();
  }
}

/**
 * Extracts the fields of a {@link ParseResult} from an HTML page.
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
 *
 * `options.parse` is the caller's business: this function always parses.
 *
 * @param baseUrl - The absolute URL of the page (its final URL after redirects).
 */
/** Link checking's facts of the walk, resolved as the documented rules of LinkFacts say. */
function linkFactsOf(extractor: Extractor, base: string): LinkFacts {
  const links: string[] = [];
  const texts: (string | null)[] = [];
  const fragments: Array<[number, string, string | null]> = [];
  const indexOf = new Map<string, number>();
  const pairs = new Set<string>();
  extractor.hrefs.forEach((href, i) => {
    const url = resolve(href, base);
    if (url === null || !isHttp(url)) return;
    const link = url.href.split('#')[0]!;
    const fragment = url.href.includes('#') ? url.href.slice(url.href.indexOf('#') + 1) : '';
    const text = extractor.hrefTexts[i] ?? null;
    let index = indexOf.get(link);
    if (index === undefined) {
      index = links.push(link) - 1;
      indexOf.set(link, index);
      texts.push(text);
    } else if (texts[index] === null) {
      texts[index] = text;
    }
    if (extractor.checks?.fragments && fragment !== '' && !pairs.has(`${index}#${fragment}`)) {
      pairs.add(`${index}#${fragment}`);
      fragments.push([index, fragment, text]);
    }
  });
  const resources: Array<[string, ResourceElement]> = [];
  const seen = new Set<string>();
  for (const [src, element] of extractor.resources) {
    const url = resolve(src, base);
    if (url === null || !isHttp(url)) continue;
    const resource = url.href.split('#')[0]!;
    if (!seen.has(resource)) resources.push([resource, element]);
    seen.add(resource);
  }
  return { texts, fragments, resources, anchors: [...new Set(extractor.anchors)] };
}

export function domParseHtml(html: string, baseUrl: string, options: ParseOptions): ParseResult {
  const $ = load(html);
  const extractor = new Extractor(options.checks);
  extractor.walk($.root()[0]!);

  // A <base href> that does not parse is ignored, as browsers do.
  const base = (extractor.baseHref !== null && resolve(extractor.baseHref, baseUrl)?.href) || baseUrl;

  const links: string[] = [];
  const seen = new Set<string>();
  for (const href of extractor.hrefs) {
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

  let canonical: string | null = null;
  if (extractor.canonicalHref !== null) {
    const url = resolve(extractor.canonicalHref, base);
    if (url !== null && isHttp(url)) canonical = url.href;
  }

  const text = extractor.normalizedText();
  const textHash = createHash('sha256').update(text).digest('hex');
  return {
    title: extractor.title,
    description: extractor.description,
    canonical,
    lang: extractor.lang,
    h1Count: extractor.h1Count,
    links,
    wordCount: text.length === 0 ? 0 : countSpaces(text) + 1,
    textHash,
    cpuDigest: options.cpuWork > 0 ? cpuWork(textHash, options.cpuWork) : null,
    ...(options.checks && { linkCheck: linkFactsOf(extractor, base) }),
  };
}
