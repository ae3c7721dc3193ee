import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import { runKeys } from '../dist/crawler/distributed/keys.js';
import { addJobs } from '../dist/crawler/distributed/queue-jobs.js';
import type { DistributedRun } from '../dist/crawler/distributed/run-options.js';
import type { FixtureSite, PageRecord } from '../dist/index.js';
import { crawl, startFixtureSite } from '../dist/index.js';
import { type RunningCli, runCli, startCli } from './helpers/cli.js';
import {
  distributed,
  killStarted,
  redisTests,
  runKeysLeft,
  startPrivateRedis,
  startWorker,
  stopWorker,
  uniqueRunId,
  waitFor,
  type WorkerProcess,
} from './helpers/distributed.js';
import { delay } from './helpers/servers.js';

afterAll(killStarted);
const withRedis = redisTests ? describe : describe.skip;

/** The lines of a CLI run's JSON records. */
const linesOf = (stdout: string): number[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as PageRecord).line);

/** A field of a run's metadata. */
const metaField = (redis: Redis, runId: string, field: string): Promise<string | null> =>
  redis.hget(`crawlbench:run:${runId}`, field);

/** Waits until the run has sent `count` tasks to the queue (bounded). */
async function sentAtLeast(redis: Redis, runId: string, count: number): Promise<void> {
  for (let i = 0; i < 750; i++) {
    if (Number((await metaField(redis, runId, 'sent')) ?? 0) >= count) return;
    await delay(20);
  }
  throw new Error(`run ${runId} did not send ${count} tasks`);
}

/** A bounded wait on an async condition. */
async function eventually(condition: () => Promise<boolean>, what: string, tries = 750): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const crawlArgs = (runId: string, redis: string, more: readonly string[] = []): string[] => [
  'crawl',
  '-',
  '-s',
  'distributed',
  '--redis',
  redis,
  '--run-id',
  runId,
  '--retries',
  '0',
  ...more,
];

// Every test here has a Redis of its own: their workers then never take the tasks of the
// distributed tests running at the same time on the shared one (whose counts they would upset),
// and pruning with --older-than 0s touches no one else's runs.
withRedis('distributed at scale: batching, killed processes, resume checks and pruning', () => {
  let own: Awaited<ReturnType<typeof startPrivateRedis>>;
  let redis: Redis;
  let redisUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    own = await startPrivateRedis();
    redisUrl = own.url;
    env = { REDIS: redisUrl };
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await own?.close();
  });

  it("writes jobs as BullMQ's own add does (one script per batch instead of per job)", async () => {
    const queue = new Queue('crawlbench-tasks', {
      connection: { host: '127.0.0.1', port: Number(new URL(redisUrl).port) },
    });
    const runId = uniqueRunId();
    const run = { runId, optionsHash: '0123456789abcdef' } as DistributedRun;
    const data = (line: number) => ({
      runId,
      task: { line, url: `http://127.0.0.1:9/${line}` },
      options: run.optionsHash,
    });
    try {
      await queue.add('page', data(1), { jobId: `${runId}-1` });
      expect(await addJobs(redis, run, [data(2).task, data(3).task])).toBe(2);
      // A line is queued once: its job exists.
      expect(await addJobs(redis, run, [data(2).task])).toBe(0);
      const theirs = await redis.hgetall(`bull:crawlbench-tasks:${runId}-1`);
      const ours = await redis.hgetall(`bull:crawlbench-tasks:${runId}-2`);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      for (const field of ['name', 'delay', 'priority']) expect(ours[field]).toBe(theirs[field]);
      const { jobId: _id, ...theirOpts } = JSON.parse(theirs.opts!) as Record<string, unknown>;
      expect(JSON.parse(ours.opts!)).toEqual(theirOpts);
      // BullMQ reads them back as its own: in the wait list, in order, with their data.
      expect(await queue.getJobCounts('wait')).toEqual({ wait: 3 });
      const jobs = await queue.getJobs(['wait'], 0, -1, true);
      expect(jobs.map((j) => j.id)).toEqual([`${runId}-1`, `${runId}-2`, `${runId}-3`]);
      expect((await queue.getJob(`${runId}-3`))?.data).toEqual(data(3));
      // A paused queue gets them in its paused list, as BullMQ's add does.
      await queue.pause();
      await addJobs(redis, run, [data(4).task]);
      expect(await queue.getJobCounts('wait', 'paused')).toEqual({ wait: 0, paused: 4 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('does not queue a line that has its record already (a job finished after a resumed run looked)', async () => {
    const runId = uniqueRunId();
    const run = { runId, optionsHash: '0123456789abcdef' } as DistributedRun;
    const task = (line: number) => ({ line, url: `http://127.0.0.1:9/${line}` });
    const { records } = runKeys(runId);
    try {
      // Line 5's job ran and was removed on completion; its worker stored the record first.
      await redis.hset(records, '5', '{}');
      expect(await addJobs(redis, run, [task(5), task(6)])).toBe(1);
      expect(await redis.exists(`bull:crawlbench-tasks:${runId}-5`)).toBe(0);
      expect(await redis.exists(`bull:crawlbench-tasks:${runId}-6`)).toBe(1);
      // A forgotten record (a task sent back by the frontier, queued again as a retry) is queued.
      await redis.hdel(records, '5');
      expect(await addJobs(redis, run, [{ ...task(5), attempts: 1 }])).toBe(1);
    } finally {
      await redis.del(records);
      const queue = new Queue('crawlbench-tasks', {
        connection: { host: '127.0.0.1', port: Number(new URL(redisUrl).port) },
      });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('pipelined batches keep exactly-once with a worker and then the coordinator SIGKILLed mid-run', async () => {
    const pages = 2500;
    const site = await startFixtureSite({ pages, latencyMs: 20, pageKb: 1, links: 2 });
    const runId = uniqueRunId();
    const workers: WorkerProcess[] = [];
    let first: RunningCli | undefined;
    try {
      workers.push(await startWorker(['-c', '40'], env), await startWorker(['-c', '40'], env));
      const stdin = site.urlList().join('\n');
      // Up to 1200 tasks queued at once: batches of 500, two on their way at a time.
      const args = crawlArgs(runId, redisUrl, ['-c', '1200', '--no-parse']);
      first = startCli(args, { stdin });
      await first.linesAtLeast(400);
      workers[0]!.child.kill('SIGKILL');
      await first.linesAtLeast(1000);
      first.child.kill('SIGKILL');
      const killed = await first.result;
      expect(killed.signal).toBe('SIGKILL');
      // A killed coordinator leaves its run `running`, like nothing else does.
      expect(await metaField(redis, runId, 'state')).toBe('running');
      workers.push(await startWorker(['-c', '40'], env));
      const again = await runCli(args, { stdin, timeoutMs: 90_000 });
      expect(again.code, again.stderr).toBe(0);
      const lines = linesOf(again.stdout);
      expect(lines).toHaveLength(pages);
      expect(new Set(lines).size).toBe(pages);
      const records = again.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as PageRecord);
      expect(records.filter((r) => r.error !== null || r.status !== 200)).toEqual([]);
      // Each page was fetched once, but for those the killed worker had in progress (at most 40).
      expect(site.stats().requests).toBeLessThanOrEqual(pages + 40);
      expect(await runKeysLeft(redis, runId)).toEqual([]);
    } finally {
      first?.child.kill('SIGKILL');
      await Promise.all(workers.map(stopWorker));
      await site.close();
    }
  });

  describe('a resumed run', () => {
    let site: FixtureSite;
    let worker: WorkerProcess;

    beforeAll(async () => {
      site = await startFixtureSite({ pages: 40, latencyMs: 100, pageKb: 1, links: 2 });
      worker = await startWorker(['-c', '3'], env);
    });

    afterAll(async () => {
      await stopWorker(worker);
      await site.close();
    });

    it('with other options or another list is refused with one line (exit 2); with the same ones it completes', async () => {
      const runId = uniqueRunId();
      const list = site.urlList();
      const args = crawlArgs(runId, redisUrl, ['-c', '10']);
      const first = startCli(args, { stdin: list.join('\n') });
      await first.linesAtLeast(5);
      first.child.kill('SIGINT');
      expect((await first.result).code).toBe(130);

      const otherOptions = await runCli([...args, '--timeout', '5000'], { stdin: list.join('\n') });
      expect(otherOptions.code).toBe(2);
      expect(otherOptions.stdout).toBe('');
      expect(otherOptions.stderr).toContain(`run ${runId} was started with other options`);
      expect(otherOptions.stderr).toContain('fetch.timeoutMs was 10000, now 5000');

      // Lines 3 and 4 swapped: the same URLs, another list.
      const swapped = [list[0], list[1], list[3], list[2], ...list.slice(4)];
      const otherList = await runCli(args, { stdin: swapped.join('\n') });
      expect(otherList.code).toBe(2);
      expect(otherList.stderr).toContain(`run ${runId} was started with another list`);
      // A shorter list than what the run had sent is another list too.
      const shorter = await runCli(args, { stdin: list.slice(0, 2).join('\n') });
      expect(shorter.code).toBe(2);
      expect(shorter.stderr).toContain('another list');
      for (const refused of [otherOptions, otherList, shorter]) {
        // One line, before the summary line of a crawl (which a refused crawl has none of).
        expect(
          refused.stderr
            .trim()
            .split('\n')
            .filter((l) => !l.startsWith('distributed run')),
        ).toHaveLength(1);
      }
      // Refusals leave the run as it was: interrupted, to be resumed with the right list.
      expect(await metaField(redis, runId, 'state')).toBe('interrupted');

      const resumed = await runCli(args, { stdin: list.join('\n') });
      expect(resumed.code, resumed.stderr).toBe(0);
      const lines = linesOf(resumed.stdout);
      expect(lines).toHaveLength(40);
      expect(new Set(lines).size).toBe(40);
      expect(await runKeysLeft(redis, runId)).toEqual([]);
    });

    it('of an older crawlbench (no options hash) is refused', async () => {
      const runId = uniqueRunId();
      await redis.hset(`crawlbench:run:${runId}`, { state: 'interrupted', config: '{}' });
      try {
        await expect(
          crawl(site.urlList().slice(0, 3), { ...distributed(runId), redis: redisUrl }),
        ).rejects.toMatchObject({
          code: 'INVALID_OPTION',
          message: expect.stringContaining('was started by an older crawlbench') as unknown,
        });
        expect(await metaField(redis, runId, 'state')).toBe('interrupted');
      } finally {
        await redis.del(`crawlbench:run:${runId}`);
      }
    });

    it('a list that goes on past what the interrupted run had read is its list', async () => {
      const runId = uniqueRunId();
      const list = site.urlList();
      const stop = new AbortController();
      const first: PageRecord[] = [];
      const interrupted = await crawl(
        list.slice(0, 30),
        { ...distributed(runId, { concurrency: 10, signal: stop.signal }), redis: redisUrl },
        (record) => {
          first.push(record);
          if (first.length === 3) stop.abort();
        },
      );
      expect(interrupted.state).toBe('interrupted');
      const records: PageRecord[] = [];
      const summary = await crawl(list, { ...distributed(runId), redis: redisUrl }, (record) => {
        records.push(record);
      });
      expect(summary.state).toBe('completed');
      expect(new Set(records.map((r) => r.line)).size).toBe(40);
    });
  });

  it('runs --prune removes the abandoned runs with their queued tasks, leaves a live run alone, and workers skip a pruned run', async () => {
    // A Redis of its own again: what it prunes is this test's alone.
    const own = await startPrivateRedis();
    const client = new Redis(own.url);
    const [siteA, siteK, siteL] = await Promise.all([
      startFixtureSite({ pages: 12, pageKb: 1, links: 2 }),
      startFixtureSite({ pages: 10, latencyMs: 5000, pageKb: 1, links: 2 }),
      startFixtureSite({ pages: 15, pageKb: 1, links: 2 }),
    ]);
    const env = { REDIS: own.url };
    const started: WorkerProcess[] = [];
    const stopLive = new AbortController();
    let live: Promise<unknown> | undefined;
    try {
      // K: a worker takes two of its tasks and is killed, then its coordinator is killed too.
      started.push(await startWorker(['-c', '2'], env));
      const runK = uniqueRunId();
      const coordinatorK = startCli(crawlArgs(runK, own.url), { stdin: siteK.urlList().join('\n') });
      await waitFor(() => siteK.stats().inFlight === 2, 'the worker to take two tasks of K');
      await sentAtLeast(client, runK, 10);
      started[0]!.child.kill('SIGKILL');
      coordinatorK.child.kill('SIGKILL');
      await coordinatorK.result;
      // Its coordinator was seen a moment ago: not abandoned yet, whatever --older-than says.
      const tooSoon = await runCli(['runs', '--prune', '--older-than', '0s', '--redis', own.url, '--json']);
      expect(tooSoon.stdout).toBe('');
      await client.hset(
        `crawlbench:run:${runK}`,
        'updatedAt',
        new Date(Date.now() - 2 * 86_400_000).toISOString(),
      );

      // A: interrupted with Ctrl-C before any worker ran a task.
      const runA = uniqueRunId();
      const coordinatorA = startCli(crawlArgs(runA, own.url), { stdin: siteA.urlList().join('\n') });
      await sentAtLeast(client, runA, 12);
      coordinatorA.child.kill('SIGINT');
      expect((await coordinatorA.result).code).toBe(130);

      // L: live, waiting for a worker.
      const runL = uniqueRunId();
      const records: PageRecord[] = [];
      live = crawl(
        siteL.urlList(),
        { ...distributed(runL), redis: own.url, signal: stopLive.signal },
        (r) => {
          records.push(r);
        },
      );
      await sentAtLeast(client, runL, 15);
      const keysL = (await runKeysLeft(client, runL)).sort();
      expect(keysL.filter((k) => k.startsWith('bull:'))).toHaveLength(15);

      const pruned = await runCli(['runs', '--prune', '--older-than', '0s', '--redis', own.url, '--json']);
      expect(pruned.code).toBe(0);
      const removed = pruned.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { runId: string; state: string; jobs: number });
      expect(removed.map((r) => [r.runId, r.state, r.jobs]).sort()).toEqual(
        [
          [runA, 'interrupted', 12],
          // Two of K's tasks were being run by the killed worker: left for their lock to expire.
          [runK, 'running', 8],
        ].sort(),
      );
      expect(await runKeysLeft(client, runA)).toEqual([]);
      expect((await runKeysLeft(client, runK)).filter((k) => k.startsWith('crawlbench:'))).toEqual([]);
      expect((await runKeysLeft(client, runL)).sort()).toEqual(keysL);

      // A worker completes L, and takes K's two tasks back from the dead worker without running them.
      started.push(await startWorker(['-c', '4'], env));
      await eventually(async () => records.length === 15, 'run L to finish');
      await eventually(async () => (await runKeysLeft(client, runK)).length === 0, "K's last jobs to go");
      expect(siteA.stats().requests).toBe(0);
      expect(siteK.stats().requests).toBe(2);
      expect(await live).toMatchObject({ state: 'completed', records: 15 });
      const listed = await runCli(['runs', '--redis', own.url, '--json']);
      expect(listed.stdout).toBe('');
    } finally {
      stopLive.abort();
      await live?.catch(() => {});
      await Promise.all(started.map(stopWorker));
      client.disconnect();
      await own.close();
      await Promise.all([siteA, siteK, siteL].map((s) => s.close()));
    }
  });

  it('a queued task costs Redis a bounded number of bytes, and pruning gives them back', async () => {
    const own = await startPrivateRedis();
    const client = new Redis(own.url);
    // QUEUE_MEMORY_TASKS=100000 measures the README's figure; the default keeps the test short.
    const tasks = Number(process.env.QUEUE_MEMORY_TASKS ?? 20_000);
    const runId = uniqueRunId();
    try {
      const used = async (): Promise<number> =>
        Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? Number.NaN);
      // The queue's event stream is capped at 10,000 events: filled first, so that what grows is
      // the run's alone.
      const fill = client.pipeline();
      for (let i = 0; i < 10_000; i++) {
        fill.xadd(
          'bull:crawlbench-tasks:events',
          'MAXLEN',
          '~',
          '10000',
          '*',
          'event',
          'waiting',
          'jobId',
          `fill-${i}`,
        );
      }
      await fill.exec();
      const before = await used();
      // URLs the shape of a real list's: 40-odd characters each.
      const list = Array.from({ length: tasks }, (_, i) => `http://127.0.0.1:9/catalogue/item-${i}.html`);
      const stop = new AbortController();
      const crawling = crawl(list, {
        ...distributed(runId, { stallTimeoutMs: 300_000 }),
        redis: own.url,
        concurrency: tasks,
        signal: stop.signal,
      });
      await eventually(
        async () => Number((await metaField(client, runId, 'sent')) ?? 0) >= tasks,
        'every task to be queued',
        6000,
      );
      stop.abort();
      expect((await crawling).state).toBe('interrupted');
      const perTask = ((await used()) - before) / tasks;
      console.info(`Redis memory per queued task: ${Math.round(perTask)} bytes (${tasks} tasks)`);
      expect(perTask).toBeLessThan(1000);
      const pruned = await runCli(['runs', '--prune', '--older-than', '0s', '--redis', own.url, '--json']);
      expect((JSON.parse(pruned.stdout) as { jobs: number }).jobs).toBe(tasks);
      expect(await client.llen('bull:crawlbench-tasks:wait')).toBe(0);
      // What stays is Redis's own (its keyspace's hash table does not shrink at once), not the run's.
      expect((await used()) - before).toBeLessThan(tasks * 100);
    } finally {
      client.disconnect();
      await own.close();
    }
  });

  it("bench --queue-workers shares a cell's tasks among a few workers and reports the coordinator's and Redis's CPU per task", async () => {
    const out = mkdtempSync(join(tmpdir(), 'crawlbench-bench-queue-workers-'));
    try {
      const r = await runCli(
        ['bench', '--strategies', 'processes,distributed', '--modes', 'io', '-c', '8', '--queue-workers', '2']
          .concat(['--runs', '2', '--warmup', '0', '--io-pages', '40', '--latency', '0', '--no-parse'])
          .concat(['--no-raw-ceiling', '--redis', redisUrl, '--out', out, '--quiet']),
        { timeoutMs: 90_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
      const id = 'io/distributed/8/workers-2/fetch-only';
      const cell = result.cells.find((c) => c.id === id);
      expect(cell).toMatchObject({ queueWorkers: 2, concurrency: 8 });
      expect(cell?.samples.every((s) => s.records === 40 && s.errors === 0 && s.queue !== undefined)).toBe(
        true,
      );
      // Two workers of four tasks each are no lineup with eight processes of one: no overhead.
      expect(result.queueOverheads).toEqual([]);
      const [cost] = result.queueCosts ?? [];
      expect(cost).toMatchObject({ cellId: id, workers: 2, slots: 8 });
      expect(cost!.coordinatorMsPerTask.n).toBe(2);
      expect(cost!.coordinatorMsPerTask.median).toBeGreaterThan(0);
      expect(cost!.tasksPerCoordinatorCore).toBeCloseTo(1000 / cost!.coordinatorMsPerTask.median);
      expect(cost!.redisMsPerTask?.median).toBeGreaterThan(0);
      expect(cost!.coordinatorShare.median).toBeGreaterThan(0);
      expect(cost!.coordinatorShare.median).toBeLessThan(1);
      // Both reports say it, in one line per distributed cell.
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toMatch(
        new RegExp(
          `\\*\\*Queue costs\\*\\* .*\\n\\n- ${id.replace(/[/-]/g, '\\$&')} \\(2 workers, 8 tasks at once\\): coordinator \\d+\\.\\d{3} ms per task`,
        ),
      );
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<b>Queue costs</b>');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
