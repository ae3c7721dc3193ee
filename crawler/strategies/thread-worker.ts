// Entry file of the piscina worker threads: a task in, a WorkerOutcome out.
import { threadId, workerData } from 'node:worker_threads';
import { loadExtractor } from '../extract/load-extract.js';
import { signalOf } from './abort-relay.js';
import type { ThreadTask } from './thread-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import { createTaskRunner, type WorkerInit } from './worker-task.js';

const init = workerData as WorkerInit;
// With `parseIn: 'main'` the main thread runs the extraction code; this worker only fetches.
const extractor =
  init.parseIn === 'worker' && init.config.extract ? await loadExtractor(init.config.extract) : null;
const runTaskInThread = createTaskRunner(init, extractor);

export async function runTask({ task, abort, thread }: ThreadTask): Promise<WorkerOutcome> {
  Atomics.store(thread, 0, threadId);
  const { signal, release } = signalOf(abort);
  try {
    return await runTaskInThread(task, signal, (busy) => Atomics.store(thread, 1, busy ? 1 : 0));
  } finally {
    release();
  }
}
