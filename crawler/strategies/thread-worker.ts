// Entry file of the piscina worker threads: a task in, a WorkerOutcome out.
import { workerData } from 'node:worker_threads';
import type { Task } from '../types.js';
import { loadExtractor } from '../extract/load-extract.js';
import type { WorkerOutcome } from './worker-outcome.js';
import { createTaskRunner, type WorkerInit } from './worker-task.js';

const init = workerData as WorkerInit;
// With `parseIn: 'main'` the main thread runs the extraction code; this worker only fetches.
const extractor =
  init.parseIn === 'worker' && init.config.extract ? await loadExtractor(init.config.extract) : null;
const runTaskInThread = createTaskRunner(init, extractor);

export function runTask(task: Task): Promise<WorkerOutcome> {
  return runTaskInThread(task);
}
