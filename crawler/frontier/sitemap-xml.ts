import { Parser } from '../parse/htmlparser2-parser.js';
import { linearizeParser } from '../parse/open-elements.js';

/** What {@link parseSitemapXml} found. */
export interface SitemapXml {
  /** `urlset` lists pages, `index` lists sitemaps; `unknown` when the root is neither. */
  readonly kind: 'urlset' | 'index' | 'unknown';
  /** The trimmed, non-empty `<loc>` texts of the entries, in document order, as written. */
  readonly locs: string[];
}

/** The local part of a qualified XML name (`sm:urlset` -> `urlset`), lower-cased to be lenient. */
function localName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
}

/**
 * Reads a sitemap (`<urlset>`) or sitemap index (`<sitemapindex>`) as XML, in one streaming pass.
 * Names are matched by their local part, so a prefixed namespace (`<sm:urlset>`) works as well as
 * the default one. Only the first `<loc>` that is a direct child of an entry (`<url>` /
 * `<sitemap>`) of the document's first element counts: extension tags such as
 * `<image:image><image:loc>` are not pages. Entities and CDATA are decoded; a `<loc>`'s text is
 * all the text inside it. Does not resolve or check the locs: that is the caller's business.
 */
export function parseSitemapXml(xml: string): SitemapXml {
  let depth = 0;
  let kind: SitemapXml['kind'] | null = null;
  let entryName = '';
  /** The first top-level element has closed: anything after it is not the sitemap. */
  let rootDone = false;
  let inEntry = false;
  let entryHasLoc = false;
  let loc: string | null = null;
  const locs: string[] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        depth++;
        if (rootDone) return;
        if (depth === 1) {
          const root = localName(name);
          kind = root === 'urlset' ? 'urlset' : root === 'sitemapindex' ? 'index' : 'unknown';
          entryName = kind === 'urlset' ? 'url' : 'sitemap';
        } else if (depth === 2 && kind !== 'unknown') {
          inEntry = localName(name) === entryName;
          entryHasLoc = false;
        } else if (depth === 3 && inEntry && !entryHasLoc && localName(name) === 'loc') {
          entryHasLoc = true;
          loc = '';
        }
      },
      ontext(text) {
        if (loc !== null) loc += text;
      },
      onclosetag() {
        if (depth === 3 && loc !== null) {
          const trimmed = loc.trim();
          if (trimmed !== '') locs.push(trimmed);
          loc = null;
        } else if (depth === 2) {
          inEntry = false;
        } else if (depth === 1) {
          rootDone = true;
        }
        depth--;
      },
    },
    { xmlMode: true },
  );
  linearizeParser(parser);
  parser.end(xml);
  const found: SitemapXml['kind'] = kind ?? 'unknown';
  return found === 'unknown' ? { kind: 'unknown', locs: [] } : { kind: found, locs };
}
