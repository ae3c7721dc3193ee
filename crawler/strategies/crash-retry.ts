import { pageError } from '../errors.js';
import { errorRecord } from '../page.js';
import type { Task } from '../types.js';
import type { TaskOutcome } from './strategy.js';

/**
 * Runs a task on a pool, surviving one worker crash: a task whose worker died is retried once on
 * a fresh worker, then recorded as `WORKER_CRASHED`. A task cut short by the abort signal is
 * recorded as `ABORTED`. Either way the task yields exactly one outcome.
 */
export async function runWithCrashRetry(
  task: Task,
  run: (task: Task) => Promise<TaskOutcome>,
  abortSignal: AbortSignal | undefined,
): Promise<TaskOutcome> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (abortSignal?.aborted) break;
    try {
      return await run(task);
    } catch (error) {
      lastError = error;
    }
  }
  if (abortSignal?.aborted) {
    return {
      kind: 'record',
      record: errorRecord(task, pageError('ABORTED', 'crawl aborted while in flight')),
    };
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  return {
    kind: 'record',
    record: errorRecord(task, pageError('WORKER_CRASHED', `worker died twice on this task (${reason})`)),
  };
}
