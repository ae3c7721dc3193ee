import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrawlOptions, LinkSite, PageRecord, StrategyName } from '../dist/index.js';
import { crawl, normalizeUrl, scopeKey, STRATEGY_NAMES, startLinkSite } from '../dist/index.js';
import { collect } from './helpers/crawl.js';

// Every test gets sites of its own (this one, and `slow` and `busy` below) rather than a shared one
// cleared by hand: what a test reads from a request log is then its own crawl's requests only,
// whichever tests ran before it and whatever of theirs was still on its way. A site (three loopback
// listeners) takes well under a millisecond to open and close.
let site: LinkSite;

beforeEach(async () => {
  site = await startLinkSite();
});

afterEach(async () => {
  await site.close();
});

/** `A/x`, `A2/x`, `B/x` for the site's three origins. */
function short(url: string): string {
  return url.replace(site.a2, 'A2').replace(site.a, 'A').replace(site.b, 'B');
}

function fetched(records: readonly PageRecord[]): string[] {
  return records
    .filter((r) => r.error?.code !== 'ROBOTS_DISALLOWED')
    .map((r) => short(r.url))
    .sort();
}

function disallowed(records: readonly PageRecord[]): string[] {
  return records
    .filter((r) => r.error?.code === 'ROBOTS_DISALLOWED')
    .map((r) => short(r.url))
    .sort();
}

/** Paths the site was asked for on an origin, robots.txt and sitemaps left out. */
function requestedPages(origin: 'a' | 'a2' | 'b'): string[] {
  return site
    .log()
    .filter((r) => r.origin === origin && r.path !== '/robots.txt' && !r.path.startsWith('/sitemap'))
    .map((r) => r.path);
}

interface Case {
  readonly name: string;
  readonly options: CrawlOptions;
  readonly fetched: string[];
  readonly disallowed: string[];
}

// The site's graph is in bench/link-site.ts. Each set below was worked out by hand from it.
const A1 = ['A/', 'A/a', 'A/b', 'A/b?ref=1'];
const A2 = [...A1, 'A/a/1', 'A/b/1'];
const A_ALL = [...A2, 'A/a/2', 'A/a/3'];
const CASES: Case[] = [
  { name: 'depth 0', options: { depth: 0 }, fetched: ['A/'], disallowed: [] },
  { name: 'depth 1, same-origin', options: { depth: 1 }, fetched: A1, disallowed: ['A/private/secret'] },
  { name: 'depth 2, same-origin', options: { depth: 2 }, fetched: A2, disallowed: ['A/private/secret'] },
  {
    name: 'depth 9, same-origin (cycles end it)',
    options: { depth: 9 },
    fetched: A_ALL,
    disallowed: ['A/private/other', 'A/private/secret'],
  },
  {
    name: 'depth 2, same-host (the other port of 127.0.0.2)',
    options: { depth: 2, scope: 'same-host' },
    fetched: [...A2, 'A2/', 'A2/x'],
    disallowed: ['A/private/secret'],
  },
  {
    name: 'depth 1, same-domain (an IP address is its own domain)',
    options: { depth: 1, scope: 'same-domain' },
    fetched: [...A1, 'A2/'],
    disallowed: ['A/private/secret'],
  },
  {
    name: 'depth 2, any',
    options: { depth: 2, scope: 'any' },
    fetched: [...A2, 'A2/', 'A2/x', 'B/', 'B/b1', 'B/b2'],
    disallowed: ['A/private/secret'],
  },
  {
    name: 'depth 9, any',
    options: { depth: 9, scope: 'any' },
    fetched: [...A_ALL, 'A2/', 'A2/x', 'B/', 'B/b-only', 'B/b1', 'B/b2'],
    disallowed: ['A/private/other', 'A/private/secret'],
  },
  {
    name: 'depth 2, strip-query',
    options: { depth: 2, stripQuery: true },
    fetched: A2.filter((u) => u !== 'A/b?ref=1'),
    disallowed: ['A/private/secret'],
  },
  {
    name: 'depth 9, exclude /b',
    options: { depth: 9, exclude: '/b' },
    fetched: ['A/', 'A/a', 'A/a/1', 'A/a/2', 'A/a/3'],
    disallowed: ['A/private/other', 'A/private/secret'],
  },
  {
    name: 'depth 9, include /a',
    options: { depth: 9, include: String.raw`/a(/|$)` },
    fetched: ['A/', 'A/a', 'A/a/1', 'A/a/2', 'A/a/3'],
    disallowed: [],
  },
  {
    name: 'depth 1, robots ignored',
    options: { depth: 1, ignoreRobots: true },
    fetched: [...A1, 'A/private/secret'],
    disallowed: [],
  },
];

describe.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))('following links with %s', (strategy) => {
  it.each(CASES.map((c) => [c.name, c] as [string, Case]))(
    '%s: exactly the expected pages, robots-disallowed ones recorded and never fetched',
    async (_name, c) => {
      const run = await collect([`${site.a}/`], { strategy, concurrency: 3, ...c.options });
      expect(run.summary.state).toBe('completed');
      expect(fetched(run.records)).toEqual([...c.fetched].sort());
      expect(disallowed(run.records)).toEqual([...c.disallowed].sort());
      // One record per line, and every fetched page was asked for exactly once.
      expect(new Set(run.records.map((r) => r.line)).size).toBe(run.records.length);
      const pages = [...requestedPages('a'), ...requestedPages('a2'), ...requestedPages('b')];
      expect(pages).toHaveLength(c.fetched.length);
      if (c.options.ignoreRobots !== true) {
        expect(pages.some((p) => p.startsWith('/private/'))).toBe(false);
        // robots.txt: once per origin crawled, however many pages of it went out at once.
        for (const origin of ['a', 'a2', 'b'] as const) {
          const asked = site.log().filter((r) => r.origin === origin && r.path === '/robots.txt').length;
          expect(asked).toBe(requestedPages(origin).length > 0 ? 1 : 0);
        }
      } else {
        expect(site.log().some((r) => r.path === '/robots.txt')).toBe(false);
      }
      expect(run.summary.frontier?.requested).toBe(c.fetched.length);
      expect(run.summary.frontier?.skipped.robots).toBe(c.disallowed.length);
    },
  );
});

describe('records of a link-following crawl', () => {
  it('carry depth and referrer; a page is reached at its shortest depth', async () => {
    const run = await collect([`${site.a}/`], { depth: 9, scope: 'any' });
    const byUrl = new Map(run.records.map((r) => [short(r.url), r]));
    expect(byUrl.get('A/')).toMatchObject({ depth: 0, referrer: null, line: 1 });
    expect(byUrl.get('A/a')).toMatchObject({ depth: 1, referrer: `${site.a}/` });
    expect(byUrl.get('A/a/3')).toMatchObject({ depth: 4, referrer: `${site.a}/a/2` });
    // B/b2 is linked from B/ (depth 1) and from B/b1 (depth 2): its depth is 2, its referrer B/.
    expect(byUrl.get('B/b2')).toMatchObject({ depth: 2, referrer: `${site.b}/` });
    // Discovered pages are numbered after the list's lines.
    expect(Math.min(...run.records.filter((r) => r.depth > 0).map((r) => r.line))).toBe(2);
  });

  it('counts what it skipped, by reason', async () => {
    const run = await collect([`${site.a}/`], { depth: 1 });
    expect(run.summary.frontier).toMatchObject({
      requested: 4,
      queued: 0,
      depthReached: 1,
      // A/ links A2/ and B/ (out of scope), A/a#top and A/c/../a (A/a again), A/b?ref=1 → A/b; the
      // depth-1 pages link back to A/, A/a and A/b, and on to A/a/1 and A/b/1 (beyond depth 1).
      skipped: { outOfScope: 2, robots: 1, depth: 2, excluded: 0, maxPages: 0, queueFull: 0 },
    });
    expect(run.summary.frontier?.skipped.duplicate).toBeGreaterThanOrEqual(4);
  });

  it.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))(
    '%s: stops at exactly --max-pages requests, every started page recorded',
    async (strategy) => {
      const run = await collect([`${site.a}/`], {
        depth: 9,
        scope: 'any',
        maxPages: 7,
        strategy,
        concurrency: 2,
      });
      const pages = run.records.filter((r) => r.error === null);
      expect(pages).toHaveLength(7);
      expect(run.summary.frontier?.requested).toBe(7);
      expect(run.summary.frontier?.skipped.maxPages).toBeGreaterThan(0);
      expect(run.summary.state).toBe('completed');
      const requested = [...requestedPages('a'), ...requestedPages('a2'), ...requestedPages('b')];
      expect(requested).toHaveLength(7);
    },
  );

  it('a stop signal ends the hand-out: pages in flight are recorded, nothing else is requested', async () => {
    const slow = await startLinkSite({ latencyMs: 40, wide: 30 });
    try {
      const stop = new AbortController();
      const records: PageRecord[] = [];
      const summary = await crawl(
        [`${slow.a}/wide`],
        { depth: 1, signal: stop.signal, ignoreRobots: true },
        (r) => {
          records.push(r);
          if (records.length === 5) stop.abort();
        },
      );
      expect(summary.state).toBe('interrupted');
      expect(records.length).toBeGreaterThanOrEqual(5);
      expect(records.length).toBeLessThan(31);
      // Every request the site saw has its record, and each line appears once.
      expect(slow.log()).toHaveLength(records.length);
      expect(summary.frontier?.requested).toBe(records.length);
      expect(new Set(records.map((r) => r.line)).size).toBe(records.length);
    } finally {
      await slow.close();
    }
  });

  it('keeps the queue under --max-queue, counting what it dropped', async () => {
    const run = await collect([`${site.a}/wide`], { depth: 1, maxQueue: 5, ignoreRobots: true });
    expect(fetched(run.records)).toHaveLength(1 + 5);
    expect(run.summary.frontier?.skipped.queueFull).toBe(15);
  });

  it('a seed list: invalid lines recorded, repeats after normalization counted', async () => {
    const run = await collect(
      ['not a url', `${site.a}/a`, `${site.a}/c/../a#x`, `${site.a.toUpperCase().replace('HTTP', 'http')}/b`],
      { depth: 0 },
    );
    expect(run.records.map((r) => [r.line, short(r.url), r.error?.code ?? r.status])).toEqual(
      expect.arrayContaining([
        [1, 'not a url', 'INVALID_URL'],
        [2, 'A/a', 200],
        [4, 'A/b', 200],
      ]),
    );
    expect(run.records).toHaveLength(3);
    expect(run.summary.duplicates).toBe(1);
  });
});

describe('sitemaps', () => {
  it('--sitemap seeds the frontier from an index with a gzipped child', async () => {
    const run = await collect([`${site.a}/`], { sitemaps: [`${site.a}/sitemap-index.xml`] });
    expect(fetched(run.records)).toEqual(['A/', 'A/a', 'A/orphan-1', 'A/orphan-2']);
    expect(disallowed(run.records)).toEqual(['A/private/in-sitemap']);
    expect(run.summary.frontier?.sitemapUrls).toBe(4);
    expect(run.summary.frontier?.sitemapErrors).toEqual([]);
    const sitemapPaths = site
      .log()
      .filter((r) => r.path.startsWith('/sitemap'))
      .map((r) => r.path);
    expect(sitemapPaths.sort()).toEqual(['/sitemap-index.xml', '/sitemap-more.xml.gz', '/sitemap-pages.xml']);
    const orphan = run.records.find((r) => short(r.url) === 'A/orphan-1');
    expect(orphan).toMatchObject({ depth: 0, referrer: `${site.a}/sitemap-pages.xml` });
  });

  it('--use-sitemaps reads the Sitemap: lines of robots.txt, and links of sitemap pages are followed', async () => {
    const run = await collect([`${site.a}/`], { useSitemaps: true, depth: 1 });
    // A/a is in the sitemap, so it is a depth-0 page and its link A/a/1 is at depth 1.
    expect(fetched(run.records)).toEqual(
      [...A1, 'A/a/1', 'A/orphan-1', 'A/orphan-2', 'A/orphan-deep'].sort(),
    );
    expect(disallowed(run.records)).toEqual(['A/private/in-sitemap', 'A/private/secret']);
  });

  it('a sitemap that fails is reported, and the crawl goes on', async () => {
    const run = await collect([`${site.a}/`], { sitemaps: [`${site.a}/sitemap-missing.xml`] });
    expect(fetched(run.records)).toEqual(['A/']);
    expect(run.summary.frontier?.sitemapErrors).toHaveLength(1);
    expect(run.summary.frontier?.sitemapErrors[0]).toContain('sitemap-missing.xml');
  });
});

describe('URL normalization and scope keys', () => {
  it.each([
    ['HTTP://Example.COM:80/a/./b/../c#frag', false, 'http://example.com/a/c'],
    ['https://example.com:443/?', false, 'https://example.com/'],
    ['https://example.com:8443/x?b=2&a=1', false, 'https://example.com:8443/x?b=2&a=1'],
    ['https://example.com/x?b=2&a=1#f', true, 'https://example.com/x'],
    ['https://example.com/%7Euser/a%20b', false, 'https://example.com/%7Euser/a%20b'],
    ['mailto:a@example.com', false, null],
    ['not a url', false, null],
  ])('%s (strip query: %s) → %s', (input, strip, expected) => {
    expect(normalizeUrl(input, strip)).toBe(expected);
  });

  it('tells origins, hosts and registrable domains apart', () => {
    const a = new URL('https://a.site.test:8443/x');
    const b = new URL('http://b.site.test/y');
    expect(scopeKey(a, 'same-origin')).not.toBe(scopeKey(new URL('http://a.site.test/'), 'same-origin'));
    expect(scopeKey(a, 'same-host')).toBe(scopeKey(new URL('http://a.site.test/'), 'same-host'));
    expect(scopeKey(a, 'same-host')).not.toBe(scopeKey(b, 'same-host'));
    expect(scopeKey(a, 'same-domain')).toBe(scopeKey(b, 'same-domain'));
    expect(scopeKey(new URL('https://www.example.co.uk/'), 'same-domain')).toBe('example.co.uk');
    // A private suffix (github.io) makes each user's site a domain of its own.
    expect(scopeKey(new URL('https://alice.github.io/'), 'same-domain')).not.toBe(
      scopeKey(new URL('https://bob.github.io/'), 'same-domain'),
    );
  });

  it('rejects bad link-following options with clear messages', async () => {
    await expect(collect([], { depth: -1 })).rejects.toThrow(/depth/);
    await expect(collect([], { depth: 1, include: '(' })).rejects.toThrow(/include.*regular expression/);
    await expect(collect([], { depth: 1, parse: false })).rejects.toThrow(/parse/);
    await expect(collect([], { scope: 'same-host' })).rejects.toThrow(/link-following/);
    await expect(collect([], { depth: 1, scope: 'nearby' as 'any' })).rejects.toThrow(/scope/);
    await expect(collect([], { sitemaps: ['ftp://x/'] })).rejects.toThrow(/sitemaps/);
  });
});

/** Gaps between one request to a host ending and the next one starting, in ms. */
function gaps(on: LinkSite, host: string): number[] {
  const requests = on.log().filter((r) => r.host === host && r.path !== '/robots.txt');
  const out: number[] = [];
  for (let i = 1; i < requests.length; i++) {
    out.push(requests[i]!.startMs - (requests[i - 1]!.endMs ?? Number.POSITIVE_INFINITY));
  }
  return out;
}

describe('politeness, enforced where tasks are dispatched', () => {
  let slow: LinkSite;
  beforeEach(async () => {
    slow = await startLinkSite({ latencyMs: 25, wide: 16, crawlDelayB: 0.06 });
  });
  afterEach(async () => {
    await slow.close();
  });

  it.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))(
    '%s: never more requests in flight per host than --per-host-concurrency',
    async (strategy) => {
      const run = await collect([`${slow.a}/wide`, `${slow.a2}/wide`], {
        strategy,
        concurrency: strategy === 'async' ? 16 : 4,
        depth: 1,
        perHostConcurrency: 2,
      });
      // a and a2 share the host 127.0.0.2: 2 seeds and 32 pages, never more than 2 at once.
      expect(fetched(run.records)).toHaveLength(34);
      expect(slow.peakConcurrency('127.0.0.2')).toBeLessThanOrEqual(2);
      // ...and the limit is what held it: with 4+ workers free, 2 were in flight (serial has one).
      expect(slow.peakConcurrency('127.0.0.2')).toBe(strategy === 'serial' ? 1 : 2);
    },
  );

  it.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))(
    '%s: --per-host-delay spaces the requests to a host; other hosts go on meanwhile',
    async (strategy) => {
      const run = await collect([`${slow.a}/wide`, `${slow.b}/`], {
        strategy,
        concurrency: 4,
        depth: 1,
        perHostDelayMs: 40,
        perHostConcurrency: 4,
        scope: 'same-origin',
      });
      expect(run.summary.state).toBe('completed');
      const a = gaps(slow, '127.0.0.2');
      // A/wide, its 16 pages and A/ (linked from B/; in scope, as a seed's origin): 18 requests.
      expect(a.length).toBe(17);
      expect(Math.min(...a)).toBeGreaterThanOrEqual(40);
      // b (its robots.txt asks for 60 ms) was crawled while a waited: their requests interleave.
      const order = slow
        .log()
        .filter((r) => r.path !== '/robots.txt')
        .map((r) => r.host);
      const firstB = order.indexOf('127.0.0.3');
      expect(firstB).toBeGreaterThan(-1);
      expect(firstB).toBeLessThan(order.lastIndexOf('127.0.0.2'));
      expect(Math.min(...gaps(slow, '127.0.0.3'))).toBeGreaterThanOrEqual(60);
    },
  );

  it('Crawl-delay of robots.txt is obeyed, and ignored with --ignore-robots', async () => {
    await collect([`${slow.b}/`], { depth: 2, strategy: 'async' });
    expect(gaps(slow, '127.0.0.3')).toHaveLength(2);
    expect(Math.min(...gaps(slow, '127.0.0.3'))).toBeGreaterThanOrEqual(60);
    slow.clearLog();
    await collect([`${slow.b}/`], { depth: 2, strategy: 'async', ignoreRobots: true });
    expect(Math.min(...gaps(slow, '127.0.0.3'))).toBeLessThan(60);
  });
});

describe('a 429 or 503 with Retry-After', () => {
  let busy: LinkSite;
  beforeEach(async () => {
    busy = await startLinkSite({ latencyMs: 15, wide: 20, retryAfterS: 1 });
  });
  afterEach(async () => {
    await busy.close();
  });

  it('at --max-pages, a page sent back still gets its retry; new pages do not go out', async () => {
    const run = await collect([`${busy.b}/limited`], {
      depth: 1,
      maxPages: 3,
      concurrency: 2,
      ignoreRobots: true,
    });
    expect(run.records).toHaveLength(3);
    expect(run.records.every((r) => r.status === 200 && r.error === null)).toBe(true);
    expect(run.records.filter((r) => r.attempts === 2)).toHaveLength(2);
    expect(run.summary.frontier).toMatchObject({ requested: 3, hostRetries: 2 });
    expect(run.summary.frontier?.skipped.maxPages).toBe(2);
  });

  it('a stop while pages are sent back: every page handed out is recorded once', async () => {
    const stop = new AbortController();
    const records: PageRecord[] = [];
    const summary = await crawl(
      [`${busy.b}/limited`],
      { depth: 1, concurrency: 2, ignoreRobots: true, signal: stop.signal },
      (r) => {
        records.push(r);
        if (records.length === 1) setTimeout(() => stop.abort(), 30);
      },
    );
    expect(summary.state).toBe('interrupted');
    expect(records).toHaveLength(summary.frontier?.requested ?? -1);
    expect(new Set(records.map((r) => r.line)).size).toBe(records.length);
    // The pages refused before the stop end as what they are: a 503 with its Retry-After.
    const refused = records.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.error?.code === 'HTTP_5XX')).toBe(true);
  });

  it.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))(
    '%s: holds back that host, not the crawl; each page asked again once, recorded once',
    async (strategy) => {
      const run = await collect([`${busy.b}/limited`, `${busy.a}/wide`], {
        strategy,
        concurrency: 2,
        depth: 1,
        scope: 'any',
        ignoreRobots: true,
      });
      const limited = run.records.filter((r) => r.url.includes('/limited/'));
      expect(limited).toHaveLength(4);
      for (const r of limited) expect(r).toMatchObject({ status: 200, attempts: 2, error: null });
      expect(new Set(run.records.map((r) => r.line)).size).toBe(run.records.length);
      expect(run.summary.frontier).toMatchObject({ requested: 2 + 4 + 20, hostRetries: 4 });

      const log = busy.log();
      const refusals = log.filter((r) => r.status === 503);
      expect(refusals).toHaveLength(4);
      for (const refusal of refusals) {
        const end = refusal.endMs!;
        // No new request to b starts within Retry-After of a refusal (one already on its way when the
        // refusal came, refused too, is no new request)...
        const tooSoon = log.filter(
          (r) => r.host === '127.0.0.3' && r.status !== 503 && r.startMs > end && r.startMs < end + 1000,
        );
        expect(tooSoon).toEqual([]);
      }
      // ...while a, on another host, is crawled meanwhile (serial too: nothing waits in the task).
      const first = Math.min(...refusals.map((r) => r.endMs!));
      const meanwhile = log.filter(
        (r) => r.host === '127.0.0.2' && r.startMs > first && r.startMs < first + 1000,
      );
      expect(meanwhile.length).toBeGreaterThan(0);
    },
  );
});
