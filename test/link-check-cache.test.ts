import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrawlOptions, CrawlSummary, PageRecord } from '../dist/index.js';
import { collect } from './helpers/crawl.js';
import { REDIS, redisTests } from './helpers/distributed.js';
import { delay } from './helpers/servers.js';
import { type LinkCheckSite, startLinkCheckSite } from './helpers/link-check-site.js';

const dir = mkdtempSync(join(tmpdir(), 'crawlbench-link-cache-'));
let site: LinkCheckSite;
let files = 0;

beforeEach(async () => {
  site = await startLinkCheckSite();
});

afterEach(async () => {
  await site.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const short = (url: string): string =>
  url.replace(site.site, 'S').replace(site.ext, 'E').replace(site.dead, 'D');
const CHECK: CrawlOptions = { checkLinks: true, depth: 3, retries: 0, concurrency: 4 };

interface Run {
  readonly summary: CrawlSummary;
  readonly records: PageRecord[];
  readonly byUrl: Map<string, PageRecord>;
}

async function run(options: CrawlOptions): Promise<Run> {
  site.clearLog();
  const { summary, records } = await collect([`${site.site}/`], { ...CHECK, ...options });
  return { summary, records, byUrl: new Map(records.map((r) => [short(r.url), r])) };
}

const urls = (r: Run): string[] => [...r.byUrl.keys()].sort();
const verdicts = (r: Run): string[] => r.records.map((x) => `${short(x.url)} ${x.check?.outcome}`).sort();
/** Requests of the last run to one origin that carried conditional headers. */
const conditional = (origin: 'site' | 'ext'): string[] =>
  site
    .log()
    .filter((r) => r.origin === origin && (r.ifNoneMatch !== null || r.ifModifiedSince !== null))
    .map((r) => `${r.method} ${r.path} ${r.status}`)
    .sort();

/**
 * The contract of the results cache, for either store: a second run sends nothing for links
 * checked within the max age, revalidates the pages (a 304 stands for the page: its links are still
 * followed), and a third run past the max age revalidates the links too.
 */
async function secondAndThirdRuns(cache: CrawlOptions): Promise<void> {
  const first = await run(cache);
  expect(first.records.every((r) => r.check?.cache === null)).toBe(true);
  expect(first.summary.linkCheck?.cache).toMatchObject({ loaded: 0, fresh: 0, revalidated: 0, problems: [] });
  const stored = first.summary.linkCheck!.cache!.stored;
  expect(stored).toBeGreaterThan(10);

  const second = await run(cache);
  // The same URLs, each once; the links checked the first time are answered from the cache.
  expect(urls(second)).toEqual(urls(first));
  for (const fresh of ['E/ok', 'E/page', 'E/head-405', 'E/away']) {
    expect(second.byUrl.get(fresh), fresh).toMatchObject({
      attempts: 0,
      check: { kind: 'link', outcome: 'cached', method: null, cache: 'fresh' },
    });
  }
  // No request at all for them; the broken one is checked again, and the page a redirect of ours
  // leads to (S/off-site is never revalidated: its validators are its target's).
  expect(site.requests('ext').sort()).toEqual(['GET /elsewhere', 'HEAD /gone']);
  // Our pages went out with If-None-Match and got 304: unchanged, their links followed from the cache.
  expect(conditional('site')).toEqual(
    ['GET / 304', 'GET /about 304', 'GET /docs/ 304', 'GET /hostile 304', 'GET /report.pdf 304'].sort(),
  );
  expect(second.byUrl.get('S/')).toMatchObject({
    status: 304,
    parse: { title: 'Home' },
    check: { kind: 'page', outcome: 'unchanged', method: 'GET', cache: 'revalidated' },
  });
  expect(second.byUrl.get('S/report.pdf')).toMatchObject({ status: 304, contentType: 'application/pdf' });
  // Broken ones are never cached: asked in full again, and still broken with both referrers.
  expect(site.requests('site')).toContain('GET /missing');
  expect(second.byUrl.get('S/missing')?.check).toMatchObject({ outcome: 'broken', cache: null });
  const missing = second.summary.linkCheck!.findings.broken.find((b) => short(b.url) === 'S/missing');
  expect(missing?.referrers.pages.map((p) => short(p.url)).sort()).toEqual(['S/', 'S/about']);
  expect(second.summary.linkCheck?.cache).toMatchObject({
    loaded: stored,
    fresh: 4,
    revalidated: 5,
    unchanged: 5,
  });
  expect(second.summary.linkCheck?.totals).toMatchObject({ cached: 4, unchanged: 5 });

  // Past the max age the links are revalidated too: conditional HEADs, 304s.
  await delay(5);
  const third = await run({ ...cache, cacheMaxAgeMs: 1 });
  expect(urls(third)).toEqual(urls(first));
  expect(conditional('ext')).toEqual(
    ['GET /head-405 304', 'HEAD /head-405 405', 'HEAD /ok 304', 'HEAD /page 304'].sort(),
  );
  expect(third.byUrl.get('E/ok')).toMatchObject({
    status: 304,
    check: { outcome: 'unchanged', cache: 'revalidated', method: 'HEAD' },
  });
  // A redirect has no validators of its own: checked in full.
  expect(site.requests('ext')).toContain('HEAD /away');
  expect(verdicts(third).filter((v) => v.endsWith(' cached'))).toEqual([]);
}

describe('the results cache in a file', () => {
  const file = (): string => join(dir, `cache-${++files}.json`);

  it('a second run sends no request for fresh links and conditional requests for pages and stale links', async () => {
    const path = file();
    await secondAndThirdRuns({ cache: path });
    // The file: a header line with its checksum, then one entry per line.
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'crawlbench-link-cache',
      version: 1,
      entries: lines.length - 1,
    });
  });

  it('a truncated cache file is reported and ignored, and replaced by a whole one', async () => {
    const path = file();
    await run({ cache: path });
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const second = await run({ cache: path });
    expect(second.summary.state).toBe('completed');
    expect(second.summary.linkCheck?.cache?.problems).toEqual([
      expect.stringMatching(/is corrupt \(checksum mismatch: the file was cut short or changed\); ignored/),
    ]);
    expect(second.summary.linkCheck?.cache).toMatchObject({ loaded: 0, fresh: 0, revalidated: 0 });
    expect(conditional('site')).toEqual([]);
    const third = await run({ cache: path });
    expect(third.summary.linkCheck?.cache?.problems).toEqual([]);
    expect(third.summary.linkCheck?.cache?.fresh).toBe(4);
  });

  it('garbage, another format, an unreadable path: reported and ignored, never fatal', async () => {
    const garbage = file();
    writeFileSync(garbage, 'not json at all\n{"x":1}\n');
    const a = await run({ cache: garbage });
    expect(a.summary.linkCheck?.cache?.problems[0]).toMatch(/corrupt \(the header line is not JSON\)/);
    const other = file();
    writeFileSync(other, '{"format":"something-else","version":1,"entries":0,"sha256":""}\n');
    const b = await run({ cache: other });
    expect(b.summary.linkCheck?.cache?.problems[0]).toMatch(/corrupt \(not a crawlbench link cache\)/);
    // A directory where the file should be: cannot be read, cannot be saved; the crawl completes.
    const c = await run({ cache: dir });
    expect(c.summary.state).toBe('completed');
    expect(c.summary.linkCheck?.cache?.problems).toEqual([
      expect.stringMatching(/cannot be read \(EISDIR\)/),
      expect.stringMatching(/could not be saved/),
    ]);
  });

  it('a page is revalidated only when the cache kept what this run collects: no more, no less', async () => {
    const path = file();
    await run({ cache: path, checkResources: true });
    const fewer = await run({ cache: path });
    expect(conditional('site')).toContain('GET / 304');
    expect(fewer.records.some((r) => r.check?.kind === 'resource')).toBe(false);
    const more = await run({ cache: path, checkFragments: true });
    // Kept without the page's ids: fetched whole, to collect them.
    expect(conditional('site')).not.toContain('GET / 304');
    expect(more.summary.linkCheck?.totals.fragments.missing).toBe(1);
  });

  it('is bounded: the newest cacheMaxEntries checks are kept', async () => {
    const path = file();
    const first = await run({ cache: path, cacheMaxEntries: 3 });
    expect(first.summary.linkCheck?.cache?.stored).toBe(3);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 3);
  });
});

// The shared Redis on 127.0.0.1:6379, as the distributed tests use it: skipped without one on a dev
// machine, failed under CI=true (CI starts one), so CI cannot pass by skipping.
const withRedis = redisTests ? describe : describe.skip;

withRedis('the results cache in Redis', () => {
  const prefixes: string[] = [];
  const prefix = (): string => {
    const p = `crawlbench-test:link-cache:${process.pid}:${Date.now()}:${prefixes.length}`;
    prefixes.push(p);
    return p;
  };
  let redis: Redis;

  beforeEach(() => {
    redis = new Redis(REDIS);
  });

  afterEach(async () => {
    for (const p of prefixes.splice(0)) await redis.del(`${p}:entries`, `${p}:index`);
    redis.disconnect();
  });

  it('a second run sends no request for fresh links and conditional requests for pages and stale links', async () => {
    const keyPrefix = prefix();
    await secondAndThirdRuns({ cache: REDIS, cacheKeyPrefix: keyPrefix });
    expect(await redis.hlen(`${keyPrefix}:entries`)).toBe(await redis.zcard(`${keyPrefix}:index`));
  });

  it('keeps the newest cacheMaxEntries, ignores an entry that is not one, and survives Redis being away', async () => {
    const keyPrefix = prefix();
    await run({ cache: REDIS, cacheKeyPrefix: keyPrefix, cacheMaxEntries: 3 });
    expect(await redis.hlen(`${keyPrefix}:entries`)).toBe(3);
    await redis.hset(`${keyPrefix}:entries`, 'http://bad.test/', '{not json');
    const second = await run({ cache: REDIS, cacheKeyPrefix: keyPrefix, cacheMaxEntries: 3 });
    expect(second.summary.linkCheck?.cache).toMatchObject({ loaded: 3 });
    expect(second.summary.linkCheck?.cache?.problems).toEqual([
      expect.stringMatching(/1 entries are not valid; ignored/),
    ]);
    // Nothing listens on port 9 of loopback: the run goes on without a cache, and says so.
    const away = await run({ cache: 'redis://:secret@127.0.0.1:9', cacheKeyPrefix: keyPrefix });
    expect(away.summary.state).toBe('completed');
    const problems = away.summary.linkCheck?.cache?.problems ?? [];
    expect(problems[0]).toMatch(
      /redis:\/\/:\*\*\*@127\.0\.0\.1:9.*is unavailable; running without it: .*ECONNREFUSED/,
    );
    expect(problems.join(' ')).not.toContain('secret');
  });
});
