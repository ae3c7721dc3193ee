import { pageError } from '../errors.js';
import { errorRecord } from '../page.js';
import type { Task, TaskResult } from '../types.js';
import { type RunOptions, TaskTimeoutError, WorkerExitedError } from './pool-errors.js';
import type { WorkerOutcome } from './worker-outcome.js';

function failed(
  task: Task,
  code: 'ABORTED' | 'WORKER_CRASHED' | 'TASK_TIMEOUT',
  message: string,
): WorkerOutcome {
  const result: TaskResult = { record: errorRecord(task, pageError(code, message)), retryAfterMs: null };
  return { kind: 'finished', result };
}

/**
 * Runs a task on a pool, surviving one worker crash: a task whose worker died is retried once on
 * a fresh worker, then recorded as `WORKER_CRASHED`. A task cut short by the abort signal is
 * recorded as `ABORTED`, one that ran past the task timeout as `TASK_TIMEOUT`. Either way the task
 * yields exactly one outcome.
 */
export async function runWithCrashRetry(
  task: Task,
  run: (task: Task, options: RunOptions) => Promise<WorkerOutcome>,
  abortSignal: AbortSignal | undefined,
): Promise<WorkerOutcome> {
  let lastError: unknown;
  let options: RunOptions = {};
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (abortSignal?.aborted) break;
    try {
      return await run(task, options);
    } catch (error) {
      // A runaway task would run away again: recorded, not retried.
      if (error instanceof TaskTimeoutError) return failed(task, 'TASK_TIMEOUT', error.message);
      lastError = error;
      // A fresh worker, not one that may be dying with the first (see WorkerExitedError).
      if (error instanceof WorkerExitedError) options = { freshAfter: error.freshAfter };
    }
  }
  if (abortSignal?.aborted) return failed(task, 'ABORTED', 'crawl aborted while in flight');
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  return failed(task, 'WORKER_CRASHED', `worker died twice on this task (${reason})`);
}
