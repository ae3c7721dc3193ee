import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { CrawlbenchError } from '../crawler/errors.js';
import { awaitHello, type BenchBuild } from './builds.js';
import type { FromQueueWorker, ToQueueWorker } from './queue-worker-process.js';

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
 * Starts `count` single-task queue workers of `build` on `redis`; rejects if one cannot connect
 * (its code) or speaks another run protocol (`INCOMPATIBLE_BUILD`).
 */
export async function startQueueWorkers(
  count: number,
  redis: string,
  build: BenchBuild,
): Promise<QueueWorkers> {
  const children = Array.from({ length: count }, () => {
    const child = fork(build.queueWorker, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // A failed send (the channel just closed) must not become an uncaught 'error' event: the
    // worker's exit fails the question instead.
    child.on('error', () => {});
    return child;
  });
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
    await Promise.all(children.map((child) => awaitHello(child, build, 'queue worker')));
    for (const reply of await all({ type: 'start', redis })) {
      if (reply.type === 'error') throw new CrawlbenchError(reply.code ?? 'HARNESS_FAILED', reply.message);
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
