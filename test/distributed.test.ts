import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import type { FixtureSite, PageRecord } from '../dist/index.js';
import { crawl, startFixtureSite, startLinkSite } from '../dist/index.js';
import { runCli, startCli } from './helpers/cli.js';
import { byLine, collect, comparable, mixedList } from './helpers/crawl.js';
import {
  distributed,
  dropRun,
  killStarted,
  REDIS,
  redisUp,
  runKeysLeft,
  startPrivateRedis,
  startRedisProxy,
  startWorker,
  stopWorker,
  uniqueRunId,
  waitFor,
  redisTests,
  type WorkerProcess,
} from './helpers/distributed.js';
import { closedPort, delay } from './helpers/servers.js';

// Extraction code that kills the worker parsing a `__crash__` page.
const CRASH = fileURLToPath(new URL('./fixtures/crash-extract.mjs', import.meta.url));

afterAll(killStarted);
const withRedis = redisTests ? describe : describe.skip;

withRedis('distributed strategy on a real Redis', () => {
  let redis: Redis;

  beforeAll(async () => {
    if (!redisUp) throw new Error('CI=true and no Redis on 127.0.0.1:6379: .ci/run should have started one');
    redis = new Redis(REDIS);
  });

  afterAll(() => {
    redis?.disconnect();
  });

  describe('two workers', () => {
    let site: FixtureSite;
    let list: string[];
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      site = await startFixtureSite({ pages: 30, pageKb: 4, links: 6, errorRate: 0.1, seed: 7 });
      list = mixedList(site);
      workers.push(...(await Promise.all([startWorker(['-c', '3']), startWorker(['-c', '3'])])));
    });

    afterAll(async () => {
      await Promise.all(workers.map(stopWorker));
      await site.close();
    });

    it('follows links: the same pages as a local crawl, robots-disallowed ones recorded, each line once', async () => {
      const links = await startLinkSite({ retryAfterS: 1 });
      try {
        const follow = { depth: 9, scope: 'any' as const, concurrency: 4 };
        const local = await collect([`${links.a}/`], { strategy: 'async', ...follow });
        links.clearLog();
        const runId = uniqueRunId();
        const run = await collect([`${links.a}/`], distributed(runId, follow));
        const urls = (records: readonly PageRecord[]): string[] =>
          records.map((r) => `${r.url} ${r.depth} ${r.error?.code ?? r.status}`).sort();
        expect(urls(run.records)).toEqual(urls(local.records));
        expect(run.records.filter((r) => r.error?.code === 'ROBOTS_DISALLOWED')).toHaveLength(2);
        expect(new Set(run.records.map((r) => r.line)).size).toBe(run.records.length);
        expect(links.log().some((r) => r.path.startsWith('/private/'))).toBe(false);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('resumes a link-following run kept after it completed: every record handed back, no page fetched again', async () => {
      const links = await startLinkSite();
      const runId = uniqueRunId();
      const follow = { depth: 9, scope: 'any' as const, concurrency: 4 };
      try {
        const first = await collect([`${links.a}/`], distributed(runId, { ...follow, keep: true }));
        expect(first.summary.state).toBe('completed');
        links.clearLog();
        const again = await collect([`${links.a}/`], distributed(runId, follow));
        expect(again.summary.state).toBe('completed');
        const pages = (records: readonly PageRecord[]): string[] =>
          records.map((r) => `${r.url} ${r.depth} ${r.error?.code ?? r.status}`).sort();
        expect(pages(again.records)).toEqual(pages(first.records));
        expect(new Set(again.records.map((r) => r.line)).size).toBe(again.records.length);
        // Only robots.txt is asked again (the frontier reads it anew): no page is.
        expect(links.log().filter((r) => r.path !== '/robots.txt')).toEqual([]);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('resumes an interrupted link-following run: the same pages as an uninterrupted crawl, each once', async () => {
      const links = await startLinkSite({ latencyMs: 40, wide: 30 });
      const runId = uniqueRunId();
      const follow = { depth: 2, scope: 'any' as const, concurrency: 3, ignoreRobots: true };
      try {
        const local = await collect([`${links.a}/wide`, `${links.b}/`], { strategy: 'async', ...follow });
        const stop = new AbortController();
        const first: PageRecord[] = [];
        const interrupted = await crawl(
          [`${links.a}/wide`, `${links.b}/`],
          distributed(runId, { ...follow, signal: stop.signal }),
          (record) => {
            first.push(record);
            if (first.length === 12) stop.abort();
          },
        );
        expect(interrupted.state).toBe('interrupted');
        expect(first.length).toBeLessThan(local.records.length);
        links.clearLog();
        const resumed = await collect([`${links.a}/wide`, `${links.b}/`], distributed(runId, follow));
        expect(resumed.summary.state).toBe('completed');
        const pages = (records: readonly PageRecord[]): string[] =>
          records.map((r) => `${r.url} ${r.depth} ${r.error?.code ?? r.status}`).sort();
        expect(pages(resumed.records)).toEqual(pages(local.records));
        expect(new Set(resumed.records.map((r) => r.line)).size).toBe(resumed.records.length);
        // What the first run recorded is handed back, not fetched again.
        const origins = { a: links.a, a2: links.a2, b: links.b };
        const fetched = new Set(links.log().map((r) => `${origins[r.origin]}${r.path}`));
        expect(first.filter((r) => fetched.has(r.url)).map((r) => r.url)).toEqual([]);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('a link-following CLI coordinator SIGKILLed mid-crawl, started again with its run id, writes each page once', async () => {
      const links = await startLinkSite({ latencyMs: 40, wide: 30 });
      const runId = uniqueRunId();
      const follow = ['--depth', '2', '--scope', 'any', '--ignore-robots'];
      const args = [
        'crawl',
        '-',
        '-s',
        'distributed',
        '--redis',
        REDIS,
        '--run-id',
        runId,
        '-c',
        '3',
        ...follow,
      ];
      const stdin = `${links.a}/wide\n${links.b}/\n`;
      try {
        const local = await collect([`${links.a}/wide`, `${links.b}/`], {
          strategy: 'async',
          depth: 2,
          scope: 'any',
          ignoreRobots: true,
          concurrency: 3,
        });
        const first = startCli(args, { stdin });
        await first.linesAtLeast(8);
        first.child.kill('SIGKILL');
        expect((await first.result).signal).toBe('SIGKILL');
        const again = await runCli(args, { stdin });
        expect(again.code).toBe(0);
        const records = again.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as PageRecord);
        const pages = (rs: readonly PageRecord[]): string[] =>
          rs.map((r) => `${r.url} ${r.depth} ${r.error?.code ?? r.status}`).sort();
        expect(pages(records)).toEqual(pages(local.records));
        expect(new Set(records.map((r) => r.line)).size).toBe(records.length);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('refuses to resume a link-following run with another list of seeds, and leaves it as it was', async () => {
      const links = await startLinkSite();
      const runId = uniqueRunId();
      try {
        const seeds = [`${links.a}/`, `${links.b}/`];
        const first = await collect(seeds, distributed(runId, { depth: 1, keep: true }));
        expect(first.summary.state).toBe('completed');
        await expect(
          collect([`${links.a}/`, `${links.b}/wide`], distributed(runId, { depth: 1, keep: true })),
        ).rejects.toMatchObject({
          code: 'INVALID_OPTION',
          message: expect.stringContaining('another list') as unknown,
        });
        // The right list still resumes it, every record handed back.
        const again = await collect(seeds, distributed(runId, { depth: 1 }));
        expect(again.summary.state).toBe('completed');
        expect(again.records.map((r) => r.url).sort()).toEqual(first.records.map((r) => r.url).sort());
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('refuses to resume a link-following run with other follow options', async () => {
      const links = await startLinkSite();
      const runId = uniqueRunId();
      try {
        const first = await collect([`${links.a}/`], distributed(runId, { depth: 1, keep: true }));
        expect(first.summary.state).toBe('completed');
        await expect(collect([`${links.a}/`], distributed(runId, { depth: 2 }))).rejects.toMatchObject({
          code: 'INVALID_OPTION',
        });
      } finally {
        await redis.del(
          `crawlbench:run:${runId}`,
          `crawlbench:run:${runId}:records`,
          `crawlbench:run:${runId}:results`,
          `crawlbench:run:${runId}:list`,
        );
        await links.close();
      }
    });

    it('holds --per-host-concurrency across workers: the limit is enforced where tasks are queued', async () => {
      const links = await startLinkSite({ latencyMs: 20, wide: 16 });
      try {
        const run = await collect(
          [`${links.a}/wide`],
          distributed(uniqueRunId(), { depth: 1, perHostConcurrency: 2, ignoreRobots: true }),
        );
        expect(run.records).toHaveLength(17);
        // Two workers with 3 slots each could run 6 at once; the frontier lets 2 out.
        expect(links.peakConcurrency('127.0.0.2')).toBe(2);
      } finally {
        await links.close();
      }
    });

    it('a 503 with Retry-After sends the page back through the frontier: one record per page', async () => {
      const links = await startLinkSite({ retryAfterS: 1 });
      try {
        const runId = uniqueRunId();
        const run = await collect(
          [`${links.b}/limited`],
          distributed(runId, { depth: 1, retries: 2, ignoreRobots: true }),
        );
        const limited = run.records.filter((r) => r.url.includes('/limited/'));
        expect(limited).toHaveLength(4);
        for (const r of limited) expect(r).toMatchObject({ status: 200, attempts: 2, error: null });
        expect(run.records).toHaveLength(5);
        expect(run.summary.frontier?.hostRetries).toBe(4);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await links.close();
      }
    });

    it('gives records identical to async: one per distinct URL, invalid lines never queued', async () => {
      const baseline = byLine((await collect(list, { strategy: 'async', retries: 0 })).records);
      const runId = uniqueRunId();
      const before = site.stats().requests;
      const run = await collect(list, distributed(runId));
      // The 31 distinct valid URLs reached the site; invalid lines and repeats stopped at the coordinator.
      expect(site.stats().requests - before).toBe(31);
      expect(run.records).toHaveLength(33);
      expect(new Set(run.records.map((r) => r.line)).size).toBe(33);
      expect(byLine(run.records).map(comparable)).toEqual(baseline.map(comparable));
      expect(run.records.some((r) => r.status === 500)).toBe(true);
      expect(run.summary).toMatchObject({
        state: 'completed',
        strategy: 'distributed',
        records: 33,
        duplicates: 2,
      });
      expect(await runKeysLeft(redis, runId)).toEqual([]);
    });

    it('keeps the run keys with keep: true', async () => {
      const runId = uniqueRunId();
      const run = await collect(site.urlList().slice(0, 5), distributed(runId, { keep: true }));
      expect(run.records).toHaveLength(5);
      try {
        expect(await redis.hlen(`crawlbench:run:${runId}:records`)).toBe(5);
        expect(await redis.exists(`crawlbench:run:${runId}`)).toBe(1);
        const listed = await runCli(['runs', '--redis', REDIS, '--json']);
        expect(listed.code).toBe(0);
        const runs = listed.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { runId: string });
        expect(runs.find((r) => r.runId === runId)).toMatchObject({
          state: 'completed',
          finished: 5,
          sent: 5,
        });
      } finally {
        await redis.del(
          `crawlbench:run:${runId}`,
          `crawlbench:run:${runId}:records`,
          `crawlbench:run:${runId}:results`,
          `crawlbench:run:${runId}:list`,
        );
      }
    });

    it('the CLI writes the same records and summary, and exits 0', async () => {
      const runId = uniqueRunId();
      const result = await runCli(
        ['crawl', '-', '-s', 'distributed', '--redis', REDIS, '--run-id', runId, '--json'],
        {
          stdin: list.join('\n'),
        },
      );
      expect(result.code).toBe(0);
      const records = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as PageRecord);
      expect(records).toHaveLength(33);
      expect(new Set(records.map((r) => r.line)).size).toBe(33);
      const summary = JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      expect(summary).toMatchObject({ state: 'completed', strategy: 'distributed', records: 33 });
      expect(await runKeysLeft(redis, runId)).toEqual([]);
    });

    it('resumes an interrupted run: finished lines are re-emitted, not re-queued; each line once', async () => {
      const slow = await startFixtureSite({ pages: 40, latencyMs: 100, pageKb: 1, links: 2 });
      const runId = uniqueRunId();
      try {
        const stop = new AbortController();
        const first: PageRecord[] = [];
        const interrupted = await crawl(
          slow.urlList(),
          distributed(runId, { concurrency: 10, signal: stop.signal }),
          (record) => {
            first.push(record);
            if (first.length === 5) stop.abort();
          },
        );
        expect(interrupted.state).toBe('interrupted');
        expect(first.length).toBeGreaterThanOrEqual(5);
        expect(first.length).toBeLessThan(40);
        const resumed = await collect(slow.urlList(), distributed(runId));
        expect(resumed.summary.state).toBe('completed');
        expect(resumed.records).toHaveLength(40);
        expect(new Set(resumed.records.map((r) => r.line)).size).toBe(40);
        expect(resumed.records.every((r) => r.error === null)).toBe(true);
        // Pages finished before the restart were not fetched again: beyond the 40 first fetches, only
        // a task finishing between the resumed lookup and its re-queueing (at most the 10 queued) can be.
        expect(slow.stats().requests).toBeLessThanOrEqual(50);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await slow.close();
      }
    });

    it('the CLI coordinator stopped by SIGINT exits 130; restarted with its run id, it writes each URL once', async () => {
      const slow = await startFixtureSite({ pages: 40, latencyMs: 100, pageKb: 1, links: 2 });
      const runId = uniqueRunId();
      const args = ['crawl', '-', '-s', 'distributed', '--redis', REDIS, '--run-id', runId, '-c', '10'];
      const stdin = slow.urlList().join('\n');
      try {
        const first = startCli(args, { stdin });
        await first.linesAtLeast(5);
        first.child.kill('SIGINT');
        const stopped = await first.result;
        expect(stopped.code).toBe(130);
        expect(stopped.stderr).toContain(`resume it with --run-id ${runId}`);
        const listed = await runCli(['runs', '--redis', REDIS]);
        expect(listed.stdout).toMatch(new RegExp(`^${runId}\tinterrupted\t\\d+\t\\d+\t`, 'm'));
        const again = await runCli(args, { stdin });
        expect(again.code).toBe(0);
        const lines = again.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as PageRecord).line);
        expect(lines).toHaveLength(40);
        expect(new Set(lines).size).toBe(40);
        expect(await runKeysLeft(redis, runId)).toEqual([]);
      } finally {
        await slow.close();
      }
    });

    it('a worker stops on SIGINT and exits 130', async () => {
      const extra = await startWorker();
      const result = await stopWorker(extra);
      expect(result, JSON.stringify(result)).toMatchObject({ code: 130 });
      expect(result.stderr).toContain('stopping');
    });
  });

  it('a worker SIGKILLed mid-task: its tasks are taken over, still exactly one record per URL', async () => {
    const site = await startFixtureSite({ pages: 6, latencyMs: 2000, pageKb: 1, links: 2 });
    const victim = await startWorker(['-c', '6']);
    let rescuer: WorkerProcess | undefined;
    try {
      const runId = uniqueRunId();
      const crawling = collect(site.urlList(), distributed(runId));
      await waitFor(() => site.stats().inFlight === 6, 'the victim to take all 6 tasks');
      victim.child.kill('SIGKILL');
      expect((await victim.exit).signal).toBe('SIGKILL');
      rescuer = await startWorker(['-c', '6']);
      const run = await crawling;
      expect(run.records).toHaveLength(6);
      expect(new Set(run.records.map((r) => r.line)).size).toBe(6);
      expect(run.records.every((r) => r.error === null && r.status === 200)).toBe(true);
      // Each page was requested by the victim, then once more by the rescuer.
      expect(site.stats().requests).toBe(12);
      expect(await runKeysLeft(redis, runId)).toEqual([]);
    } finally {
      victim.child.kill('SIGKILL');
      if (rescuer) await stopWorker(rescuer);
      await site.close();
    }
  });

  it('a task that kills every worker running it becomes one WORKER_CRASHED record', async () => {
    const site = await startFixtureSite({ pages: 6, pageKb: 1, links: 2 });
    // The extraction module test/fixtures/crash-extract.mjs makes a worker exit mid-task on a
    // `__crash__` URL. One task per worker, so a dying worker takes no other task with it; two die
    // on it (BullMQ's maxStalledCount of 1 allows one retry), the third fails the job and survives.
    const workers = await Promise.all([1, 2, 3].map(() => startWorker(['-c', '1', '--extract', CRASH])));
    try {
      const list = [
        ...site.urlList().slice(0, 3),
        `${site.url}/page/3?__crash__`,
        ...site.urlList().slice(4),
      ];
      const run = await collect(list, { ...distributed(uniqueRunId()), extract: CRASH });
      expect(run.records).toHaveLength(6);
      expect(new Set(run.records.map((r) => r.line)).size).toBe(6);
      const failed = run.records.filter((r) => r.error);
      expect(failed.map((r) => [r.url, r.error?.code])).toEqual([[list[3], 'WORKER_CRASHED']]);
      const exits = await Promise.all(
        workers.map((w) => Promise.race([w.exit, delay(100).then(() => null)])),
      );
      expect(exits.filter((e) => e?.code === 70)).toHaveLength(2);
    } finally {
      await Promise.all(workers.map(stopWorker));
      await site.close();
    }
  });

  it("a worker runs the run's extraction module only when it has the same one (content hash)", async () => {
    const site = await startFixtureSite({ pages: 4, pageKb: 1, links: 2 });
    const summary = fileURLToPath(new URL('./fixtures/extract-summary.mjs', import.meta.url));
    const list = site.urlList();
    try {
      // The same module: the worker runs it and the records carry its data.
      const same = await startWorker(['-c', '2', '--extract', summary]);
      try {
        const run = await collect(list, { ...distributed(uniqueRunId()), extract: summary });
        expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
        expect(byLine(run.records).map((r) => (r.data as { h1: string } | null)?.h1)).toEqual([
          'Page 0',
          'Page 1',
          'Page 2',
          'Page 3',
        ]);
      } finally {
        await stopWorker(same);
      }
      // Another module, or none: every task is refused with a record that says why, nothing runs.
      for (const args of [['--extract', CRASH], []]) {
        const other = await startWorker(['-c', '2', ...args]);
        try {
          const run = await collect(list, { ...distributed(uniqueRunId()), extract: summary });
          expect(run.records).toHaveLength(4);
          expect(new Set(run.records.map((r) => r.error?.code))).toEqual(new Set(['EXTRACT_MISMATCH']));
          expect(run.records[0]?.error?.message).toMatch(
            args.length > 0 ? /is not the run's extraction module/ : /has no extraction module/,
          );
          expect(run.records.every((r) => r.data === null && r.status === null)).toBe(true);
        } finally {
          await stopWorker(other);
        }
      }
    } finally {
      await site.close();
    }
  });

  it('a worker with --threads 2 runs tasks on both threads and stops on SIGINT with 130', async () => {
    const site = await startFixtureSite({ pages: 12, latencyMs: 300, pageKb: 1, links: 2 });
    const worker = await startWorker(['--threads', '2', '-c', '3']);
    try {
      const run = await collect(site.urlList(), distributed(uniqueRunId()));
      expect(run.summary).toMatchObject({ state: 'completed', records: 12, ok: 12 });
      // 2 threads x 3 slots: more requests at once than one thread's 3, never more than 6.
      expect(site.stats().peakInFlight).toBeGreaterThan(3);
      expect(site.stats().peakInFlight).toBeLessThanOrEqual(6);
    } finally {
      const exit = await stopWorker(worker);
      await site.close();
      expect(exit.code).toBe(130);
    }
  });

  it('a worker that loses Redis reconnects and the crawl completes', async () => {
    const proxy = await startRedisProxy();
    const site = await startFixtureSite({ pages: 30, latencyMs: 100, pageKb: 1, links: 2 });
    const worker = await startWorker(['-c', '4'], { REDIS: proxy.url });
    try {
      const records: PageRecord[] = [];
      const crawling = crawl(site.urlList(), distributed(uniqueRunId()), (record) => {
        records.push(record);
      });
      await waitFor(() => records.length >= 5, 'the first records');
      proxy.cut();
      await delay(1500);
      proxy.restore();
      const summary = await crawling;
      expect(summary).toMatchObject({ state: 'completed', records: 30, ok: 30 });
      expect(new Set(records.map((r) => r.line)).size).toBe(30);
    } finally {
      const exit = await stopWorker(worker);
      await proxy.close();
      await site.close();
      expect(exit.stderr).toContain('reconnecting');
    }
  });

  it('a Redis that restarts empty mid-run: the run is opened again, its pending tasks queued again, each page recorded once', async () => {
    const own = await startPrivateRedis();
    const site = await startFixtureSite({ pages: 60, latencyMs: 100, pageKb: 1, links: 2 });
    const worker = await startWorker(['-c', '4'], { REDIS: own.url });
    try {
      const records: PageRecord[] = [];
      const crawling = crawl(site.urlList(), { ...distributed(uniqueRunId()), redis: own.url }, (record) => {
        records.push(record);
      });
      await waitFor(() => records.length >= 10, 'the first records');
      await own.restart(); // empty: no persistence
      const summary = await crawling;
      expect(summary).toMatchObject({ state: 'completed', records: 60 });
      expect(records).toHaveLength(60);
      expect(new Set(records.map((r) => r.line)).size).toBe(60);
      expect(records.filter((r) => r.error).map((r) => r.error?.code)).toEqual([]);
      // The worker said once that jobs had gone missing, not once per job.
      const exit = await stopWorker(worker);
      expect(exit.stderr.match(/Missing key/g)?.length ?? 0).toBeLessThanOrEqual(1);
    } finally {
      await stopWorker(worker);
      await own.close();
      await site.close();
    }
  });

  it('a coordinator that loses Redis for good fails with REDIS_UNAVAILABLE instead of hanging', async () => {
    const proxy = await startRedisProxy();
    const site = await startFixtureSite({ pages: 20, latencyMs: 200, pageKb: 1, links: 2 });
    const worker = await startWorker(['-c', '2']);
    const runId = uniqueRunId();
    try {
      const records: PageRecord[] = [];
      const crawling = crawl(
        site.urlList(),
        { ...distributed(runId, { stallTimeoutMs: 3000 }), redis: proxy.url },
        (r) => {
          records.push(r);
        },
      );
      await waitFor(() => records.length >= 2, 'the first records');
      proxy.cut();
      const error = await crawling.then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(error?.code).toBe('REDIS_UNAVAILABLE');
      expect(error?.message).toContain(`run ${runId}`);
      expect(error?.message).toContain(proxy.url);
    } finally {
      await stopWorker(worker);
      await proxy.close();
      await site.close();
      await dropRun(redis, runId);
    }
  });

  it('reports no progress instead of hanging when no worker runs', async () => {
    const runId = uniqueRunId();
    try {
      await expect(
        collect(
          ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b'],
          distributed(runId, { stallTimeoutMs: 1500 }),
        ),
      ).rejects.toMatchObject({ code: 'NO_PROGRESS' });
    } finally {
      // The queued tasks stay for a resume; a test removes them.
      await dropRun(redis, runId);
    }
  });
});

withRedis('distributed in the bench', () => {
  it('runs on local queue workers next to processes and reports the per-task queue overhead', async () => {
    const out = mkdtempSync(join(tmpdir(), 'crawlbench-bench-distributed-'));
    try {
      const r = await runCli(
        ['bench', '--strategies', 'processes,distributed', '--modes', 'io', '-c', '2', '--runs', '2']
          .concat(['--warmup', '1', '--io-pages', '6', '--latency', '5', '--no-raw-ceiling'])
          .concat(['--redis', REDIS, '--out', out, '--quiet']),
        { timeoutMs: 60_000 },
      );
      expect(r.code).toBe(0);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
      const cell = result.cells.find((c) => c.id === 'io/distributed/2');
      expect(cell?.samples).toHaveLength(3);
      // The distributed cell warmed up alone, after the processes cell's warm-up: the queue is
      // shared by every cell's workers.
      const [processesWarmup, distributedWarmup] = result.cells.map((c) => c.samples[0]!);
      expect(distributedWarmup!.startMs!).toBeGreaterThanOrEqual(processesWarmup!.endMs!);
      expect(
        cell?.samples.every((s) => s.records === 6 && s.errors === 0 && s.childPeakRssBytes !== null),
      ).toBe(true);
      expect(result.queueOverheads).toEqual([
        expect.objectContaining({ cellId: 'io/distributed/2', baselineId: 'io/processes/2' }),
      ]);
      expect(r.stdout).toContain('**Queue overhead**');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('distributed: options and an unreachable Redis (no Redis needed)', () => {
  it('fails fast with exit 3 (the environment failed) and never prints the password', async () => {
    const port = await closedPort();
    const url = `redis://:secret@127.0.0.1:${port}`;
    const crawlRun = await runCli(['crawl', '-', '-s', 'distributed', '--redis', url], {
      stdin: 'http://127.0.0.1:9/\n',
      timeoutMs: 20_000,
    });
    expect(crawlRun.code).toBe(3);
    expect(crawlRun.stderr).toContain('unavailable');
    expect(crawlRun.stderr).toContain('***');
    expect(crawlRun.stderr + crawlRun.stdout).not.toContain('secret');
    const workerRun = await runCli(['worker', '--redis', url], { timeoutMs: 20_000 });
    expect(workerRun.code).toBe(3);
    expect(workerRun.stderr).toContain('unavailable');
    expect(workerRun.stderr + workerRun.stdout).not.toContain('secret');
  });

  it('takes the URL from CRAWLBENCH_REDIS_URL', async () => {
    const port = await closedPort();
    const result = await runCli(['worker'], {
      env: { CRAWLBENCH_REDIS_URL: `redis://u:hidden@127.0.0.1:${port}` },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`redis://u:***@127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('hidden');
  });

  it('rejects bad options with clear messages', async () => {
    await expect(collect([], { strategy: 'distributed' })).rejects.toThrow(
      'Expected `redis` to be a redis:// URL',
    );
    await expect(collect([], { strategy: 'distributed', redis: REDIS, runId: 'a:b' })).rejects.toThrow(
      'Expected `runId` to be 1-64 letters',
    );
    await expect(collect([], { strategy: 'distributed', redis: 'http://x' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    await expect(collect([], { strategy: 'async', runId: 'x' })).rejects.toThrow(
      '`runId` is an option of the distributed strategy',
    );
    const cli = await runCli(['crawl', '-', '--redis', REDIS]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('need --strategy distributed');
  });
});
