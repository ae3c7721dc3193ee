import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrawlOptions, CrawlSummary, PageRecord, StrategyName } from '../dist/index.js';
import { crawl, createCrawlPool, STRATEGY_NAMES } from '../dist/index.js';
import { collect } from './helpers/crawl.js';
import {
  distributed,
  redisTests,
  startWorker,
  stopWorker,
  uniqueRunId,
  type WorkerProcess,
} from './helpers/distributed.js';
import { HOSTILE_TEXT, type LinkCheckSite, startLinkCheckSite } from './helpers/link-check-site.js';

// Every test gets a site of its own, so what a test reads from the request log is its own crawl's.
let site: LinkCheckSite;

beforeEach(async () => {
  site = await startLinkCheckSite();
});

afterEach(async () => {
  await site.close();
});

/** `S/x`, `E/x`, `D/x` for the site, the other site and the dead host. */
function short(url: string | null | undefined): string {
  return (url ?? '').replace(site.site, 'S').replace(site.ext, 'E').replace(site.dead, 'D');
}

// Retries would only slow the dead host down; what is tested is the verdict.
const CHECK: CrawlOptions = { checkLinks: true, depth: 3, retries: 0, concurrency: 4 };

async function check(
  options: CrawlOptions = {},
): Promise<{ summary: CrawlSummary; byUrl: Map<string, PageRecord>; records: PageRecord[] }> {
  const run = await collect([`${site.site}/`], { ...CHECK, ...options });
  const byUrl = new Map(run.records.map((r) => [short(r.url), r]));
  return { summary: run.summary, byUrl, records: run.records };
}

function brokenUrls(summary: CrawlSummary): string[] {
  return summary.linkCheck!.findings.broken.map((b) => short(b.url)).sort();
}

function referrersOf(summary: CrawlSummary, url: string): Array<[string, string | null]> {
  const broken = summary.linkCheck!.findings.broken.find((b) => short(b.url) === url);
  return (broken?.referrers.pages ?? []).map((r) => [short(r.url), r.text] as [string, string | null]).sort();
}

describe('checkLinks', () => {
  it('a broken internal link from two pages lists both, each with its link text', async () => {
    const { summary, byUrl } = await check();
    expect(byUrl.get('S/missing')).toMatchObject({
      status: 404,
      error: { code: 'HTTP_4XX' },
      check: { kind: 'page', outcome: 'broken', method: 'GET', cache: null },
    });
    expect(referrersOf(summary, 'S/missing')).toEqual([
      ['S/', 'Missing page'],
      ['S/about', 'Broken again'],
    ]);
    // A page reached through a redirect (S/moved is S/about) is not a second referrer.
    const broken = summary.linkCheck!.findings.broken.find((b) => short(b.url) === 'S/missing');
    expect(broken?.referrers).toMatchObject({ more: 0 });
    expect(broken?.referrers.pages.map((p) => p.title).sort()).toEqual(['About', 'Home']);
  });

  it('a broken external link is reported; the other site is not crawled: one HEAD per link, no robots.txt', async () => {
    const { summary, byUrl } = await check();
    expect(byUrl.get('E/gone')).toMatchObject({
      status: 404,
      parse: null,
      bytes: 0,
      check: { kind: 'link', outcome: 'broken', method: 'HEAD' },
    });
    expect(referrersOf(summary, 'E/gone')).toEqual([['S/', 'Gone partner']]);
    const ext = site.requests('ext');
    expect(ext.filter((r) => r.endsWith(' /gone'))).toEqual(['HEAD /gone']);
    expect(ext.filter((r) => r.endsWith(' /page'))).toEqual(['HEAD /page']);
    // Nothing a crawl would do: no robots.txt, no link of its pages (E/page and E/elsewhere link /deep).
    expect(ext.some((r) => r.includes('/robots.txt') || r.includes('/deep'))).toBe(false);
    // E/elsewhere is the target of a redirect from one of our pages (S/off-site): fetched by it, not followed.
    expect(ext.sort()).toEqual(
      [
        'GET /elsewhere',
        'GET /head-405',
        'HEAD /away',
        'HEAD /gone',
        'HEAD /head-405',
        'HEAD /moved-here',
        'HEAD /ok',
        'HEAD /page',
      ].sort(),
    );
  });

  it('a dead host gives CONN_REFUSED', async () => {
    const { summary, byUrl } = await check();
    expect(byUrl.get('D/')).toMatchObject({
      status: null,
      error: { code: 'CONN_REFUSED' },
      check: { kind: 'link', outcome: 'broken' },
    });
    expect(summary.linkCheck!.totals.brokenByCode.CONN_REFUSED).toBe(1);
  });

  it("a dead host in scope is its network error, not robots.txt's disallow-all (which plain crawling keeps)", async () => {
    const seed = `${site.dead}/start`;
    const checked = await collect([seed], { checkLinks: true, retries: 0 });
    expect(checked.records).toHaveLength(1);
    expect(checked.records[0]).toMatchObject({
      error: { code: 'CONN_REFUSED' },
      check: { kind: 'link', outcome: 'broken' },
    });
    const crawled = await collect([seed], { depth: 0, retries: 0 });
    expect(crawled.records[0]?.error?.code).toBe('ROBOTS_DISALLOWED');
    expect(crawled.records[0]).not.toHaveProperty('check');
  });

  it('a PDF is not broken: NOT_HTML for the crawl, ok for the check', async () => {
    const { byUrl, summary } = await check();
    expect(byUrl.get('S/report.pdf')).toMatchObject({
      status: 200,
      contentType: 'application/pdf',
      error: { code: 'NOT_HTML' },
      check: { outcome: 'ok' },
    });
    expect(brokenUrls(summary)).not.toContain('S/report.pdf');
  });

  it('accept decides what is broken (lychee notation)', async () => {
    const strict = await check();
    expect(strict.byUrl.get('S/forbidden')?.check?.outcome).toBe('broken');
    const lenient = await check({ accept: '200..=299,403' });
    expect(lenient.byUrl.get('S/forbidden')).toMatchObject({ status: 403, check: { outcome: 'ok' } });
    expect(brokenUrls(lenient.summary)).not.toContain('S/forbidden');
    expect(lenient.summary.linkCheck!.accept).toBe('200..=299,403');
    // `..` leaves the end out, as in lychee: 403 is outside 200..403.
    const exclusive = await check({ accept: '200..403' });
    expect(exclusive.byUrl.get('S/forbidden')?.check?.outcome).toBe('broken');
    const all = await check({ accept: [200, 403, 404] });
    expect(all.byUrl.get('S/missing')?.check?.outcome).toBe('ok');
  });

  it('a HEAD refused (405) is checked again with GET; a redirect is reported with its statuses', async () => {
    const { byUrl, summary } = await check();
    expect(byUrl.get('E/head-405')).toMatchObject({
      status: 200,
      attempts: 2,
      check: { outcome: 'ok', method: 'GET' },
    });
    expect(site.requests('ext').filter((r) => r.endsWith('/head-405'))).toEqual([
      'HEAD /head-405',
      'GET /head-405',
    ]);
    expect(byUrl.get('S/moved')).toMatchObject({ redirects: 1, check: { outcome: 'redirected' } });
    const redirects = summary.linkCheck!.findings.redirects.map((r) => [
      short(r.url),
      short(r.finalUrl),
      r.statuses,
    ]);
    expect(redirects).toEqual(
      expect.arrayContaining([
        ['S/moved', 'S/about', [301]],
        ['E/away', 'E/moved-here', [308]],
        ['S/off-site', 'E/elsewhere', [302]],
      ]),
    );
  });

  it('robots.txt still rules the pages crawled: a disallowed one is excluded, not broken', async () => {
    const { byUrl, summary } = await check();
    expect(byUrl.get('S/private/x')).toMatchObject({
      error: { code: 'ROBOTS_DISALLOWED' },
      check: { kind: 'page', outcome: 'excluded', method: null },
    });
    expect(site.requests('site')).not.toContain('GET /private/x');
    expect(summary.linkCheck!.totals.excluded).toBe(1);
  });

  it('every URL checked has exactly one record, and the totals add up', async () => {
    const { records, summary } = await check({ checkResources: true, checkFragments: true });
    expect(new Set(records.map((r) => r.line)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.url)).size).toBe(records.length);
    expect(records.every((r) => r.check !== undefined)).toBe(true);
    const t = summary.linkCheck!.totals;
    expect(t.urls).toBe(records.length);
    expect(t.pages + t.links + t.resources).toBe(t.urls);
    expect(t.ok + t.redirected + t.unchanged + t.cached + t.broken + t.excluded).toBe(t.urls);
    expect(summary.records).toBe(records.length);
  });

  it('checkResources: img, script and link[href] are checked (HEAD), not crawled; preconnect is not', async () => {
    const off = await check();
    expect(off.byUrl.has('S/logo.png')).toBe(false);
    site.clearLog();
    const { byUrl, summary } = await check({ checkResources: true });
    expect(byUrl.get('S/missing.png')).toMatchObject({
      status: 404,
      check: { kind: 'resource', outcome: 'broken' },
    });
    for (const ok of ['S/logo.png', 'S/app.js', 'S/style.css']) {
      expect(byUrl.get(ok)).toMatchObject({
        status: 200,
        check: { kind: 'resource', outcome: 'ok', method: 'HEAD' },
      });
    }
    expect(referrersOf(summary, 'S/missing.png')).toEqual([['S/', 'img']]);
    expect(byUrl.has('E/')).toBe(false);
  });

  it('checkFragments: a missing #id is a broken link with its referrer; present ones and self-links pass', async () => {
    const { summary } = await check({ checkFragments: true });
    const f = summary.linkCheck!;
    expect(
      f.findings.brokenFragments.map((b) => [
        short(b.url),
        b.fragment,
        b.referrers.pages.map((p) => [short(p.url), p.text]),
      ]),
    ).toEqual([['S/docs/', 'nowhere', [['S/', 'Nowhere']]]]);
    // S/#intro is fine (Intro), and S/docs/#intro from the page itself ("Top of docs").
    expect(f.totals.fragments).toEqual({ checked: 2, missing: 1, unverified: 0 });
  });

  it('exclude keeps links out of the check altogether (counted as excluded); include only limits the crawl', async () => {
    const excluded = await check({ exclude: '/gone$|/missing$' });
    expect(excluded.byUrl.has('E/gone')).toBe(false);
    expect(excluded.byUrl.has('S/missing')).toBe(false);
    expect(site.requests('ext')).not.toContain('HEAD /gone');
    expect(excluded.summary.linkCheck!.totals.excluded).toBe(1 + 2);
    site.clearLog();
    const included = await check({ include: '/docs/' });
    // S/about does not match: checked, not crawled (so S/off-site, linked from it only, is never seen).
    expect(included.byUrl.get('S/about')).toMatchObject({ check: { kind: 'link', method: 'HEAD' } });
    expect(included.byUrl.get('S/docs/')).toMatchObject({ check: { kind: 'page', method: 'GET' } });
    expect(included.byUrl.has('S/off-site')).toBe(false);
  });

  it('a seed that redirects within its domain brings its target into the scope', async () => {
    const run = await collect([`${site.www}/`], { ...CHECK, depth: 1 });
    const byUrl = new Map(run.records.map((r) => [short(r.url), r]));
    expect(byUrl.get(short(`${site.www}/`))).toMatchObject({
      finalUrl: `${site.site}/`,
      check: { kind: 'page', outcome: 'redirected' },
    });
    // The site's pages are crawled (GET, parsed), not merely checked.
    expect(byUrl.get('S/about')?.check).toMatchObject({ kind: 'page', method: 'GET' });
    expect(referrersOf(run.summary, 'S/missing')).toEqual([
      ['S/', 'Missing page'],
      ['S/about', 'Broken again'],
    ]);
  });

  it('links beyond the depth, or past maxPages, are checked and not crawled', async () => {
    const shallow = await check({ depth: 0 });
    expect(shallow.byUrl.get('S/')?.check?.kind).toBe('page');
    expect(shallow.byUrl.get('S/about')).toMatchObject({
      check: { kind: 'link', outcome: 'ok', method: 'HEAD' },
    });
    // S/about is not crawled, so what only it links to (S/off-site) is not checked.
    expect(shallow.byUrl.has('S/off-site')).toBe(false);
    expect(shallow.summary.frontier).toMatchObject({ requested: 1, depthReached: 0 });
    const capped = await check({ maxPages: 2, concurrency: 1 });
    const pages = [...capped.byUrl.values()].filter((r) => r.check?.kind === 'page');
    expect(pages).toHaveLength(2);
    expect(capped.summary.frontier?.requested).toBe(2);
    // Every link of the two pages crawled is still checked.
    expect(capped.byUrl.get('E/gone')?.check?.outcome).toBe('broken');
  });

  it('maxReferrers caps the referrers kept per URL and counts the rest', async () => {
    const { summary } = await check({ maxReferrers: 1 });
    const missing = summary.linkCheck!.findings.broken.find((b) => short(b.url) === 'S/missing')!;
    expect(missing.referrers.pages).toHaveLength(1);
    expect(missing.referrers.more).toBe(1);
  });

  it("hostile link texts and titles arrive as they are (escaping is the report's business)", async () => {
    const { summary } = await check();
    const hostile = summary.linkCheck!.findings.broken.find((b) => short(b.url).startsWith('S/nope'))!;
    expect(hostile.referrers.pages[0]?.text).toBe(HOSTILE_TEXT.replace(/\s+/g, ' ').trim());
  });

  it('refuses its options where they do not apply, with messages that say what was expected', async () => {
    await expect(collect([], { accept: '200' })).rejects.toThrow(/accept.*checkLinks/);
    await expect(collect([], { checkLinks: true, accept: '200..=99' })).rejects.toThrow(/Expected `accept`/);
    await expect(collect([], { checkLinks: true, accept: 'ok' })).rejects.toThrow(/got `"ok"`/);
    await expect(collect([], { checkLinks: true, parse: false })).rejects.toThrow(/parse/);
    await expect(collect([], { checkLinks: true, cacheMaxAgeMs: 5 })).rejects.toThrow(/cacheMaxAgeMs.*cache/);
    await expect(collect([], { checkLinks: true, maxReferrers: 0 })).rejects.toThrow(/maxReferrers/);
    await expect(collect([], { checkLinks: true, cache: 'redis://:Pw%ZZ@127.0.0.1' })).rejects.toThrow(
      /`cache`/,
    );
    await expect(collect([], { checkLinks: true, cache: 'c.json', cacheKeyPrefix: 'p' })).rejects.toThrow(
      /Redis/,
    );
    await expect(collect([], { checkLink: true } as CrawlOptions)).rejects.toThrow(
      /did you mean `checkLinks`/,
    );
    const pool = createCrawlPool({ strategy: 'threads', concurrency: 1 });
    try {
      await expect(collect([], { pool, checkLinks: true })).rejects.toThrow(
        /`checkLinks` cannot run on a warm `pool`/,
      );
    } finally {
      await pool.close();
    }
  });
});

/** Every URL of the site and what it is, worked out by hand from test/helpers/link-check-site.ts. */
const VERDICTS = [
  'D/ link broken',
  'E/away link redirected',
  'E/gone link broken',
  'E/head-405 link ok',
  'E/ok link ok',
  'E/page link ok',
  'S/ page ok',
  'S/about page ok',
  'S/app.js resource ok',
  'S/docs/ page ok',
  'S/forbidden page broken',
  'S/hostile page ok',
  'S/logo.png resource ok',
  'S/missing page broken',
  'S/missing.png resource broken',
  'S/moved page redirected',
  'S/nope?q=%3Cb%3E|x page broken',
  'S/off-site page redirected',
  'S/private/x page excluded',
  'S/report.pdf page ok',
  'S/style.css resource ok',
];

/** The same check under every strategy gives the same verdicts, referrers and fragments. */
async function expectTheSameCheck(options: CrawlOptions): Promise<void> {
  const records: PageRecord[] = [];
  const summary = await crawl(
    [`${site.site}/`],
    { ...CHECK, concurrency: 2, checkResources: true, checkFragments: true, ...options },
    (r) => {
      records.push(r);
    },
  );
  const verdicts = records.map((r) => `${short(r.url)} ${r.check?.kind} ${r.check?.outcome}`).sort();
  expect(verdicts).toEqual(VERDICTS);
  expect(referrersOf(summary, 'S/missing')).toEqual([
    ['S/', 'Missing page'],
    ['S/about', 'Broken again'],
  ]);
  expect(summary.linkCheck!.totals.fragments).toEqual({ checked: 2, missing: 1, unverified: 0 });
}

// A distributed run's checks are tasks like its pages: its workers run them, the coordinator's
// frontier judges them. Needs the Redis on 127.0.0.1:6379 (CI starts one); skipped without it.
(redisTests ? describe : describe.skip)('checkLinks under distributed', () => {
  let worker: WorkerProcess;
  beforeEach(async () => {
    worker = await startWorker(['-c', '4']);
  });
  afterEach(async () => {
    await stopWorker(worker);
  });

  it('gives the verdicts, texts and fragments of the local strategies', async () => {
    await expectTheSameCheck({ ...distributed(uniqueRunId()), concurrency: 8 });
  });
});

describe.each(STRATEGY_NAMES.map((s) => [s] as [StrategyName]))('checkLinks under %s', (strategy) => {
  it('gives every strategy the same verdicts, texts and fragments', async () => {
    await expectTheSameCheck({ strategy });
  });
});
