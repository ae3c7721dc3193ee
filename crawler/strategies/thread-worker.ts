// Entry file of the piscina worker threads: a task in, a WorkerOutcome out.
import { workerData } from 'node:worker_threads';
import type { Task } from '../types.js';
import type { WorkerOutcome } from './worker-outcome.js';
import { createTaskRunner, type WorkerInit } from './worker-task.js';

const runTaskInThread = createTaskRunner(workerData as WorkerInit);

export function runTask(task: Task): Promise<WorkerOutcome> {
  return runTaskInThread(task);
}
