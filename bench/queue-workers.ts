import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { CrawlbenchError } from '../crawler/errors.js';
import type { FromQueueWorker, ToQueueWorker } from './queue-worker-process.js';

const ENTRY = new URL('./queue-worker-process.js', import.meta.url);

/** The local `crawlbench worker` processes of one distributed bench cell. */
export interface QueueWorkers {
  /** Lets them take jobs (they start paused: the queue is shared by every run). */
  resume(): Promise<void>;
  /** Stops them taking jobs once those in progress are done. */
  pause(): Promise<void>;
  /** CPU time of all of them so far (ms) and their largest peak RSS. */
  usage(): Promise<{ cpuMs: number; maxRssBytes: number }>;
  close(): Promise<void>;
}

function ask(child: ChildProcess, message: ToQueueWorker): Promise<FromQueueWorker> {
  const answer = once(child, 'message') as Promise<[FromQueueWorker]>;
  child.send(message);
  return answer.then(([reply]) => reply);
}

/** Starts `count` single-task queue workers on `redis`; rejects if one cannot connect. */
export async function startQueueWorkers(count: number, redis: string): Promise<QueueWorkers> {
  const children = Array.from({ length: count }, () =>
    fork(ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  const close = async (): Promise<void> => {
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
    for (const reply of await all({ type: 'start', redis })) {
      if (reply.type === 'error') throw new CrawlbenchError('REDIS_UNAVAILABLE', reply.message);
    }
    await all({ type: 'pause' });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async resume() {
      await all({ type: 'resume' });
    },
    async pause() {
      await all({ type: 'pause' });
    },
    async usage() {
      const replies = await Promise.all(children.map((child) => ask(child, { type: 'usage' })));
      let cpuMs = 0;
      let maxRssBytes = 0;
      for (const reply of replies) {
        if (reply.type !== 'usage') continue;
        cpuMs += reply.cpuMs;
        maxRssBytes = Math.max(maxRssBytes, reply.maxRssBytes);
      }
      return { cpuMs, maxRssBytes };
    },
    close,
  };
}
