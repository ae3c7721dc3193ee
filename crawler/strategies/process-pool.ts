import { type ChildProcess, fork } from 'node:child_process';
import { CrawlbenchError } from '../errors.js';
import type { Task } from '../types.js';
import type { FromChild, ProcessUsage, ToChild } from './process-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import type { WorkerInit } from './worker-task.js';

const MAX_FAILED_STARTS = 5;
const PROCESS_WORKER = new URL('./process-worker.js', import.meta.url);

/** A task's child died under it. Caught by the pool's caller (crash retry); never escapes a crawl. */
export class WorkerExitedError extends CrawlbenchError {
  constructor(pid: number | undefined, code: number | null, signal: NodeJS.Signals | null) {
    super('WORKER_CRASHED', `worker process ${pid ?? '?'} exited (${signal ?? `code ${code}`}) mid-task`);
    this.name = 'WorkerExitedError';
  }
}

/** A task dropped from the queue, or its child killed, because its abort signal fired. */
class TaskAbortedError extends CrawlbenchError {
  constructor() {
    super('ABORTED', 'aborted');
    this.name = 'TaskAbortedError';
  }
}

const poolClosed = (): CrawlbenchError =>
  new CrawlbenchError('USED_AFTER_CLOSE', 'the process pool is closed');

interface Job {
  readonly id: number;
  readonly task: Task;
  /** The child running it, once dispatched. */
  slot: Slot | undefined;
  resolve(outcome: WorkerOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  /** The tasks it runs now, by job id: at most `perChild`. */
  readonly jobs: Map<number, Job>;
  onUsage: ((usage: ProcessUsage) => void) | undefined;
}

/**
 * A fixed-size pool of child processes (child_process.fork, IPC with structured-clone
 * serialization), each running up to `perChild` tasks at once on its own event loop (1: the
 * classic pool). A child that dies is replaced at once and each of its tasks rejects with
 * {@link WorkerExitedError}; the caller decides whether to retry.
 */
export class ProcessPool {
  readonly #init: WorkerInit;
  readonly #perChild: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #destroyed = false;
  #failedStarts = 0;

  constructor(size: number, init: WorkerInit, perChild = 1) {
    this.#init = init;
    this.#perChild = perChild;
    for (let i = 0; i < size; i++) this.#spawn();
  }

  /**
   * Runs a task on the next free child. Aborting `signal` kills the child running it (it is
   * replaced) or drops it from the queue; either way the promise rejects.
   */
  run(task: Task, signal?: AbortSignal): Promise<WorkerOutcome> {
    if (this.#destroyed) return Promise.reject(poolClosed());
    if (signal?.aborted) return Promise.reject(new TaskAbortedError());
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const queued = this.#queue.indexOf(job);
        if (queued !== -1) {
          this.#queue.splice(queued, 1);
          reject(new TaskAbortedError());
        } else {
          job.slot?.child.kill('SIGKILL');
        }
      };
      const job: Job = {
        id: this.#nextId++,
        task,
        slot: undefined,
        resolve: (outcome) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  /**
   * Asks every live, idle child for its CPU time and peak RSS so far. Children that do not answer
   * within `timeoutMs` are left out.
   */
  async usage(timeoutMs = 1_000): Promise<ProcessUsage[]> {
    const answers = [...this.#slots]
      .filter((slot) => slot.ready && slot.jobs.size === 0 && slot.child.connected)
      .map(
        (slot) =>
          new Promise<ProcessUsage | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), timeoutMs);
            slot.onUsage = (usage) => {
              clearTimeout(timer);
              slot.onUsage = undefined;
              resolve(usage);
            };
            this.#send(slot, { type: 'usage' });
          }),
      );
    return (await Promise.all(answers)).filter((usage) => usage !== undefined);
  }

  /** Kills every child and waits for them to exit; queued and running tasks reject. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const job of this.#queue.splice(0)) job.reject(poolClosed());
    const exits = [...this.#slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
          slot.child.once('exit', () => resolve());
          slot.child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  }

  #spawn(): void {
    const child = fork(PROCESS_WORKER, [], {
      serialization: 'advanced',
      // stdout stays clean for the records the CLI may be writing there.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const slot: Slot = { child, ready: false, jobs: new Map(), onUsage: undefined };
    this.#slots.add(slot);
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        slot.ready = true;
        this.#failedStarts = 0;
      } else if (message.type === 'usage') {
        slot.onUsage?.(message.usage);
        return;
      } else {
        const job = slot.jobs.get(message.id);
        slot.jobs.delete(message.id);
        job?.resolve(message.outcome);
      }
      this.#pump();
    });
    // 'error' (e.g. a failed kill or send) is followed by 'exit'; handling it keeps it non-fatal.
    child.on('error', () => {});
    child.once('exit', (code, signal) => {
      this.#slots.delete(slot);
      for (const job of slot.jobs.values()) job.reject(new WorkerExitedError(child.pid, code, signal));
      slot.jobs.clear();
      if (!slot.ready && ++this.#failedStarts >= MAX_FAILED_STARTS) {
        // Children that cannot even start would be respawned forever; fail what waits instead.
        this.#destroyed = true;
        for (const queued of this.#queue.splice(0)) {
          const last = signal ?? `code ${code}`;
          queued.reject(
            new CrawlbenchError('WORKER_START_FAILED', `worker processes fail to start (last: ${last})`),
          );
        }
      }
      if (!this.#destroyed) {
        this.#spawn();
        this.#pump();
      }
    });
    this.#send(slot, { type: 'init', init: this.#init });
  }

  #send(slot: Slot, message: ToChild): void {
    slot.child.send(message);
  }

  /** Hands queued tasks to the least busy ready children, while any has room. */
  #pump(): void {
    while (this.#queue.length > 0) {
      let best: Slot | undefined;
      for (const slot of this.#slots) {
        if (!slot.ready || slot.jobs.size >= this.#perChild) continue;
        if (best === undefined || slot.jobs.size < best.jobs.size) best = slot;
      }
      if (best === undefined) return;
      const job = this.#queue.shift()!;
      best.jobs.set(job.id, job);
      job.slot = best;
      this.#send(best, { type: 'task', id: job.id, task: job.task });
    }
  }
}
