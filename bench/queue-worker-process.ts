// Entry file of a local `distributed` worker for the bench: one process, one BullMQ worker. By
// default it runs one task at a time, like a process of the `processes` pool, so the two line up
// and their difference is what the queue costs per task; with `bench --queue-workers`, a few
// workers share the cell's tasks at once. Workers serve every run of the shared queue, so the
// bench keeps a cell's workers paused while other cells run.
import { parseRedisUrl, redactRedisUrl } from '../crawler/distributed/redis-url.js';
import { CrawlbenchError, type CrawlbenchErrorCode } from '../crawler/errors.js';
import { type DistributedWorker, startDistributedWorker } from '../crawler/distributed/worker.js';
import { becomeChild, sendToParent } from '../crawler/child-process.js';
import { VERSION } from '../crawler/version.js';
import { type EntryHello, RUN_PROTOCOL_VERSION } from './run-protocol.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

export type ToQueueWorker =
  | { readonly type: 'start'; readonly redis: string; readonly concurrency: number }
  | { readonly type: 'usage' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' };
export type FromQueueWorker =
  | EntryHello
  | { readonly type: 'ready' }
  | { readonly type: 'paused' }
  | { readonly type: 'resumed' }
  | { readonly type: 'usage'; readonly cpuMs: number; readonly maxRssBytes: number }
  | {
      readonly type: 'error';
      readonly message: string;
      /** The code of a CrawlbenchError, which the parent throws again; absent for any other error. */
      readonly code?: CrawlbenchErrorCode;
    };

function send(message: FromQueueWorker): void {
  sendToParent(message);
}

send({ type: 'hello', protocol: RUN_PROTOCOL_VERSION, crawlbenchVersion: VERSION });

let worker: DistributedWorker | undefined;
process.on('disconnect', () => {
  void (worker?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

process.on('message', (message: ToQueueWorker) => {
  if (message.type === 'usage') {
    const usage = process.resourceUsage();
    send({
      type: 'usage',
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssBytes: usage.maxRSS * 1024,
    });
    return;
  }
  if (message.type === 'pause') {
    void worker?.pause().then(() => send({ type: 'paused' }));
    return;
  }
  if (message.type === 'resume') {
    worker?.resume();
    send({ type: 'resumed' });
    return;
  }
  startDistributedWorker({
    connection: parseRedisUrl(message.redis),
    where: redactRedisUrl(message.redis),
    concurrency: message.concurrency,
  }).then(
    (started) => {
      worker = started;
      send({ type: 'ready' });
    },
    (error: unknown) =>
      send({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(error instanceof CrawlbenchError && { code: error.code }),
      }),
  );
});
