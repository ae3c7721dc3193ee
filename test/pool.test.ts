import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawlPool, startFixtureSite } from '../dist/index.js';
import type { FixtureSite } from '../dist/index.js';
import { byLine, childPids, collect, comparable } from './helpers/crawl.js';

let site: FixtureSite;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 20, pageKb: 2, links: 3 });
});

afterAll(async () => {
  await site.close();
});

describe.each(['threads', 'processes'] as const)('createCrawlPool (%s)', (strategy) => {
  it('serves several crawls with the same workers, then closes them', async () => {
    const pool = createCrawlPool({ strategy, concurrency: 2, mode: 'cpu', cpuWork: 3 });
    try {
      const first = await collect(site.urlList(), { pool });
      const workers = childPids(process.pid, 'process-worker.js');
      const second = await collect(site.urlList(), { pool });
      expect(first.records).toHaveLength(20);
      expect(byLine(second.records).map(comparable)).toEqual(byLine(first.records).map(comparable));
      expect(second.summary).toMatchObject({ strategy, concurrency: 2, mode: 'cpu', ok: 20 });
      expect(second.records[0]?.parse?.cpuDigest).not.toBeNull();
      // The same child processes served both crawls.
      expect(childPids(process.pid, 'process-worker.js')).toEqual(workers);
      expect(workers).toHaveLength(strategy === 'processes' ? 2 : 0);
      if (strategy === 'processes') expect(second.summary.childProcesses?.count).toBe(2);
    } finally {
      await pool.close();
    }
    expect(childPids(process.pid, 'process-worker.js')).toEqual([]);
  });

  it('an abort cuts only that crawl short; the pool keeps serving', async () => {
    const slow = await startFixtureSite({ pages: 6, latencyMs: 5_000, pageKb: 1, links: 1 });
    const pool = createCrawlPool({ strategy, concurrency: 2 });
    try {
      const stop = new AbortController();
      const abort = new AbortController();
      setTimeout(() => {
        stop.abort();
        abort.abort();
      }, 300);
      const aborted = await collect(slow.urlList(), { pool, signal: stop.signal, abortSignal: abort.signal });
      expect(aborted.records.length).toBeGreaterThanOrEqual(1);
      expect(aborted.records.every((r) => r.error?.code === 'ABORTED')).toBe(true);
      const after = await collect(site.urlList().slice(0, 5), { pool });
      expect(after.summary.ok).toBe(5);
    } finally {
      await pool.close();
      await slow.close();
    }
  });
});

it('createCrawlPool refuses a strategy without a pool', () => {
  expect(() => createCrawlPool({ strategy: 'async' as 'threads' })).toThrow(
    'Expected `strategy` to be threads or processes, got `"async"` (string)',
  );
});
