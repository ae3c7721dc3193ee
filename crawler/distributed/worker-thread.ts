// Entry file of the threads of `crawlbench worker --threads K`: one BullMQ worker per thread,
// closed when the parent posts any message. It talks to the parent only through typed messages.
import { parentPort, workerData } from 'node:worker_threads';
import { type DistributedWorkerOptions, startDistributedWorker } from './worker.js';

/** Messages from a worker thread to its parent. */
export type WorkerThreadMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'closed' };

const port = parentPort;
if (port) {
  const post = (message: WorkerThreadMessage): void => port.postMessage(message);
  const worker = await startDistributedWorker({
    ...(workerData as Omit<DistributedWorkerOptions, 'onError'>),
    onError: (error) => post({ kind: 'error', message: error.message }),
  });
  post({ kind: 'ready' });
  port.once('message', () => {
    void worker.close().then(() => {
      post({ kind: 'closed' });
      port.close();
    });
  });
}
