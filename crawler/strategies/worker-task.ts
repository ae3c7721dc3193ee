import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher, fetchPage } from '../fetch.js';
import type { WorkerConfig } from '../step-options.js';
import type { ParsePlacement, Task } from '../types.js';
import { finishFetched, type WorkerOutcome } from './worker-outcome.js';

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
 * The code a worker runs per task — the same fetch and parse functions the main thread uses.
 * The worker keeps one keep-alive dispatcher for its whole life.
 */
export function createTaskRunner(init: WorkerInit): (task: Task) => Promise<WorkerOutcome> {
  const dispatcher = createDispatcher({ connections: init.connections ?? 8 });
  // Read once per worker, not once per page: the hook is off in every real crawl.
  const faults = process.env.CRAWLBENCH_FAULT_INJECTION === '1';
  return async (task) => {
    const page = await fetchPage(task, init.config.fetch, { dispatcher });
    if (faults) injectFault(task);
    if (init.parseIn === 'main') return { kind: 'fetched', page };
    return { kind: 'finished', result: finishFetched(page, init.config.parse) };
  };
}

/**
 * Test hook, off unless CRAWLBENCH_FAULT_INJECTION=1: a worker whose task URL contains
 * `__crash__` exits mid-task (after its fetch); `__crash_once__` does so only the first time,
 * remembered through a marker file in CRAWLBENCH_FAULT_DIR. It lets the tests prove crash
 * recovery on real threads and processes.
 */
function injectFault(task: Task): void {
  if (task.url.includes('__crash_once__')) {
    const dir = process.env.CRAWLBENCH_FAULT_DIR;
    if (!dir) return;
    const marker = join(dir, createHash('sha1').update(task.url).digest('hex'));
    if (existsSync(marker)) return;
    writeFileSync(marker, '');
    process.exit(70);
  }
  if (task.url.includes('__crash__')) process.exit(70);
}
