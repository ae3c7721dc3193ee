import { isMainThread, threadId } from 'node:worker_threads';
import pLimit from 'p-limit';
import { createDispatcher } from '../fetch.js';
import { fetchTask } from '../fetch-task.js';
import type { Extractor } from '../extract/run-extract.js';
import type { WorkerConfig } from '../step-options.js';
import type { FetchedPage, ParsePlacement, Task } from '../types.js';
import { Slots } from './slots.js';
import { yieldToIo } from './yield-to-io.js';
import { pageFinisher, type WorkerOutcome } from './worker-outcome.js';

/** What every worker (thread or process) is started with. Plain data. */
export interface WorkerInit {
  readonly config: WorkerConfig;
  readonly parseIn: ParsePlacement;
  /**
   * Connections per origin of the worker's dispatcher: its cap on requests in flight to one host.
   * A pool worker runs one task at a time; a distributed worker runs many. @default 8
   */
  readonly connections?: number;
  /**
   * Requests in flight at once, when the worker is handed more tasks than that (a hybrid pool
   * hands each worker twice its `perWorker`, so a response never waits for the next task to come
   * from the main thread). Absent: every task fetches at once.
   */
  readonly fetchSlots?: number;
}

/**
 * Runs one task in a worker. `busy` is told when the task starts and stops computing (decode,
 * parse, extraction): where a worker runs several tasks, a task that never stops computing is the
 * one that holds the others up, and the one a task timeout must blame.
 */
export type TaskRunner = (
  task: Task,
  signal?: AbortSignal,
  busy?: (busy: boolean) => void,
) => Promise<WorkerOutcome>;

/**
 * The code a worker runs per task — the same fetch and parse functions the main thread uses, and
 * the crawl's extraction code (loaded by the worker: `extractor`). The worker keeps one keep-alive
 * dispatcher for its whole life.
 */
export function createTaskRunner(init: WorkerInit, extractor: Extractor | null): TaskRunner {
  const dispatcher = createDispatcher({ connections: init.connections ?? 8 });
  const extraction = extractor ? { extractor, timeoutMs: init.config.fetch.timeoutMs } : null;
  const trace = init.config.trace === true;
  const finisher = pageFinisher(init.config.parse, extraction, trace);
  const limit = init.fetchSlots === undefined ? null : pLimit(init.fetchSlots);
  // A timeline's lane: this thread (a pool thread) or process (a child, a distributed worker), and
  // which of its requests in flight the page was.
  const worker = isMainThread ? process.pid : threadId;
  const slots = new Slots(init.fetchSlots ?? 1);
  const fetchOne = async (task: Task, signal: AbortSignal | undefined): Promise<FetchedPage> => {
    if (!trace) return fetchTask(task, init.config.fetch, { dispatcher, signal });
    const slot = slots.take();
    try {
      return await fetchTask(task, init.config.fetch, { dispatcher, signal, lane: { worker, slot } });
    } finally {
      slots.give(slot);
    }
  };
  return async (task, signal, busy) => {
    // As in the async strategy, the limit guards the fetch only: a page being parsed frees its slot.
    const page = await (limit ? limit(() => fetchOne(task, signal)) : fetchOne(task, signal));
    if (init.parseIn === 'main') return { kind: 'fetched', page };
    // Many requests on this worker's loop (a hybrid pool): as in the async strategy, the rest of a
    // wave of responses sends its next requests before this one parses. Without it, 2×32 threads
    // measured 86 ms from request to first byte on a 50 ms site (bare undici in a worker: 52 ms).
    if (limit) await yieldToIo();
    busy?.(true);
    try {
      return { kind: 'finished', result: await finisher.finish(page) };
    } finally {
      busy?.(false);
    }
  };
}
