import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, fetchPage, fetchResource, type FetchedResource } from '../dist/crawler/fetch.js';
import {
  loadRobots,
  MAX_ROBOTS_BYTES,
  productToken,
  RobotsCache,
  robotsUrl,
} from '../dist/crawler/frontier/robots.js';
import { readSitemaps, type SitemapEntry, type SitemapLimits } from '../dist/crawler/frontier/sitemap.js';
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from '../dist/crawler/step-options.js';
import { DEFAULT_USER_AGENT } from '../dist/crawler/version.js';
import { parseSitemapXml } from '../dist/crawler/frontier/sitemap-xml.js';
import { closedPort, delay, startServer, type TestServer } from './helpers/servers.js';

type Dispatcher = ReturnType<typeof createDispatcher>;
type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

// Short waits so retries cost milliseconds; generous timeouts so a busy machine does not flake.
function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { ...DEFAULT_FETCH_OPTIONS, timeoutMs: 5_000, retryDelayMs: 5, maxRetryDelayMs: 50, ...overrides };
}

let dispatcher: Dispatcher;
const servers: TestServer[] = [];

beforeAll(() => {
  dispatcher = createDispatcher({ connections: 8 });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await dispatcher.close();
});

/** A server answering `routes` by path (404 otherwise) and counting the requests of each path. */
async function serve(routes: Record<string, Route>): Promise<TestServer & { hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = await startServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    return route(req, res);
  });
  servers.push(server);
  return Object.assign(server, { hits });
}

function send(status: number, contentType: string, body: string | Buffer, headers = {}): Route {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType, ...headers });
    res.end(body);
  };
}

const text = (body: string): Route => send(200, 'text/plain; charset=utf-8', body);
const xml = (body: string): Route => send(200, 'application/xml', body);

function getter(fetchOptions: FetchOptions = options()): (url: string) => Promise<FetchedResource> {
  return (url) => fetchResource(url, fetchOptions, { dispatcher });
}

describe('fetchResource', () => {
  it('keeps a text/plain body that fetchPage refuses as NOT_HTML', async () => {
    const body = 'User-agent: *\nDisallow: /private/\n';
    const server = await serve({ '/robots.txt': text(body) });
    const resource = await fetchResource(`${server.url}/robots.txt`, options(), { dispatcher });
    expect(resource).toEqual({
      finalUrl: `${server.url}/robots.txt`,
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: expect.any(Uint8Array),
      error: null,
    });
    expect(Buffer.from(resource.body!).toString('utf8')).toBe(body);
    // The default stays as it was.
    const page = await fetchPage({ line: 1, url: `${server.url}/robots.txt` }, options(), { dispatcher });
    expect(page.error?.code).toBe('NOT_HTML');
    expect(page.body).toBeNull();
  });

  it('follows redirects, undoes Content-Encoding and keeps binary bodies as they are', async () => {
    const gz = gzipSync(Buffer.from('<urlset/>'));
    const server = await serve({
      '/moved': send(301, 'text/plain', '', { location: '/encoded' }),
      '/encoded': send(200, 'application/xml', gz, { 'content-encoding': 'gzip' }),
      '/file.gz': send(200, 'application/gzip', gz),
    });
    const encoded = await fetchResource(`${server.url}/moved`, options(), { dispatcher });
    expect(encoded).toMatchObject({ finalUrl: `${server.url}/encoded`, status: 200, error: null });
    expect(Buffer.from(encoded.body!).toString('utf8')).toBe('<urlset/>');
    const file = await fetchResource(`${server.url}/file.gz`, options(), { dispatcher });
    expect(Buffer.from(file.body!).equals(gz)).toBe(true);
  });

  it('retries a 5xx, and reports errors with a null body', async () => {
    let busy = 1;
    const server = await serve({
      '/flaky': (_req, res) => {
        res.writeHead(busy-- > 0 ? 503 : 200, { 'content-type': 'text/plain' });
        res.end('ok');
      },
      '/big': text('x'.repeat(2_000)),
      '/no-location': send(302, 'text/plain', 'nowhere'),
    });
    const flaky = await fetchResource(`${server.url}/flaky`, options({ retries: 1 }), { dispatcher });
    expect(flaky).toMatchObject({ status: 200, error: null });
    expect(server.hits.get('/flaky')).toBe(2);

    const missing = await fetchResource(`${server.url}/missing`, options(), { dispatcher });
    expect(missing).toMatchObject({ status: 404, body: null, error: { code: 'HTTP_4XX' } });

    const big = await fetchResource(`${server.url}/big`, options({ maxBytes: 1_000 }), { dispatcher });
    expect(big).toMatchObject({ status: 200, body: null, error: { code: 'BODY_TOO_LARGE' } });

    const noLocation = await fetchResource(`${server.url}/no-location`, options(), { dispatcher });
    expect(noLocation).toMatchObject({ status: 302, body: null, error: null });

    const invalid = await fetchResource('ftp://127.0.0.1/robots.txt', options(), { dispatcher });
    expect(invalid).toMatchObject({ status: null, body: null, error: { code: 'UNSUPPORTED_SCHEME' } });
  });
});

describe('robots.txt', () => {
  it('names the robots.txt of an origin and the product token of a user agent', () => {
    expect(robotsUrl('http://127.0.0.2:4000')).toBe('http://127.0.0.2:4000/robots.txt');
    expect(robotsUrl('HTTP://127.0.0.2:80/some/page?q')).toBe('http://127.0.0.2/robots.txt');
    expect(() => robotsUrl('ftp://127.0.0.2')).toThrow(/http\(s\) origin/);
    expect(productToken(DEFAULT_USER_AGENT)).toBe('crawlbench');
    expect(productToken('Other_Bot-2/1.0')).toBe('Other_Bot-');
    expect(productToken('/1.0')).toBe('*');
  });

  it('allows and disallows by the longest matching rule, and explains why', async () => {
    const server = await serve({
      '/robots.txt': text(
        [
          '# test site',
          'User-agent: *',
          'Disallow: /private/ # keep out',
          'Allow: /private/open.html',
          'Disallow: /*.pdf$',
        ].join('\n'),
      ),
    });
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(rules.source).toBe('file');
    expect(rules.origin).toBe(server.url);
    expect(rules.isAllowed(`${server.url}/`)).toBe(true);
    expect(rules.isAllowed(`${server.url}/private/secret.html`)).toBe(false);
    expect(rules.isAllowed(`${server.url}/private/open.html`)).toBe(true);
    expect(rules.isAllowed(`${server.url}/doc.pdf`)).toBe(false);
    expect(rules.isAllowed(`${server.url}/doc.pdf?x=1`)).toBe(true);
    expect(rules.explain(`${server.url}/private/secret.html`)).toBe(
      `robots.txt at ${server.url}/robots.txt disallows /private/ (line 3)`,
    );
    expect(rules.explain(`${server.url}/private/open.html`)).toBe(
      `robots.txt at ${server.url}/robots.txt allows /private/open.html (line 4)`,
    );
    expect(rules.explain(`${server.url}/about`)).toBe(
      `robots.txt at ${server.url}/robots.txt allows /about (no rule matches it)`,
    );
    expect(rules.crawlDelayMs).toBeNull();
    expect(rules.sitemaps).toEqual([]);
    // Rules speak for their own origin only.
    expect(() => rules.isAllowed('http://127.0.0.1:1/private/x')).toThrow(/asked about/);
    expect(server.hits.get('/robots.txt')).toBe(1);
  });

  it('applies the group of our product token, else the * group, with its Crawl-delay', async () => {
    const server = await serve({
      '/robots.txt': text(
        [
          'User-agent: *',
          'Disallow: /',
          'Crawl-delay: 10',
          '',
          'User-agent: SomeoneElse',
          'User-agent: CrawlBench/9.9',
          'Disallow: /no-crawlbench/',
          'Crawl-delay: 0.25',
        ].join('\r\n'),
      ),
    });
    const ours = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(ours.isAllowed(`${server.url}/page`)).toBe(true);
    expect(ours.isAllowed(`${server.url}/no-crawlbench/page`)).toBe(false);
    expect(ours.crawlDelayMs).toBe(250);

    const other = await loadRobots(server.url, 'otherbot/1.0 (+https://example.invalid)', getter());
    expect(other.isAllowed(`${server.url}/page`)).toBe(false);
    expect(other.explain(`${server.url}/page`)).toBe(
      `robots.txt at ${server.url}/robots.txt disallows / (line 2)`,
    );
    expect(other.crawlDelayMs).toBe(10_000);
  });

  it('reads a fractional Crawl-delay and the Sitemap lines', async () => {
    const server = await serve({
      '/robots.txt': text(
        [
          'Sitemap: http://127.0.0.1:9/sitemap.xml',
          'User-agent: *',
          'Crawl-delay: 1.5',
          'Sitemap: /relative-sitemap.xml',
          'Sitemap: ftp://127.0.0.1/sitemap.xml',
          'Sitemap: http://127.0.0.1:9/sitemap.xml',
          'Sitemap: https://127.0.0.1:9/news.xml.gz',
        ].join('\n'),
      ),
    });
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(rules.crawlDelayMs).toBe(1_500);
    expect(rules.sitemaps).toEqual([
      'http://127.0.0.1:9/sitemap.xml',
      `${server.url}/relative-sitemap.xml`,
      'https://127.0.0.1:9/news.xml.gz',
    ]);
    expect(rules.isAllowed(`${server.url}/anything`)).toBe(true);
  });

  it('allows everything when robots.txt is missing (4xx)', async () => {
    const server = await serve({});
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(rules.source).toBe('none');
    expect(rules.isAllowed(`${server.url}/private/`)).toBe(true);
    expect(rules.explain(`${server.url}/private/`)).toBe(
      `robots.txt at ${server.url}/robots.txt answered 404; RFC 9309 treats that as allow all`,
    );
  });

  it('disallows everything when robots.txt answers 5xx (after the retries) or 429', async () => {
    const server = await serve({
      '/robots.txt': send(503, 'text/plain', 'busy'),
    });
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter(options({ retries: 1 })));
    expect(server.hits.get('/robots.txt')).toBe(2);
    expect(rules.source).toBe('unreachable');
    expect(rules.isAllowed(`${server.url}/`)).toBe(false);
    expect(rules.explain(`${server.url}/`)).toBe(
      `robots.txt at ${server.url}/robots.txt answered 503; RFC 9309 treats that as disallow all`,
    );

    const limited = await serve({ '/robots.txt': send(429, 'text/plain', 'slow down') });
    const limitedRules = await loadRobots(limited.url, DEFAULT_USER_AGENT, getter(options({ retries: 0 })));
    expect(limitedRules.source).toBe('unreachable');
    expect(limitedRules.isAllowed(`${limited.url}/`)).toBe(false);
  });

  it('disallows everything when the server cannot be reached', async () => {
    const origin = `http://127.0.0.1:${await closedPort()}`;
    const rules = await loadRobots(origin, DEFAULT_USER_AGENT, getter(options({ retries: 0 })));
    expect(rules.source).toBe('unreachable');
    expect(rules.isAllowed(`${origin}/page`)).toBe(false);
    expect(rules.explain(`${origin}/page`)).toMatch(
      new RegExp(
        `^robots\\.txt at ${origin}/robots\\.txt could not be fetched \\(CONN_REFUSED: .+\\); RFC 9309 treats that as disallow all$`,
      ),
    );
    // A getter that breaks its promise and rejects is treated the same way.
    const broken = await loadRobots(origin, DEFAULT_USER_AGENT, () => Promise.reject(new Error('boom')));
    expect(broken.source).toBe('unreachable');
    expect(broken.explain(`${origin}/`)).toContain('Error: boom');
  });

  it('follows a redirect to the robots.txt', async () => {
    const server = await serve({
      '/robots.txt': send(301, 'text/plain', '', { location: '/real-robots.txt' }),
      '/real-robots.txt': text('User-agent: *\nDisallow: /x'),
    });
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(rules.source).toBe('file');
    expect(rules.isAllowed(`${server.url}/x`)).toBe(false);
  });

  it('reads only the first 500 KiB, without the line the cut goes through', async () => {
    const head = 'User-agent: *\nDisallow: /early/\n';
    const straddling = 'Disallow: /straddle/\n';
    // Pad with comment lines so that the cut leaves `Disallow: /st` of `straddling`.
    const kept = 'Disallow: /st'.length;
    const padTo = MAX_ROBOTS_BYTES - head.length - kept;
    const line = '# padding padding padding padding padding padding padding padding\n';
    const comments = line.repeat(Math.floor((padTo - 1) / line.length));
    const filler = '#'.repeat(padTo - comments.length - 1) + '\n';
    const body = head + comments + filler + straddling + 'Disallow: /late/\n' + '# tail\n'.repeat(20_000);
    expect(body.indexOf(straddling)).toBe(MAX_ROBOTS_BYTES - kept);
    expect(body.length).toBeGreaterThan(600 * 1024);
    const server = await serve({ '/robots.txt': text(body) });
    const rules = await loadRobots(server.url, DEFAULT_USER_AGENT, getter());
    expect(rules.isAllowed(`${server.url}/early/page`)).toBe(false);
    expect(rules.isAllowed(`${server.url}/late/page`)).toBe(true);
    // Cut naively, the line would read `Disallow: /st` and disallow /strong too.
    expect(rules.isAllowed(`${server.url}/strong`)).toBe(true);
    expect(rules.isAllowed(`${server.url}/straddle/`)).toBe(true);
  });
});

describe('RobotsCache', () => {
  it('fetches each origin once, however many callers ask at once', async () => {
    const server = await serve({
      '/robots.txt': async (_req, res) => {
        await delay(50);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('User-agent: crawlbench\nDisallow: /no/');
      },
    });
    const other = await serve({});
    const cache = new RobotsCache(DEFAULT_USER_AGENT, getter());
    expect(cache.peek(server.url)).toBeUndefined();
    const all = await Promise.all([
      ...Array.from({ length: 10 }, () => cache.rulesFor(server.url)),
      cache.rulesFor(`${server.url}/some/page`),
      cache.rulesFor(other.url),
      cache.rulesFor(other.url),
    ]);
    expect(server.hits.get('/robots.txt')).toBe(1);
    expect(other.hits.get('/robots.txt')).toBe(1);
    expect(new Set(all).size).toBe(2);
    expect(cache.size).toBe(2);
    const rules = cache.peek(server.url);
    expect(rules).toBe(all[0]);
    expect(cache.peek(`${server.url}/`)).toBe(rules);
    expect(rules?.isAllowed(`${server.url}/no/x`)).toBe(false);
    expect(cache.peek(other.url)?.source).toBe('none');
    // Later calls are answered from the cache.
    expect(await cache.rulesFor(server.url)).toBe(rules);
    expect(server.hits.get('/robots.txt')).toBe(1);
  });

  it('can be peeked into as soon as a caller hears back', async () => {
    const server = await serve({ '/robots.txt': text('User-agent: *\nDisallow: /') });
    const cache = new RobotsCache(DEFAULT_USER_AGENT, getter());
    const peeked = await cache.rulesFor(server.url).then(() => cache.peek(server.url));
    expect(peeked?.isAllowed(`${server.url}/`)).toBe(false);
    await expect(cache.rulesFor('mailto:someone@127.0.0.1')).rejects.toThrow(/http\(s\) origin/);
    expect(cache.peek('not a url')).toBeUndefined();
  });
});

describe('parseSitemapXml', () => {
  it('reads a urlset, skipping extension locs and decoding entities and CDATA', () => {
    const parsed = parseSitemapXml(`<?xml version="1.0" encoding="UTF-8"?>
      <!-- a comment first -->
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
              xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
        <url>
          <loc>
            https://127.0.0.1/a?x=1&amp;y=2
          </loc>
          <lastmod>2024-01-01</lastmod>
          <image:image><image:loc>https://127.0.0.1/pic.jpg</image:loc></image:image>
        </url>
        <url><loc><![CDATA[https://127.0.0.1/b]]></loc></url>
        <url><loc>   </loc></url>
        <url><loc>/relative</loc></url>
      </urlset>`);
    expect(parsed).toEqual({
      kind: 'urlset',
      locs: ['https://127.0.0.1/a?x=1&y=2', 'https://127.0.0.1/b', '/relative'],
    });
  });

  it('reads a prefixed sitemap index and refuses what is not a sitemap', () => {
    expect(
      parseSitemapXml(
        '<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">' +
          '<sm:sitemap><sm:loc>http://127.0.0.1/1.xml</sm:loc></sm:sitemap>' +
          '<sm:sitemap><sm:loc>http://127.0.0.1/2.xml.gz</sm:loc></sm:sitemap>' +
          '</sm:sitemapindex>',
      ),
    ).toEqual({ kind: 'index', locs: ['http://127.0.0.1/1.xml', 'http://127.0.0.1/2.xml.gz'] });
    expect(parseSitemapXml('<html><body><a href="/x">x</a></body></html>')).toEqual({
      kind: 'unknown',
      locs: [],
    });
    expect(parseSitemapXml('')).toEqual({ kind: 'unknown', locs: [] });
    expect(parseSitemapXml('not xml at all <<<')).toEqual({ kind: 'unknown', locs: [] });
  });
});

function urlset(...locs: string[]): string {
  const entries = locs.map((loc) => `<url><loc>${loc}</loc></url>`).join('');
  return `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries}</urlset>`;
}

function sitemapIndex(...locs: string[]): string {
  const entries = locs.map((loc) => `<sitemap><loc>${loc}</loc></sitemap>`).join('');
  return `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries}</sitemapindex>`;
}

async function collect(
  roots: readonly string[],
  get: (url: string) => Promise<FetchedResource> = getter(),
  limits?: SitemapLimits,
): Promise<SitemapEntry[]> {
  const entries: SitemapEntry[] = [];
  for await (const entry of readSitemaps(roots, get, limits)) entries.push(entry);
  return entries;
}

describe('readSitemaps', () => {
  it('yields the absolute http(s) URLs of a urlset, in order', async () => {
    const server = await serve({
      '/sitemap.xml': xml(
        urlset('http://127.0.0.1/a', '/relative', 'mailto:x@127.0.0.1', 'https://127.0.0.1/b'),
      ),
    });
    const sitemap = `${server.url}/sitemap.xml`;
    expect(await collect([sitemap])).toEqual([
      { kind: 'url', url: 'http://127.0.0.1/a', sitemap },
      { kind: 'url', url: 'https://127.0.0.1/b', sitemap },
    ]);
  });

  it('follows an index to plain and gzipped children', async () => {
    const server = await serve({
      '/index.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          sitemapIndex(
            `${server.url}/plain.xml`,
            `${server.url}/file.xml.gz`,
            `${server.url}/encoded.xml`,
            `${server.url}/octets.xml.gz`,
          ),
        );
      },
      '/plain.xml': xml(urlset('http://127.0.0.1/p1', 'http://127.0.0.1/p2')),
      // A .xml.gz file as servers send it: gzip bytes, no Content-Encoding.
      '/file.xml.gz': send(200, 'application/gzip', gzipSync(urlset('http://127.0.0.1/g1'))),
      '/encoded.xml': send(200, 'application/xml', gzipSync(urlset('http://127.0.0.1/e1')), {
        'content-encoding': 'gzip',
      }),
      '/octets.xml.gz': send(200, 'application/octet-stream', gzipSync(urlset('http://127.0.0.1/o1'))),
    });
    const entries = await collect([`${server.url}/index.xml`]);
    expect(entries.map((entry) => (entry.kind === 'url' ? [entry.url, entry.sitemap] : entry))).toEqual([
      ['http://127.0.0.1/p1', `${server.url}/plain.xml`],
      ['http://127.0.0.1/p2', `${server.url}/plain.xml`],
      ['http://127.0.0.1/g1', `${server.url}/file.xml.gz`],
      ['http://127.0.0.1/e1', `${server.url}/encoded.xml`],
      ['http://127.0.0.1/o1', `${server.url}/octets.xml.gz`],
    ]);
  });

  it('reports a failed, missing or broken sitemap once and reads the others', async () => {
    const server = await serve({
      '/index.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          sitemapIndex(
            `${server.url}/missing.xml`,
            `${server.url}/broken.xml`,
            `${server.url}/bad.xml.gz`,
            `${server.url}/good.xml`,
            `${server.url}/failing.xml`,
          ),
        );
      },
      '/broken.xml': send(200, 'text/html', '<html><body>Oops, not a sitemap</body></html>'),
      '/bad.xml.gz': send(200, 'application/gzip', gzipSync(urlset('http://127.0.0.1/lost')).subarray(0, 20)),
      '/good.xml': xml(urlset('http://127.0.0.1/good')),
      '/failing.xml': send(500, 'text/plain', 'down'),
    });
    const entries = await collect([`${server.url}/index.xml`, 'not a url'], getter(options({ retries: 0 })));
    expect(entries).toEqual([
      { kind: 'error', sitemap: 'not a url', message: 'Sitemap "not a url": not an absolute http(s) URL' },
      {
        kind: 'error',
        sitemap: `${server.url}/missing.xml`,
        message: `Sitemap ${server.url}/missing.xml: HTTP_4XX: HTTP 404 from 127.0.0.1:${server.port}`,
      },
      {
        kind: 'error',
        sitemap: `${server.url}/broken.xml`,
        message: `Sitemap ${server.url}/broken.xml: not a sitemap (no <urlset> or <sitemapindex> root element)`,
      },
      {
        kind: 'error',
        sitemap: `${server.url}/bad.xml.gz`,
        message: expect.stringMatching(
          /^Sitemap http:\/\/127\.0\.0\.1:\d+\/bad\.xml\.gz: is not valid gzip \(.+\)$/,
        ),
      },
      { kind: 'url', url: 'http://127.0.0.1/good', sitemap: `${server.url}/good.xml` },
      {
        kind: 'error',
        sitemap: `${server.url}/failing.xml`,
        message: `Sitemap ${server.url}/failing.xml: HTTP_5XX: HTTP 500 from 127.0.0.1:${server.port}`,
      },
    ]);
  });

  it('fetches each sitemap once, so a cycle of indexes ends', async () => {
    const server = await serve({
      '/a.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(sitemapIndex(`${server.url}/b.xml`, `${server.url}/a.xml`, `${server.url}/pages.xml`));
      },
      '/b.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(sitemapIndex(`${server.url}/a.xml`, `${server.url}/pages.xml`, `${server.url}/nested.xml`));
      },
      '/pages.xml': xml(urlset('http://127.0.0.1/1', 'http://127.0.0.1/2')),
      '/nested.xml': xml(urlset('http://127.0.0.1/3')),
    });
    const entries = await collect([`${server.url}/a.xml`, `${server.url}/a.xml`]);
    expect(entries.map((entry) => (entry.kind === 'url' ? entry.url : entry.message))).toEqual([
      'http://127.0.0.1/1',
      'http://127.0.0.1/2',
      'http://127.0.0.1/3',
    ]);
    expect(Object.fromEntries(server.hits)).toEqual({
      '/a.xml': 1,
      '/b.xml': 1,
      '/pages.xml': 1,
      '/nested.xml': 1,
    });
  });

  it('fetches at most maxSitemaps and says how many were left', async () => {
    const children = ['/1.xml', '/2.xml', '/3.xml', '/4.xml', '/5.xml'];
    const routes: Record<string, Route> = {
      '/index.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(sitemapIndex(...children.map((child) => `${server.url}${child}`)));
      },
    };
    for (const child of children) routes[child] = xml(urlset(`http://127.0.0.1${child}`));
    const server = await serve(routes);
    const entries = await collect([`${server.url}/index.xml`], getter(), { maxSitemaps: 3 });
    expect(entries).toEqual([
      { kind: 'url', url: 'http://127.0.0.1/1.xml', sitemap: `${server.url}/1.xml` },
      { kind: 'url', url: 'http://127.0.0.1/2.xml', sitemap: `${server.url}/2.xml` },
      {
        kind: 'error',
        sitemap: `${server.url}/3.xml`,
        message: `Sitemap ${server.url}/3.xml and 2 more not read: the limit of 3 sitemaps was reached`,
      },
    ]);
    expect([...server.hits.keys()]).toEqual(['/index.xml', '/1.xml', '/2.xml']);
    await expect(collect([`${server.url}/1.xml`], getter(), { maxSitemaps: 0 })).rejects.toThrow(
      'Expected `maxSitemaps` to be an integer >= 1, got `0` (number)',
    );
  });

  it('stops inflating a gzip bomb at maxBytes and reads the other sitemaps', async () => {
    // 50 MB of zeros is about 50 KB of gzip.
    const bomb = gzipSync(Buffer.alloc(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    const server = await serve({
      '/index.xml': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          sitemapIndex(`${server.url}/bomb.xml.gz`, `${server.url}/encoded-bomb.xml`, `${server.url}/ok.xml`),
        );
      },
      '/bomb.xml.gz': send(200, 'application/gzip', bomb),
      '/encoded-bomb.xml': send(200, 'application/xml', bomb, { 'content-encoding': 'gzip' }),
      '/ok.xml': xml(urlset('http://127.0.0.1/ok')),
    });
    const entries = await collect(
      [`${server.url}/index.xml`],
      getter(options({ maxBytes: 2 * 1024 * 1024 })),
      {
        maxBytes: 1024 * 1024,
      },
    );
    expect(entries).toEqual([
      {
        kind: 'error',
        sitemap: `${server.url}/bomb.xml.gz`,
        message: `Sitemap ${server.url}/bomb.xml.gz: gunzips to more than 1048576 bytes`,
      },
      {
        kind: 'error',
        sitemap: `${server.url}/encoded-bomb.xml`,
        message: `Sitemap ${server.url}/encoded-bomb.xml: BODY_TOO_LARGE: Body of 127.0.0.1:${server.port} is larger than 2097152 bytes`,
      },
      { kind: 'url', url: 'http://127.0.0.1/ok', sitemap: `${server.url}/ok.xml` },
    ]);
  });

  it('applies maxBytes to a plain sitemap too', async () => {
    const server = await serve({
      '/big.xml': xml(urlset(...Array.from({ length: 100 }, (_, i) => `http://127.0.0.1/${i}`))),
    });
    const entries = await collect([`${server.url}/big.xml`], getter(), { maxBytes: 1_000 });
    expect(entries).toEqual([
      {
        kind: 'error',
        sitemap: `${server.url}/big.xml`,
        message: `Sitemap ${server.url}/big.xml: is larger than 1000 bytes`,
      },
    ]);
  });

  it('reads lazily: nothing is fetched before it is asked for', async () => {
    const server = await serve({
      '/1.xml': xml(urlset('http://127.0.0.1/a', 'http://127.0.0.1/b')),
      '/2.xml': xml(urlset('http://127.0.0.1/c')),
    });
    const iterator = readSitemaps([`${server.url}/1.xml`, `${server.url}/2.xml`], getter());
    expect(server.hits.size).toBe(0);
    const first = await iterator.next();
    expect(first.value).toEqual({ kind: 'url', url: 'http://127.0.0.1/a', sitemap: `${server.url}/1.xml` });
    await iterator.return(undefined);
    expect(Object.fromEntries(server.hits)).toEqual({ '/1.xml': 1 });
  });
});
