import type { Extractor } from '../extract/run-extract.js';
import { finishTask, finishTaskExtracting } from '../page.js';
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

/**
 * The last steps of the page pipeline, wherever they run: decode, parse, extraction code when the
 * crawl has some, the record. Its extractor belongs to the thread running it.
 */
export interface PageFinisher {
  finish(page: FetchedPage): Promise<TaskResult>;
}

/** A finisher with the crawl's parse options and, when it has extraction code, that code's extractor. */
export function pageFinisher(
  options: ParseOptions,
  extraction: { extractor: Extractor; timeoutMs: number } | null,
): PageFinisher {
  if (extraction === null) {
    return { finish: async (page) => finishTask(page, options) };
  }
  const { extractor, timeoutMs } = extraction;
  return { finish: (page) => finishTaskExtracting(page, options, extractor, timeoutMs) };
}

/** The result of a worker's outcome: finishes on this thread what the worker did not. */
export function resultOf(outcome: WorkerOutcome, finisher: PageFinisher): Promise<TaskResult> | TaskResult {
  return outcome.kind === 'finished' ? outcome.result : finisher.finish(outcome.page);
}
