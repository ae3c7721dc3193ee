import { Piscina } from 'piscina';
import type { Task } from '../types.js';
import { AbortRelay } from './abort-relay.js';
import { type RunOptions, TaskTimeoutError } from './pool-errors.js';
import { ProcessPool } from './process-pool.js';
import type { ProcessUsage } from './process-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import type { ThreadTask } from './thread-protocol.js';
import type { WorkerInit } from './worker-task.js';

export type PoolKind = 'threads' | 'processes';

/**
 * A pool of workers, worker threads or child processes, each running up to `perWorker` tasks at
 * once on its own event loop (1: one at a time, the classic pool; more: a hybrid pool, many
 * requests in flight on every core).
 */
export interface TaskPool {
  readonly kind: PoolKind;
  /** Workers. */
  readonly size: number;
  /** Tasks a worker runs at once. */
  readonly perWorker: number;
  /**
   * Rejects when the worker dies mid-task or `signal` aborts it. `options.freshAfter` (from a
   * crash's error) sends a retry to a worker started after the crash, where the pool can tell.
   */
  run(task: Task, signal: AbortSignal | undefined, options?: RunOptions): Promise<WorkerOutcome>;
  /** Cumulative CPU time and peak RSS of each live child process ([] for threads). */
  usage(): Promise<ProcessUsage[]>;
  destroy(): Promise<void>;
}

const THREAD_WORKER = new URL('./thread-worker.js', import.meta.url).href;

/**
 * Connections per origin of a pool worker's dispatcher: its cap on requests in flight to one host.
 * At least as many as the tasks it runs at once, or a hybrid worker would queue behind its own cap.
 */
function connectionsFor(perWorker: number): number {
  return Math.max(8, perWorker);
}

/**
 * Tasks a worker is handed at once: one for the classic pool; for a hybrid pool twice its fetch
 * slots, so that when a response arrives the next request leaves at once, without a round trip to
 * the main thread for its task (a parse in the worker holds a task, not a request slot).
 */
export function tasksPerWorker(perWorker: number): number {
  return perWorker === 1 ? 1 : perWorker * 2;
}

/** What a pool's workers start with: the crawl's init, sized for `perWorker`. */
function sized(init: WorkerInit, perWorker: number): WorkerInit {
  return {
    ...init,
    connections: connectionsFor(perWorker),
    ...(perWorker > 1 && { fetchSlots: perWorker }),
  };
}

/** The signal of a task nobody can abort. */
const NEVER = new AbortController().signal;

/**
 * A task on piscina, bounded by `taskTimeoutMs` from the moment its thread starts it: past that,
 * a task still computing is a runaway, and its thread is terminated (which works in the middle of
 * synchronous code) and replaced by piscina. It ends as TASK_TIMEOUT; the thread's other tasks fail
 * as a crash does, and are retried. A task past its time that is not computing is held up by a
 * runaway sibling (the thread's loop is blocked): it waits for that one's fate, up to three times
 * the timeout in all.
 */
function bounded(
  piscina: Piscina<ThreadTask, WorkerOutcome>,
  payload: ThreadTask,
  ms: number,
): Promise<WorkerOutcome> {
  const running = piscina.run(payload);
  if (!Number.isFinite(ms)) return running;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout;
    let waited = 0;
    const check = (): void => {
      const id = Atomics.load(payload.thread, 0);
      // Still in piscina's queue: its time has not started.
      if (id === 0) {
        timer = setTimeout(check, ms);
        return;
      }
      const computing = Atomics.load(payload.thread, 1) === 1;
      if (!computing && ++waited < 3) {
        timer = setTimeout(check, ms);
        return;
      }
      reject(new TaskTimeoutError(ms));
      void piscina.threads.find((thread) => thread.threadId === id)?.terminate();
    };
    timer = setTimeout(check, ms);
    running.then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function threadPool(size: number, init: WorkerInit, perWorker: number, taskTimeoutMs: number): TaskPool {
  const relay = new AbortRelay();
  const piscina = new Piscina<ThreadTask, WorkerOutcome>({
    filename: THREAD_WORKER,
    name: 'runTask',
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: tasksPerWorker(perWorker),
    // Never 'sync' (piscina's default), which parks an idle worker in Atomics.wait and so blocks its
    // event loop. With many tasks at once, a task awaiting a response would stall until the next
    // task arrived. With one, the worker's keep-alive sockets stall while it is parked: it sees
    // neither the server closing an idle connection nor its own keep-alive timer, so the first
    // request after a pause longer than the server's keep-alive timeout goes out on a dead socket
    // and is retried after a backoff. Measured in the bench's cpu/threads ×2 cell (10 s between
    // its runs): 38-150 ms to the first byte of a run's first pages, against 2-7 ms for processes.
    atomics: 'async',
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: sized(init, perWorker),
  });
  return {
    kind: 'threads',
    size,
    perWorker,
    // No signal for piscina: it would run each task alone on its worker, and abort it by killing
    // the worker. The abort reaches the task in its worker instead (abort-relay.ts).
    run: (task, signal) =>
      bounded(
        piscina,
        { task, abort: relay.wireFor(signal ?? NEVER), thread: new Int32Array(new SharedArrayBuffer(8)) },
        taskTimeoutMs,
      ),
    usage: async () => [],
    destroy: () => piscina.destroy(),
  };
}

function processPool(size: number, init: WorkerInit, perWorker: number, taskTimeoutMs: number): TaskPool {
  const pool = new ProcessPool(size, sized(init, perWorker), tasksPerWorker(perWorker), taskTimeoutMs);
  return {
    kind: 'processes',
    size,
    perWorker,
    run: (task, signal, options) => pool.run(task, signal, options),
    usage: () => pool.usage(),
    destroy: () => pool.destroy(),
  };
}

/** How a pool's workers run. */
export interface PoolShape {
  /** Tasks each worker runs at once. @default 1 */
  readonly perWorker?: number;
  /** A task running longer than this in a worker gets it replaced. @default no limit */
  readonly taskTimeoutMs?: number;
}

/** Starts `size` workers of `kind`, each initialised with `init`. */
export function createTaskPool(
  kind: PoolKind,
  size: number,
  init: WorkerInit,
  shape: PoolShape = {},
): TaskPool {
  const perWorker = shape.perWorker ?? 1;
  const taskTimeoutMs = shape.taskTimeoutMs ?? Number.POSITIVE_INFINITY;
  return kind === 'threads'
    ? threadPool(size, init, perWorker, taskTimeoutMs)
    : processPool(size, init, perWorker, taskTimeoutMs);
}
