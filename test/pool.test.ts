import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawlPool, startFixtureSite } from '../dist/index.js';
import type { FixtureSite } from '../dist/index.js';
import { byLine, childPids, collect, comparable } from './helpers/crawl.js';

const SLOW_START = fileURLToPath(new URL('./fixtures/extract-slow-start.mjs', import.meta.url));

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

it("counts a child still starting when the crawl ends among the pool's child processes", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crawlbench-slow-start-'));
  process.env.CRAWLBENCH_SLOW_START_LOCK = join(dir, 'lock');
  const pool = createCrawlPool({ strategy: 'processes', concurrency: 2, extract: SLOW_START });
  try {
    // The first child does every page while the second waits to be ready.
    const run = await collect(site.urlList().slice(0, 5), { pool });
    expect(run.summary.ok).toBe(5);
    expect(run.summary.childProcesses?.count).toBe(2);
  } finally {
    await pool.close();
    delete process.env.CRAWLBENCH_SLOW_START_LOCK;
    await rm(dir, { recursive: true, force: true });
  }
});

it('createCrawlPool refuses a strategy without a pool', () => {
  expect(() => createCrawlPool({ strategy: 'async' as 'threads' })).toThrow(
    'Expected `strategy` to be threads or processes, got `"async"` (string)',
  );
});
