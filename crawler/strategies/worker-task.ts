import { createDispatcher, fetchPage } from '../fetch.js';
import type { Extractor } from '../extract/run-extract.js';
import type { WorkerConfig } from '../step-options.js';
import type { ParsePlacement, Task } from '../types.js';
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
}

/**
 * The code a worker runs per task — the same fetch and parse functions the main thread uses, and
 * the crawl's extraction code (loaded by the worker: `extractor`). The worker keeps one keep-alive
 * dispatcher for its whole life.
 */
export function createTaskRunner(
  init: WorkerInit,
  extractor: Extractor | null,
): (task: Task, signal?: AbortSignal) => Promise<WorkerOutcome> {
  const dispatcher = createDispatcher({ connections: init.connections ?? 8 });
  const extraction = extractor ? { extractor, timeoutMs: init.config.fetch.timeoutMs } : null;
  const finisher = pageFinisher(init.config.parse, extraction);
  return async (task, signal) => {
    const page = await fetchPage(task, init.config.fetch, { dispatcher, signal });
    if (init.parseIn === 'main') return { kind: 'fetched', page };
    return { kind: 'finished', result: await finisher.finish(page) };
  };
}
