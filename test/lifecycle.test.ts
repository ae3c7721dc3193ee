import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite } from '../dist/index.js';
import { crawl, STRATEGY_NAMES, startFixtureSite } from '../dist/index.js';
import { childPids, collect } from './helpers/crawl.js';

let site: FixtureSite;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 200, latencyMs: 20, pageKb: 1, links: 2 });
});

afterAll(async () => {
  await site.close();
});

describe.each(STRATEGY_NAMES)('%s', (strategy) => {
  it('pulls the list only as fast as it crawls it (backpressure)', async () => {
    let pulled = 0;
    let maxAhead = 0;
    let done = 0;
    function* source(): Generator<string> {
      for (const url of site.urlList().slice(0, 60)) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - done);
        yield url;
      }
    }
    const summary = await crawl(source(), { strategy, concurrency: 3 }, () => {
      done++;
    });
    expect(summary.records).toBe(60);
    // At most the tasks in flight (twice the slots for async, whose parse follows the fetch) plus
    // the one being pulled are ever out of the list at once.
    expect(maxAhead).toBeLessThanOrEqual(strategy === 'async' ? 7 : strategy === 'serial' ? 2 : 4);
  });

  it('a stop signal ends dispatching: started tasks are recorded, nothing else', async () => {
    const stop = new AbortController();
    const records: number[] = [];
    const summary = await crawl(site.urlList(), { strategy, concurrency: 2, signal: stop.signal }, (r) => {
      records.push(r.line);
      if (records.length === 5) stop.abort();
    });
    expect(summary.state).toBe('interrupted');
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.length).toBeLessThan(200);
    expect(new Set(records).size).toBe(records.length);
    expect(summary.failed).toBe(0);
  });

  it('an abort signal cuts tasks in flight short as ABORTED records', async () => {
    const stop = new AbortController();
    const abort = new AbortController();
    const slow = await startFixtureSite({ pages: 20, latencyMs: 5_000, pageKb: 1, links: 1 });
    try {
      setTimeout(() => {
        stop.abort();
        abort.abort();
      }, 300);
      const run = await collect(slow.urlList(), {
        strategy,
        concurrency: 2,
        signal: stop.signal,
        abortSignal: abort.signal,
      });
      expect(run.summary.state).toBe('interrupted');
      expect(run.records.length).toBeGreaterThanOrEqual(1);
      expect(run.records.every((r) => r.error?.code === 'ABORTED')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('an error thrown by the callback rejects the crawl and leaves no worker behind', async () => {
    let calls = 0;
    const failing = crawl(site.urlList().slice(0, 30), { strategy, concurrency: 2 }, () => {
      calls++;
      if (calls === 3) throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(childPids(process.pid, 'process-worker.js')).toEqual([]);
  });
});
