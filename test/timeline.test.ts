import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlOptions, FixtureSite, TimelineEntry } from '../dist/index.js';
import { createCrawlPool, startFixtureSite } from '../dist/index.js';
import { collect } from './helpers/crawl.js';

let site: FixtureSite;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 24, latencyMs: 40, pageKb: 2, links: 3 });
});

afterAll(async () => {
  await site.close();
});

/** Every entry's times in order, one entry per page. */
function expectWellFormed(entries: readonly TimelineEntry[], pages: number): void {
  expect(entries).toHaveLength(pages);
  expect(new Set(entries.map((e) => e.line)).size).toBe(pages);
  for (const e of entries) {
    expect(e.handedAt).toBeLessThanOrEqual(e.startedAt + 1);
    expect(e.startedAt).toBeLessThanOrEqual(e.firstByteAt!);
    expect(e.firstByteAt!).toBeLessThanOrEqual(e.fetchedAt);
    expect(e.fetchedAt).toBeLessThanOrEqual(e.finishedAt);
    expect(e.failed).toBe(false);
  }
}

describe('timeline: when and where every page ran', () => {
  it.each<[string, CrawlOptions, number]>([
    ['serial', { strategy: 'serial' }, 1],
    ['async ×4', { strategy: 'async', concurrency: 4 }, 4],
    ['threads ×2', { strategy: 'threads', concurrency: 2 }, 2],
    ['processes ×2', { strategy: 'processes', concurrency: 2 }, 2],
    ['threads 2×3 (hybrid)', { strategy: 'threads', concurrency: 2, perWorker: 3 }, 6],
    [
      'processes 2×3, parse in main',
      { strategy: 'processes', concurrency: 2, perWorker: 3, parseIn: 'main' },
      6,
    ],
  ])('%s: one entry per page, on every one of its lanes', async (_name, options, lanes) => {
    const entries: TimelineEntry[] = [];
    await collect(site.urlList(), { ...options, timeline: (entry) => entries.push(entry) });
    expectWellFormed(entries, 24);
    const used = new Set(entries.map((e) => e.lane));
    expect(Math.max(...used)).toBeLessThan(lanes);
    // Pages really ran side by side where the strategy allows it.
    expect(used.size).toBe(lanes);
  });

  it('a warm pool made with a timeline traces the crawls on it', async () => {
    const pool = createCrawlPool({ strategy: 'threads', concurrency: 2, timeline: () => {} });
    try {
      const entries: TimelineEntry[] = [];
      await collect(site.urlList(), { pool, timeline: (entry) => entries.push(entry) });
      expectWellFormed(entries, 24);
    } finally {
      await pool.close();
    }
  });
});
