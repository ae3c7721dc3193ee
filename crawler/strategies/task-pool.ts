import { Piscina } from 'piscina';
import type { Task } from '../types.js';
import { ProcessPool } from './process-pool.js';
import type { ProcessUsage } from './process-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import type { WorkerInit } from './worker-task.js';

export type PoolKind = 'threads' | 'processes';

/** A pool of workers that run tasks one at a time each: worker threads or child processes. */
export interface TaskPool {
  readonly kind: PoolKind;
  readonly size: number;
  /** Rejects when the worker dies mid-task or `signal` aborts it. */
  run(task: Task, signal: AbortSignal | undefined): Promise<WorkerOutcome>;
  /** Cumulative CPU time and peak RSS of each live child process ([] for threads). */
  usage(): Promise<ProcessUsage[]>;
  destroy(): Promise<void>;
}

const THREAD_WORKER = new URL('./thread-worker.js', import.meta.url).href;

function threadPool(size: number, init: WorkerInit): TaskPool {
  const piscina = new Piscina<Task, WorkerOutcome>({
    filename: THREAD_WORKER,
    name: 'runTask',
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: init,
  });
  return {
    kind: 'threads',
    size,
    run: (task, signal) => piscina.run(task, signal ? { signal } : {}),
    usage: async () => [],
    destroy: () => piscina.destroy(),
  };
}

function processPool(size: number, init: WorkerInit): TaskPool {
  const pool = new ProcessPool(size, init);
  return {
    kind: 'processes',
    size,
    run: (task, signal) => pool.run(task, signal),
    usage: () => pool.usage(),
    destroy: () => pool.destroy(),
  };
}

/** Starts `size` workers of `kind`, each initialised with `init`. */
export function createTaskPool(kind: PoolKind, size: number, init: WorkerInit): TaskPool {
  return kind === 'threads' ? threadPool(size, init) : processPool(size, init);
}
