// Helpers of the distributed tests: workers spawned from the built CLI, Redis keys of a run, a
// proxy to stage outages, a private redis-server, and the options of a distributed crawl.
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { CrawlOptions } from '../../dist/index.js';
import { CLI } from './cli.js';
import { closedPort, delay } from './servers.js';

// These tests need a real Redis on 127.0.0.1:6379 (.ci/run starts one). Without it they are
// skipped on a dev machine and fail under CI=true, so CI can never pass by skipping them.
export const REDIS = 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis({ lazyConnect: true, connectTimeout: 2000, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export const redisUp = await redisAnswers();
if (!redisUp && process.env.CI !== 'true') {
  console.warn('Redis tests skipped: no Redis on 127.0.0.1:6379 (start redis-server or run .ci/run)');
}
/** Whether the Redis tests run: Redis answers, or CI (where it must, so they fail rather than skip). */
export const redisTests = redisUp || process.env.CI === 'true';
let runs = 0;

// Every worker (and private Redis) a test file started and that is still alive: killed at the end
// (each file calls `afterAll(killStarted)`), so a test that timed out before its own cleanup leaves
// no worker serving the shared queue after its file.
const started = new Set<ChildProcess>();
export function killStarted(): void {
  for (const child of started) child.kill('SIGKILL');
}
export const uniqueRunId = (): string => `test-${process.pid}-${Date.now().toString(36)}-${++runs}`;

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exit: Promise<WorkerExit>;
}

/** Starts `crawlbench worker` from the built CLI; resolves once it says it is serving. */
export async function startWorker(
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'worker',
      '--redis',
      env.REDIS ?? REDIS,
      '--lock-duration',
      '2000',
      '--stalled-interval',
      '1000',
      ...args,
    ],
    { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  started.add(child);
  const exit = new Promise<WorkerExit>((resolve) =>
    child.on('close', (code, signal) => {
      started.delete(child);
      resolve({ code, signal, stderr });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${stderr}`)), 15_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('slots on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exit.then(() => reject(new Error(`worker exited at start: ${stderr}`)));
  });
  return { child, exit };
}

/** Stops a worker with SIGINT (SIGKILL if it has not exited 15 s later). */
export async function stopWorker(worker: WorkerProcess): Promise<WorkerExit> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exit;
  worker.child.kill('SIGINT');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
  const result = await worker.exit;
  clearTimeout(timer);
  return result;
}

/** Every Redis key of a run: its own keys and its BullMQ jobs. */
export async function runKeysLeft(redis: Redis, runId: string): Promise<string[]> {
  const [own, jobs] = await Promise.all([
    redis.keys(`crawlbench:run:${runId}*`),
    redis.keys(`bull:crawlbench-tasks:${runId}-*`),
  ]);
  return [...own, ...jobs];
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/**
 * A TCP proxy on 127.0.0.1 to the test Redis, to stage an outage without touching the shared
 * server: `cut()` drops every connection and refuses new ones until `restore()`.
 */
export async function startRedisProxy(): Promise<{
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}> {
  let up = true;
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = connect(6379, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const cut = (): void => {
    up = false;
    for (const s of sockets) s.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    restore: () => {
      up = true;
    },
    close: async () => {
      cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Removes what an abandoned run left: its keys and its jobs still in the shared queue. */
export async function dropRun(redis: Redis, runId: string): Promise<void> {
  const queue = new Queue('crawlbench-tasks', { connection: { host: '127.0.0.1', port: 6379 } });
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'delayed', 'failed', 'completed']);
    await Promise.all(
      jobs.filter((j) => j?.id?.startsWith(`${runId}-`)).map((j) => j.remove().catch(() => {})),
    );
  } finally {
    await queue.close();
  }
  await redis.del(
    `crawlbench:run:${runId}`,
    `crawlbench:run:${runId}:records`,
    `crawlbench:run:${runId}:results`,
    `crawlbench:run:${runId}:list`,
  );
}

/** A Redis of this test's own, on a free port, that it may stop and start again (empty: no persistence). */
export async function startPrivateRedis(): Promise<{
  url: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}> {
  const port = await closedPort();
  let server: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    started.add(server);
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      const up = await probe.connect().then(
        () => true,
        () => false,
      );
      probe.disconnect();
      if (up) return;
      await delay(50);
    }
    throw new Error('redis-server did not start');
  };
  const stop = async (): Promise<void> => {
    const current = server;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
    started.delete(current);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await stop();
      await start();
    },
    close: stop,
  };
}

export function distributed(runId: string, more: CrawlOptions = {}): CrawlOptions {
  return { strategy: 'distributed', redis: REDIS, runId, retries: 0, stallTimeoutMs: 30_000, ...more };
}
