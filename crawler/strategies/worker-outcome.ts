import type { Extractor } from '../extract/run-extract.js';
import { finishTask, finishTaskExtracting } from '../page.js';
import type { ParseOptions } from '../step-options.js';
import type { FetchedPage, PageTrace, TaskResult } from '../types.js';

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

/**
 * A finisher with the crawl's parse options and, when it has extraction code, that code's
 * extractor. With `trace`, each result says when and where its page ran (see PageTrace).
 */
export function pageFinisher(
  options: ParseOptions,
  extraction: { extractor: Extractor; timeoutMs: number } | null,
  trace = false,
): PageFinisher {
  const finishResult = extraction
    ? (page: FetchedPage): Promise<TaskResult> =>
        finishTaskExtracting(page, options, extraction.extractor, extraction.timeoutMs)
    : async (page: FetchedPage): Promise<TaskResult> => finishTask(page, options);
  return {
    finish: async (page) => {
      const result = await finishResult(page);
      return trace ? { ...result, trace: traceOf(page) } : result;
    },
  };
}

/** When and where a page ran, as it is finished now. */
function traceOf(page: FetchedPage): PageTrace {
  return {
    worker: page.lane?.worker ?? 0,
    slot: page.lane?.slot ?? 0,
    startedAt: page.startedAt,
    firstByteAt: page.firstByteAt,
    fetchedAt: page.startedAt + page.fetchMs,
    finishedAt: performance.timeOrigin + performance.now(),
  };
}

/** The result of a worker's outcome: finishes on this thread what the worker did not. */
export function resultOf(outcome: WorkerOutcome, finisher: PageFinisher): Promise<TaskResult> | TaskResult {
  return outcome.kind === 'finished' ? outcome.result : finisher.finish(outcome.page);
}
