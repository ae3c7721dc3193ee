import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite, PageRecord, ParsePlacement, StrategyName } from '../dist/index.js';
import { STRATEGY_NAMES, startFixtureSite } from '../dist/index.js';
import { byLine, collect, comparable, mixedList } from './helpers/crawl.js';

let site: FixtureSite;
let list: string[];

beforeAll(async () => {
  site = await startFixtureSite({ pages: 30, pageKb: 4, links: 6, errorRate: 0.1, seed: 7 });
  list = mixedList(site);
});

afterAll(async () => {
  await site.close();
});

const placements: Array<[StrategyName, ParsePlacement]> = STRATEGY_NAMES.flatMap((strategy) =>
  strategy === 'threads' || strategy === 'processes'
    ? ([
        [strategy, 'worker'],
        [strategy, 'main'],
      ] as Array<[StrategyName, ParsePlacement]>)
    : [[strategy, 'main'] as [StrategyName, ParsePlacement]],
);

describe.each(['io', 'cpu'] as const)('every strategy, %s mode', (mode) => {
  let baseline: PageRecord[];

  beforeAll(async () => {
    const run = await collect(list, { strategy: 'serial', mode, cpuWork: 5, retries: 0 });
    baseline = byLine(run.records);
  });

  it('serial baseline: one record per distinct URL, invalid lines recorded, duplicates counted', () => {
    // 30 pages + 2 invalid lines + 1 missing page; page/3 and page/4#fragment repeat earlier URLs.
    expect(baseline).toHaveLength(33);
    expect(new Set(baseline.map((r) => r.line)).size).toBe(33);
    const codes = baseline.filter((r) => r.error).map((r) => r.error?.code);
    expect(codes).toContain('INVALID_URL');
    expect(codes).toContain('UNSUPPORTED_SCHEME');
    expect(codes).toContain('HTTP_4XX');
    const fiveHundreds = baseline.filter((r) => r.status === 500).length;
    expect(codes.filter((c) => c === 'HTTP_5XX')).toHaveLength(fiveHundreds);
    const parsed = baseline.filter((r) => r.parse !== null);
    expect(parsed.length).toBe(30 - fiveHundreds);
    for (const r of parsed) {
      expect(r.parse?.title).toMatch(/\d/);
      expect(r.parse?.links.length).toBeGreaterThan(0);
      expect(r.parse?.cpuDigest === null).toBe(mode === 'io');
    }
  });

  it.each(placements)('%s (parse in %s) gives records identical to serial', async (strategy, parseIn) => {
    const run = await collect(list, { strategy, parseIn, mode, cpuWork: 5, retries: 0, concurrency: 3 });
    expect(run.records).toHaveLength(baseline.length);
    expect(byLine(run.records).map(comparable)).toEqual(baseline.map(comparable));
    expect(run.summary).toMatchObject({
      state: 'completed',
      strategy,
      records: 33,
      duplicates: 2,
      ok: baseline.filter((r) => !r.error).length,
    });
  });

  it.each([
    ['threads', 'worker'],
    ['threads', 'main'],
    ['processes', 'worker'],
    ['processes', 'main'],
  ] as const)(
    'hybrid %s ×2, 4 tasks per worker (parse in %s), gives records identical to serial',
    async (strategy, parseIn) => {
      const run = await collect(list, {
        strategy,
        parseIn,
        mode,
        cpuWork: 5,
        retries: 0,
        concurrency: 2,
        perWorker: 4,
      });
      expect(byLine(run.records).map(comparable)).toEqual(baseline.map(comparable));
      expect(run.summary).toMatchObject({
        state: 'completed',
        strategy,
        concurrency: 2,
        perWorker: 4,
        records: 33,
      });
    },
  );
});

describe('concurrency', () => {
  it('async keeps at most `concurrency` requests in flight at the server', async () => {
    const slow = await startFixtureSite({ pages: 40, latencyMs: 30, pageKb: 1, links: 2 });
    try {
      const run = await collect(slow.urlList(), { strategy: 'async', concurrency: 5 });
      expect(run.records).toHaveLength(40);
      expect(slow.stats().peakInFlight).toBeLessThanOrEqual(5);
      expect(slow.stats().peakInFlight).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  it.each(['threads', 'processes'] as const)(
    'a hybrid %s pool keeps more requests in flight than it has workers × 8 (16 per worker)',
    async (strategy) => {
      const slow = await startFixtureSite({ pages: 80, latencyMs: 400, pageKb: 1, links: 2 });
      try {
        const run = await collect(slow.urlList(), { strategy, concurrency: 2, perWorker: 16 });
        expect(run.records).toHaveLength(80);
        expect(run.summary.ok).toBe(80);
        // The site's own count: 2 workers × 16 tasks, never more.
        expect(slow.stats().peakInFlight).toBeGreaterThan(16);
        expect(slow.stats().peakInFlight).toBeLessThanOrEqual(32);
      } finally {
        await slow.close();
      }
    },
  );

  it('refuses perWorker with a strategy that has no workers', async () => {
    await expect(collect([], { strategy: 'async', perWorker: 4 })).rejects.toThrow(
      '`perWorker` is an option of the pools (threads, processes), got it with strategy `"async"` (string)',
    );
  });

  it('serial never has two requests in flight', async () => {
    const slow = await startFixtureSite({ pages: 10, latencyMs: 10, pageKb: 1, links: 2 });
    try {
      await collect(slow.urlList(), { strategy: 'serial' });
      expect(slow.stats().peakInFlight).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('rejects invalid options with a clear message', async () => {
    await expect(collect([], { concurrency: 0 })).rejects.toThrow(
      'Expected `concurrency` to be an integer >= 1, got `0` (number)',
    );
  });
});
