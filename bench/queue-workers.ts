import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { parseRedisUrl, redactRedisUrl } from '../crawler/distributed/redis-url.js';
import { CrawlbenchError } from '../crawler/errors.js';
import { awaitHello, type BenchBuild } from './builds.js';
import { crawlerExecArgv } from './crawler-flags.js';
import type { FromQueueWorker, ToQueueWorker } from './queue-worker-process.js';

/** What the queue side of a distributed cell has used so far. */
export interface QueueUsage {
  /** CPU time of all the cell's workers (ms). */
  readonly cpuMs: number;
  /** Their largest peak RSS. */
  readonly maxRssBytes: number;
  /** CPU time of the Redis server since it started (ms), or null when it cannot be read. */
  readonly redisCpuMs: number | null;
}

/** The local `crawlbench worker` processes of one distributed bench cell. */
export interface QueueWorkers {
  /** Worker processes. */
  readonly count: number;
  /** Lets them take jobs (they start paused: the queue is shared by every run). */
  resume(): Promise<void>;
  /** Stops them taking jobs once those in progress are done. */
  pause(): Promise<void>;
  /** CPU of the workers and of Redis so far, and the workers' largest peak RSS. */
  usage(): Promise<QueueUsage>;
  close(): Promise<void>;
}

/** Sends one question and waits for its answer; a worker that exits first fails the question. */
function ask(child: ChildProcess, message: ToQueueWorker): Promise<FromQueueWorker> {
  return new Promise((resolve, reject) => {
    const gone = (): void => {
      child.off('message', answered);
      const how = child.signalCode ?? `code ${child.exitCode}`;
      reject(new CrawlbenchError('HARNESS_FAILED', `A bench queue worker exited with ${how}`));
    };
    const answered = (reply: FromQueueWorker): void => {
      child.off('exit', gone);
      resolve(reply);
    };
    if (child.exitCode !== null || child.signalCode !== null) {
      gone();
      return;
    }
    child.once('message', answered);
    child.once('exit', gone);
    child.send(message);
  });
}

/**
 * How `slots` tasks at once are shared by `workers` processes: as evenly as possible (64 on 3 is
 * 22, 21, 21), never more processes than tasks.
 */
export function shareSlots(slots: number, workers: number): number[] {
  const count = Math.min(slots, workers);
  return Array.from({ length: count }, (_, i) => Math.floor(slots / count) + (i < slots % count ? 1 : 0));
}

/**
 * Starts the queue workers of a distributed cell on `redis`, with the code of `build`: one process
 * per entry of `slots`, running that many tasks at once. Rejects if one cannot connect (its code)
 * or speaks another run protocol (`INCOMPATIBLE_BUILD`).
 */
export async function startQueueWorkers(
  slots: readonly number[],
  redis: string,
  build: BenchBuild,
): Promise<QueueWorkers> {
  // Loaded here: only a bench with distributed cells loads ioredis.
  const { openRedisCpuMeter } = await import('../crawler/distributed/redis-cpu.js');
  const meter = await openRedisCpuMeter(parseRedisUrl(redis), redactRedisUrl(redis));
  const children = slots.map(() => {
    const child = fork(build.queueWorker, [], {
      execArgv: crawlerExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // A failed send (the channel just closed) must not become an uncaught 'error' event: the
    // worker's exit fails the question instead.
    child.on('error', () => {});
    return child;
  });
  const close = async (): Promise<void> => {
    meter.close();
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        if (child.connected) child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  const all = (message: ToQueueWorker): Promise<FromQueueWorker[]> =>
    Promise.all(children.map((child) => ask(child, message)));
  try {
    await Promise.all(children.map((child) => awaitHello(child, build, 'queue worker')));
    const replies = await Promise.all(
      children.map((child, i) => ask(child, { type: 'start', redis, concurrency: slots[i]! })),
    );
    for (const reply of replies) {
      if (reply.type === 'error') throw new CrawlbenchError(reply.code ?? 'HARNESS_FAILED', reply.message);
    }
    await all({ type: 'pause' });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    count: children.length,
    async resume() {
      await all({ type: 'resume' });
    },
    async pause() {
      await all({ type: 'pause' });
    },
    async usage() {
      const [replies, redisCpuMs] = await Promise.all([all({ type: 'usage' }), meter.read()]);
      let cpuMs = 0;
      let maxRssBytes = 0;
      for (const reply of replies) {
        if (reply.type !== 'usage') continue;
        cpuMs += reply.cpuMs;
        maxRssBytes = Math.max(maxRssBytes, reply.maxRssBytes);
      }
      return { cpuMs, maxRssBytes, redisCpuMs };
    },
    close,
  };
}
