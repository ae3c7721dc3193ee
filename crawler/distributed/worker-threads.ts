import { once } from 'node:events';
import { Worker as Thread } from 'node:worker_threads';
import { probeRedis } from './connect.js';
import { type DistributedWorker, type DistributedWorkerOptions, startDistributedWorker } from './worker.js';
import type { WorkerThreadMessage } from './worker-thread.js';

const THREAD_ENTRY = new URL('./worker-thread.js', import.meta.url);

/**
 * Starts `threads` distributed workers in worker threads of this process (each with its own
 * BullMQ worker of `concurrency` slots and its own connections), so one process parses on several
 * cores. With one thread, the worker runs on the main thread. Redis is probed here first, so an
 * unreachable Redis fails with `REDIS_UNAVAILABLE` before any thread starts.
 */
export async function startDistributedWorkers(
  options: DistributedWorkerOptions & { readonly threads: number },
): Promise<Pick<DistributedWorker, 'close'>> {
  const { threads, onError, ...rest } = options;
  if (threads <= 1) return startDistributedWorker(options);
  await probeRedis(rest.connection, rest.where);
  const started = await Promise.all(
    Array.from({ length: threads }, async () => {
      const thread = new Thread(THREAD_ENTRY, { workerData: rest });
      await new Promise<void>((resolve, reject) => {
        thread.on('message', (message: WorkerThreadMessage) => {
          if (message.kind === 'ready') resolve();
          else if (message.kind === 'error') onError?.(new Error(message.message));
        });
        thread.once('error', reject);
        thread.once('exit', (code) => reject(new Error(`a worker thread exited at start (code ${code})`)));
      });
      return thread;
    }),
  );
  return {
    close: async () => {
      await Promise.all(
        started.map(async (thread) => {
          const exited = once(thread, 'exit');
          thread.postMessage('close');
          await exited;
        }),
      );
    },
  };
}
