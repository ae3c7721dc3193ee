import { finishPage } from '../page.js';
import type { ParseOptions } from '../step-options.js';
import type { FetchedPage, TaskResult } from '../types.js';

/**
 * What a pool worker hands back per task: the fetched page, still to be parsed on the main thread
 * (`parseIn: 'main'`), or the task's finished result (parsed in the worker, or a worker failure).
 * Structured-cloneable: it crosses threads and processes.
 */
export type WorkerOutcome =
  | { readonly kind: 'fetched'; readonly page: FetchedPage }
  | { readonly kind: 'finished'; readonly result: TaskResult };

/** The result of a fetched page: parsed here, with the host's wait it may carry. */
export function finishFetched(page: FetchedPage, options: ParseOptions): TaskResult {
  return { record: finishPage(page, options), retryAfterMs: page.retryAfterMs };
}

/** The result of a worker's outcome: parses on this thread what the worker did not. */
export function resultOf(outcome: WorkerOutcome, options: ParseOptions): TaskResult {
  return outcome.kind === 'finished' ? outcome.result : finishFetched(outcome.page, options);
}
