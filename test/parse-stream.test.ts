import { load } from 'cheerio/slim';
import type { AnyNode, Document } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite } from '../dist/index.js';
import { startFixtureSite } from '../dist/index.js';
import { parseHtml, parseHtmlWithDocument } from '../dist/crawler/parse/parse-html.js';
import { domParseHtml } from './helpers/dom-fields.js';

const BASE = 'http://127.0.0.1:9/dir/page.html';
const IO = { parse: true, cpuWork: 0 };

/** Pages built to hurt a parser: nesting, unclosed and stray tags, huge attributes, odd markup. */
const HOSTILE: Readonly<Record<string, string>> = {
  'deep nesting': `${'<div>'.repeat(6000)}deep${'</div>'.repeat(6000)}`,
  'unclosed nesting': `<title>t</title>${'<div><span>'.repeat(4000)}x`,
  'unclosed mixed inline': '<p><b><i><a href="/x">word '.repeat(2000),
  'stray close tags': `${'<div>'.repeat(500)}a${'</span></b>'.repeat(4000)}b`,
  'huge attribute': `<a href="/${'a'.repeat(200_000)}">x</a><div title="${'t '.repeat(100_000)}">y</div>`,
  'many links': Array.from({ length: 20_000 }, (_, i) => `<a href="/l/${i % 7000}#f${i}">l${i}</a>`).join(''),
  'one long line': `<p>${'word '.repeat(200_000)}</p>`,
  'foreign content':
    '<svg><title>tip</title><math><title>m</title></math><foreignObject><p>in</p><title>fo</title></foreignObject></svg><title>Doc</title><svg><a href="/svg">s</a></svg>',
  'inert and unclosed':
    '<noscript><p>hidden<a href="/n">n</a></noscript><template><a href="/t">t</a><p>x</template><p>seen<script>var a = "</p>"; <a href="/s"></script>after<noscript>never closed <a href="/nc">',
  'implied closes':
    '<p>a<div>b</p>c<ul><li>d<li>e</ul><table><tr><td>f<td>g</table><p>h<h1>i</h1><dl><dt>j<dd>k</dl></br></p>',
  'comments, cdata, directives':
    '<!DOCTYPE html><?xml version="1.0"?><!-- <a href="/c">c</a> --><![CDATA[<a href="/cd">]]><p>t<!--x-->u</p>',
  entities:
    '<title>&amp; &lt;b&gt; &#x1F600; &unknown; &copy</title><meta name=description content="&quot;q&quot; &amp;"><p>&nbsp;a&amp;b &#65;</p><a href="/e?a=1&amp;b=2">e</a>',
  'case and duplicates':
    '<HTML LANG=" de "><HTML lang=fr><BODY><A HREF="/u" href="/second">U</A><META NAME="Description" CONTENT=" d  e "><LINK REL="Alternate CANONICAL" HREF="/canon">',
  'several bases': '<base href="sub/"><base href="/other/"><a href="x">x</a><link rel=canonical href="c">',
  'unclosed title': '<p>before</p><title>the rest <b>of the</b> page',
  'unclosed script': '<p>before</p><script>var x = 1; <p>not text',
  'controls and line breaks':
    '<title>a\r\nb\tc\u0000d</title><p>x\u0000y\r\nz</p><pre>  keep\n  lines </pre>',
  'empty document': '',
  'whitespace only': '  \n\t  ',
  'text only': 'just some text, no tags',
  'block words': '<div>a</div><div>b</div><span>c</span><span>d</span><br>e<hr>f<td>g</td>h',
};

/** A tree as a flat list of its nodes in document order, built without recursion (trees are deep here). */
function flatten(document: Document): string[] {
  const out: string[] = [];
  const stack: Array<{ node: AnyNode; depth: number }> = [...document.children]
    .reverse()
    .map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    const attribs = 'attribs' in node ? JSON.stringify(node.attribs) : '';
    const name = 'name' in node ? node.name : '';
    const data = 'data' in node ? JSON.stringify(node.data) : '';
    out.push(`${depth}|${node.type}|${name}|${attribs}|${data}`);
    if ('children' in node) {
      for (let i = node.children.length - 1; i >= 0; i--)
        stack.push({ node: node.children[i]!, depth: depth + 1 });
    }
  }
  return out;
}

let sites: FixtureSite[] = [];
const fixturePages: Array<{ name: string; url: string; html: string }> = [];

beforeAll(async () => {
  sites = await Promise.all([
    startFixtureSite({ pages: 6, pageKb: 2, links: 3, seed: 1 }),
    startFixtureSite({ pages: 6, pageKb: 10, links: 20, seed: 2 }),
    startFixtureSite({ pages: 4, pageKb: 200, links: 200, seed: 3 }),
  ]);
  for (const site of sites) {
    for (const url of [`${site.url}/`, ...site.urlList()]) {
      const html = await (await fetch(url)).text();
      fixturePages.push({ name: url, url, html });
    }
  }
});

afterAll(async () => {
  await Promise.all(sites.map((site) => site.close()));
});

describe('the streaming parse', () => {
  it('gives the same fields as a walk of the DOM on every fixture page', () => {
    expect(fixturePages.length).toBeGreaterThan(15);
    for (const page of fixturePages) {
      expect(parseHtml(page.html, page.url, IO), page.name).toEqual(domParseHtml(page.html, page.url, IO));
    }
  });

  it.each(Object.entries(HOSTILE))('gives the same fields as a walk of the DOM: %s', (_name, html) => {
    const streamed = parseHtml(html, BASE, { parse: true, cpuWork: 2 });
    expect(streamed).toEqual(domParseHtml(html, BASE, { parse: true, cpuWork: 2 }));
  });

  it.each(Object.entries(HOSTILE))(
    'builds, when asked, the DOM that htmlparser2 builds on its own: %s',
    (_name, html) => {
      const { result, document } = parseHtmlWithDocument(html, BASE, IO);
      expect(flatten(document)).toEqual(flatten(parseDocument(html)));
      expect(result).toEqual(parseHtml(html, BASE, IO));
      // cheerio takes that tree as it is: `$` over it reads what `load(html)` reads.
      expect(load(document)('title').text()).toBe(load(html)('title').text());
    },
  );
});

/** The fastest of `rounds` parses of each page, interleaved so that drift hits both sizes alike. */
function fastest(pages: readonly string[], rounds: number): number[] {
  const best = pages.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    pages.forEach((html, i) => {
      const started = performance.now();
      parseHtml(html, BASE, IO);
      best[i] = Math.min(best[i]!, performance.now() - started);
    });
  }
  return best;
}

describe('parse time is linear in the page size on adversarial pages', () => {
  // A quadratic parse costs 16x for a page 4x larger; a linear one about 4x.
  const shapes: Record<string, (n: number) => string> = {
    'nested unclosed <div>': (n) => '<div>'.repeat(n),
    'nested unclosed inline': (n) => '<b><i><span>'.repeat(n / 3),
    'stray close tags under deep nesting': (n) => `${'<div>'.repeat(n / 2)}${'</span>'.repeat(n / 2)}`,
    'nested <svg>': (n) => '<svg>'.repeat(n),
    'nested lists': (n) => '<ul><li>'.repeat(n / 2),
  };
  it.each(Object.entries(shapes))('%s: 4x the size costs at most ~5x', (_name, make) => {
    const [small, large] = fastest([make(20_000), make(80_000)], 5);
    expect(large! / small!).toBeLessThan(6);
  });
});
