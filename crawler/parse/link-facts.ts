/** What the parse step collects for link checking (`ParseOptions.checks`), beyond links and their texts. */
export interface LinkCheckParse {
  /** `<img src>`, `<script src>`, `<link href>` URLs. */
  readonly resources: boolean;
  /** `#fragments` linked to, and the ids (and `<a name>`s) of the page. */
  readonly fragments: boolean;
}

/** The element a resource URL came from. */
export type ResourceElement = 'img' | 'script' | 'link';

/**
 * What the parse of a page finds for link checking (`ParseOptions.checks`), next to its
 * `ParseResult`. It goes back to the main thread with the task's result and is never written
 * into a record.
 */
export interface LinkFacts {
  /**
   * The text of each of `ParseResult.links`, in the same order: the first occurrence's that has
   * one. A link's text is its visible text (as `wordCount` counts it, block breaks aside), whitespace
   * collapsed, else the `alt` of the first `<img>` inside it; an `<area>`'s is its `alt`. At most
   * {@link LINK_TEXT_MAX} characters (cut with `…`); null when there is none.
   */
  readonly texts: readonly (string | null)[];
  /**
   * The `#fragments` linked to, as `[index in links, fragment, text]` with the fragment as the URL
   * serializes it (percent-encoded) and the text of its first link, each link and fragment once, in
   * document order. Empty fragments (`#`) are left out. Collected with `checks.fragments` only.
   */
  readonly fragments: readonly (readonly [number, string, string | null])[];
  /**
   * `<img src>`, `<script src>` and `<link href>` URLs (except `rel` preconnect and dns-prefetch,
   * which name origins, not resources), resolved like links: http(s) only, fragment stripped,
   * deduplicated, with the element of their first occurrence. Collected with `checks.resources` only.
   */
  readonly resources: readonly (readonly [string, ResourceElement])[];
  /**
   * What a `#fragment` of this page can point at: every element's `id` and every `<a name>`,
   * deduplicated, in document order (outside `<template>` and `<noscript>`, whose content is not
   * part of the document). Collected with `checks.fragments` only.
   */
  readonly anchors: readonly string[];
}

/** Characters of a link's text, after whitespace collapsing, at most. */
export const LINK_TEXT_MAX = 120;
/** Characters of raw text read per link before collapsing: bounds the work per link. */
export const LINK_TEXT_RAW_MAX = 256;

const WHITESPACE_RUN = /\s+/g;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/;
const NOT_RESOURCES = new Set(['preconnect', 'dns-prefetch']);

/** A link's text from its raw text: the first {@link LINK_TEXT_RAW_MAX} characters, collapsed, cut. */
export function linkText(raw: string): string | null {
  const text = raw.slice(0, LINK_TEXT_RAW_MAX).replace(WHITESPACE_RUN, ' ').trim();
  if (text === '') return null;
  return text.length > LINK_TEXT_MAX ? `${text.slice(0, LINK_TEXT_MAX - 1)}…` : text;
}

/** Whether a `<link>` with this `rel` names a resource to check (not an origin to connect to). */
export function isResourceRel(rel: string | undefined): boolean {
  if (rel === undefined) return true;
  for (const token of rel.toLowerCase().split(ASCII_WHITESPACE)) if (NOT_RESOURCES.has(token)) return false;
  return true;
}

/** An `<a>` or `<area>` still open: where its href went and where its text starts. */
interface OpenAnchor {
  /** Index of its href among the page's hrefs, or -1 for an `<a>` without one. */
  readonly index: number;
  /** Its text starts at this piece of `#pieces`. */
  readonly piece: number;
  /** Its `<area alt>`, or the first `<img alt>` inside it. */
  alt: string | null;
}

/**
 * Collects {@link LinkFacts} from the parser's events, driven by the `FieldCollector` of the same
 * parse, which calls it only outside the content it skips (scripts, styles, templates, noscript,
 * the title) and in the same places it records hrefs, so `hrefTexts[i]` is the text of its
 * `hrefs[i]`. Each event costs O(1); a link's text costs at most {@link LINK_TEXT_RAW_MAX} reads,
 * so nested unclosed `<a>` elements stay linear.
 */
export class LinkFactCollector {
  readonly #options: LinkCheckParse;
  /** The text of each href occurrence, in document order. */
  readonly hrefTexts: (string | null)[] = [];
  /** Raw `src`/`href` of resources, with their element. */
  readonly resources: Array<[string, ResourceElement]> = [];
  /** Raw ids and names, in document order (duplicates included). */
  readonly anchors: string[] = [];
  readonly #open: OpenAnchor[] = [];
  /** Text nodes seen while an anchor is open; emptied when none is. */
  #pieces: string[] = [];
  /** Open anchors from this index on have no `alt` yet (they opened after the last `<img alt>`). */
  #altFrom = 0;

  constructor(options: LinkCheckParse) {
    this.#options = options;
  }

  /** An element opens (outside skipped content; a skipped element's own open tag included). */
  open(name: string, attribs: { readonly [name: string]: string }): void {
    if (this.#options.fragments) {
      const id = attribs.id;
      if (id !== undefined && id !== '') this.anchors.push(id);
      if (name === 'a' && attribs.name !== undefined && attribs.name !== '') this.anchors.push(attribs.name);
    }
    switch (name) {
      case 'a':
      case 'area': {
        const index = attribs.href === undefined ? -1 : this.hrefTexts.push(null) - 1;
        const alt = name === 'area' ? linkText(attribs.alt ?? '') : null;
        this.#open.push({ index, piece: this.#pieces.length, alt });
        break;
      }
      case 'img': {
        if (this.#options.resources && attribs.src !== undefined) this.resources.push([attribs.src, 'img']);
        const alt = this.#altFrom < this.#open.length ? linkText(attribs.alt ?? '') : null;
        if (alt !== null) {
          for (let i = this.#altFrom; i < this.#open.length; i++) this.#open[i]!.alt ??= alt;
          this.#altFrom = this.#open.length;
        }
        break;
      }
      case 'script':
        if (this.#options.resources && attribs.src !== undefined)
          this.resources.push([attribs.src, 'script']);
        break;
      case 'link':
        if (this.#options.resources && attribs.href !== undefined && isResourceRel(attribs.rel)) {
          this.resources.push([attribs.href, 'link']);
        }
        break;
    }
  }

  /** Visible text (outside skipped content). */
  text(data: string): void {
    if (this.#open.length > 0) this.#pieces.push(data);
  }

  /** An element closes (outside skipped content). */
  close(name: string): void {
    if (name !== 'a' && name !== 'area') return;
    const anchor = this.#open.pop();
    if (anchor === undefined) return;
    this.#altFrom = Math.min(this.#altFrom, this.#open.length);
    if (anchor.index !== -1) {
      this.hrefTexts[anchor.index] = linkText(this.#rawText(anchor.piece)) ?? anchor.alt;
    }
    if (this.#open.length === 0) this.#pieces = [];
  }

  /** The raw text from `piece` on, as far as {@link LINK_TEXT_RAW_MAX} characters reach. */
  #rawText(piece: number): string {
    let raw = '';
    for (let i = piece; i < this.#pieces.length && raw.length < LINK_TEXT_RAW_MAX; i++)
      raw += this.#pieces[i];
    return raw;
  }
}
