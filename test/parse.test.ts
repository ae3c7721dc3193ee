import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cpuWork } from '../dist/crawler/cpu-work.js';
import { parseHtml } from '../dist/crawler/parse/parse-html.js';

const PAGE_URL = 'https://example.com/docs/guide/page.html';
const IO = { parse: true, cpuWork: 0 };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function parse(html: string, baseUrl = PAGE_URL) {
  return parseHtml(html, baseUrl, IO);
}

const REPRESENTATIVE = `<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>
    Guide  to
    crawling
  </title>
  <meta name="description" content="How  to crawl, step by step.">
  <link rel="stylesheet" href="/style.css">
  <link rel="canonical" href="/docs/guide/">
  <style>body { font-family: sans-serif; }</style>
  <script>window.analytics = "should not count";</script>
</head>
<body>
  <header><nav>
    <a href="/">Home</a>
    <a href="intro.html">Intro</a>
    <a href="https://other.org/x">Other</a>
  </nav></header>
  <main>
    <h1>Guide</h1>
    <p>Crawling is <em>fun</em> and useful.</p>
    <h1>Second heading</h1>
    <ul><li>one</li><li>two</li></ul>
    <a href="intro.html#details">Intro again</a>
  </main>
</body>
</html>`;

describe('parseHtml', () => {
  it('extracts every field of a representative page', () => {
    const text = 'Home Intro Other Guide Crawling is fun and useful. Second heading one two Intro again';
    expect(parse(REPRESENTATIVE)).toEqual({
      title: 'Guide to crawling',
      description: 'How to crawl, step by step.',
      canonical: 'https://example.com/docs/guide/',
      lang: 'en-GB',
      h1Count: 2,
      links: ['https://example.com/', 'https://example.com/docs/guide/intro.html', 'https://other.org/x'],
      wordCount: 15,
      textHash: sha256(text),
      cpuDigest: null,
    });
  });

  it('resolves relative, root-relative, absolute and protocol-relative links against the page URL', () => {
    const { links } = parse(`
      <a href="sibling.html">a</a>
      <a href="../up.html">b</a>
      <a href="/root?q=1">c</a>
      <a href="?only=query">d</a>
      <a href="http://plain.example/p">e</a>
      <a href="//cdn.example/lib.js">f</a>
      <a href="  spaced.html  ">g</a>`);
    expect(links).toEqual([
      'https://example.com/docs/guide/sibling.html',
      'https://example.com/docs/up.html',
      'https://example.com/root?q=1',
      'https://example.com/docs/guide/page.html?only=query',
      'http://plain.example/p',
      'https://cdn.example/lib.js',
      'https://example.com/docs/guide/spaced.html',
    ]);
  });

  it('resolves links and the canonical against <base href>, itself resolved against the page URL', () => {
    const result = parse(`<html><head>
      <link rel="canonical" href="canonical.html">
      <base href="/static/v2/">
      <base href="https://ignored.example/">
      </head><body><a href="a.html">a</a><a href="/b">b</a><a href="//c.example/c">c</a></body></html>`);
    expect(result.canonical).toBe('https://example.com/static/v2/canonical.html');
    expect(result.links).toEqual([
      'https://example.com/static/v2/a.html',
      'https://example.com/b',
      'https://c.example/c',
    ]);
  });

  it('falls back to the page URL when <base href> is invalid', () => {
    expect(parse('<base href="http://[::1"><a href="x">x</a>').links).toEqual([
      'https://example.com/docs/guide/x',
    ]);
  });

  it('keeps http(s) links only and skips hrefs that are not URLs', () => {
    const { links } = parse(`
      <a href="mailto:someone@example.com">mail</a>
      <a href="javascript:void(0)">js</a>
      <a href="tel:+441234">tel</a>
      <a href="data:text/html,hi">data</a>
      <a href="ftp://files.example/">ftp</a>
      <a href="http://[broken">broken</a>
      <a name="anchor-without-href">none</a>
      <a href="https://kept.example/">kept</a>`);
    expect(links).toEqual(['https://kept.example/']);
  });

  it('includes <area href> links', () => {
    expect(parse('<map><area href="/region" alt="r"></map>').links).toEqual(['https://example.com/region']);
  });

  it('strips fragments and deduplicates, keeping the first occurrence order', () => {
    const { links } = parse(`
      <a href="b.html#one">1</a>
      <a href="a.html">2</a>
      <a href="b.html#two">3</a>
      <a href="B.html">4</a>
      <a href="https://EXAMPLE.com:443/docs/guide/a.html#x">5</a>
      <a href="#top">6</a>
      <a href="">7</a>`);
    expect(links).toEqual([
      'https://example.com/docs/guide/b.html',
      'https://example.com/docs/guide/a.html',
      'https://example.com/docs/guide/B.html',
      'https://example.com/docs/guide/page.html',
    ]);
  });

  it('decodes entities in the title, the description, hrefs and the text', () => {
    const result = parse(`<title>Tom &amp; Jerry &lt;3 caf&eacute; &#8211; &#x41;</title>
      <meta name="description" content="&quot;Quoted&quot; &amp; more">
      <a href="/search?a=1&amp;b=2">Fish&nbsp;&amp;&nbsp;chips</a>`);
    expect(result.title).toBe('Tom & Jerry <3 café – A');
    expect(result.description).toBe('"Quoted" & more');
    expect(result.links).toEqual(['https://example.com/search?a=1&b=2']);
    expect(result.wordCount).toBe(3);
    expect(result.textHash).toBe(sha256('Fish & chips'));
  });

  it('handles uppercase tags and attributes and unclosed tags', () => {
    const result = parse(`<HTML LANG="fr"><HEAD><TITLE>Upper</TITLE>
      <META NAME="DESCRIPTION" CONTENT="Shouting">
      <LINK REL="Canonical" HREF="/canon">
      <BODY><H1>One<H1>Two</H1>
      <P>first paragraph<P>second paragraph
      <UL><LI>item one<LI>item two</UL>
      <A HREF="/up">unclosed link`);
    expect(result).toMatchObject({
      title: 'Upper',
      description: 'Shouting',
      canonical: 'https://example.com/canon',
      lang: 'fr',
      h1Count: 2,
      links: ['https://example.com/up'],
    });
    expect(result.textHash).toBe(
      sha256('One Two first paragraph second paragraph item one item two unclosed link'),
    );
    expect(result.wordCount).toBe(12);
  });

  it('matches a canonical among several rel tokens and ignores non-http canonicals', () => {
    expect(parse('<link rel="alternate CANONICAL" href="https://c.example/">').canonical).toBe(
      'https://c.example/',
    );
    expect(parse('<link rel="canonical" href="javascript:alert(1)">').canonical).toBeNull();
    expect(parse('<link rel="canonical">').canonical).toBeNull();
  });

  it('returns null and 0 for what the page lacks', () => {
    const empty = sha256('');
    expect(parse('')).toEqual({
      title: null,
      description: null,
      canonical: null,
      lang: null,
      h1Count: 0,
      links: [],
      wordCount: 0,
      textHash: empty,
      cpuDigest: null,
    });
    const blank = parse(
      '<html lang=" "><title>  \n </title><meta name="description" content="  "><body> \n\t </body></html>',
    );
    expect(blank).toMatchObject({
      title: null,
      description: null,
      lang: null,
      wordCount: 0,
      textHash: empty,
    });
  });

  it('takes the document title, not an SVG tooltip title', () => {
    expect(parse('<svg><title>icon</title></svg><title>Real</title>').title).toBe('Real');
  });

  it('counts visible text only: no script, style, noscript, template or title text', () => {
    const result = parse(`<html><head><title>Not counted</title>
      <script>var notCounted = "a b c d";</script><style>.x { content: "e f"; }</style></head>
      <body>alpha <script type="module">import x from "y";</script>beta
      <noscript>enable javascript</noscript><template><p>inert words</p></template>
      <!-- a comment --> gamma</body></html>`);
    expect(result.wordCount).toBe(3);
    expect(result.textHash).toBe(sha256('alpha beta gamma'));
  });

  it('joins inline elements and separates block elements, as rendered text does', () => {
    const result = parse('<p>un<b>believ</b>able</p><p>next</p><div>line<br>break</div>');
    expect(result.textHash).toBe(sha256('unbelievable next line break'));
    expect(result.wordCount).toBe(4);
  });

  it('hashes the same text with different whitespace to the same value', () => {
    const compact = parse('<body><p>The quick brown fox.</p><p>Jumps.</p></body>');
    const spread = parse(
      '<body>\n  <p>\n\tThe   quick\u00a0brown\r\n fox.  </p>\n\n  <p>Jumps.</p>\n</body>',
    );
    expect(spread.textHash).toBe(compact.textHash);
    expect(spread.wordCount).toBe(5);
    expect(compact.wordCount).toBe(5);
    expect(parse('<p>The quick brown fox. Jumps!</p>').textHash).not.toBe(compact.textHash);
  });

  it('survives deeply nested unclosed tags', () => {
    const result = parse(`${'<div><span>'.repeat(20_000)}deep <a href="/bottom">end</a>`);
    expect(result.wordCount).toBe(2);
    expect(result.links).toEqual(['https://example.com/bottom']);
  });

  it('adds the digest of cpuWork(textHash, rounds) when cpuWork > 0', () => {
    const result = parseHtml(REPRESENTATIVE, PAGE_URL, { parse: true, cpuWork: 3 });
    expect(result.cpuDigest).toBe(cpuWork(result.textHash, 3));
    expect(result.cpuDigest).toMatch(/^[0-9a-f]{32}$/);
    expect(parse(REPRESENTATIVE).cpuDigest).toBeNull();
  });
});
