import type { Handler } from 'htmlparser2';
import type { LinkFactCollector } from './link-facts.js';

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

/** Elements whose content is no rendered text: scripts, styles, inert templates, the no-script fallback. */
const NOT_RENDERED = new Set(['script', 'style', 'template', 'noscript']);

const WHITESPACE_RUN = /\s+/g;
// Whitespace that collapsing changes: most runs in text are already one space, and replacing those
// with themselves is most of the cost of collapsing.
const UNCOLLAPSED_WHITESPACE = /\s{2,}|[^\S ]/g;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/;

export function collapse(text: string): string | null {
  const collapsed = text.replace(WHITESPACE_RUN, ' ').trim();
  return collapsed.length > 0 ? collapsed : null;
}

function hasRelToken(rel: string, token: string): boolean {
  for (const part of rel.toLowerCase().split(ASCII_WHITESPACE)) {
    if (part === token) return true;
  }
  return false;
}

/**
 * The built-in fields of a page, collected from the parser's events in one pass, without a tree:
 * the handler sees the events a tree builder would build the DOM from, in document order (open,
 * text, close), so what it collects is what a walk of that DOM would find (a differential test
 * checks it against such a walk, test/helpers/dom-fields.ts).
 *
 * The content of `script`, `style`, `template` and `noscript` is skipped (not rendered), and so
 * is `title`'s, which becomes the title instead (only outside `svg`/`math`, where a `title` is a
 * tooltip).
 */
export class FieldCollector implements Partial<Handler> {
  title: string | null = null;
  description: string | null = null;
  canonicalHref: string | null = null;
  baseHref: string | null = null;
  lang: string | null = null;
  h1Count = 0;
  /** Raw hrefs in document order; resolved at the end, once the `<base>` is known. */
  readonly hrefs: string[] = [];
  /** Visible text before whitespace collapsing, built as a rope that V8 flattens once. */
  #rawText = '';
  #pendingBreak = false;
  #foreignDepth = 0;
  #sawHtml = false;
  /** Open elements inside the skipped one (it included); 0 when nothing is skipped. */
  #skipDepth = 0;
  /** The text of the `<title>` being skipped, when it is the document's title. */
  #titleText: string | null = null;
  /** Link checking's collector, told of what this one sees; null (the default) costs a check per event. */
  readonly #links: LinkFactCollector | null;

  constructor(links: LinkFactCollector | null = null) {
    this.#links = links;
  }

  onopentag(name: string, attribs: { [name: string]: string }): void {
    if (this.#skipDepth > 0) {
      this.#skipDepth++;
      return;
    }
    // Before the skip below: a skipped element's own tag is in the document (its id, a script's src).
    this.#links?.open(name, attribs);
    if (NOT_RENDERED.has(name)) {
      this.#skipDepth = 1;
      return;
    }
    switch (name) {
      case 'title':
        this.#skipDepth = 1;
        // An SVG <title> is a tooltip, not the document title.
        if (this.title === null && this.#foreignDepth === 0) this.#titleText = '';
        return;
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
    if (BLOCK_ELEMENTS.has(name)) this.#pendingBreak = true;
  }

  onclosetag(name: string): void {
    if (this.#skipDepth > 0) {
      this.#skipDepth--;
      if (this.#skipDepth === 0 && this.#titleText !== null) {
        this.title = collapse(this.#titleText);
        this.#titleText = null;
      }
      return;
    }
    this.#links?.close(name);
    if (BLOCK_ELEMENTS.has(name)) this.#pendingBreak = true;
    else if (name === 'svg' || name === 'math') this.#foreignDepth--;
  }

  /**
   * Appends a text node as is: adjacent text nodes join without a space (`<b>foo</b>bar` is one
   * word), block boundaries add one. Whitespace is collapsed once, over the whole text, in
   * {@link FieldCollector.normalizedText}: one regex pass over a flat string is much cheaper than
   * one per text node.
   */
  ontext(data: string): void {
    if (this.#skipDepth > 0) {
      // A title's own text; text deeper inside it (there is none in HTML: its content is text) is not.
      if (this.#skipDepth === 1 && this.#titleText !== null) this.#titleText += data;
      return;
    }
    this.#links?.text(data);
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
