import { type ChildProcess, fork } from 'node:child_process';
import { CrawlbenchError } from '../errors.js';
import { type RunOptions, TaskAbortedError, TaskTimeoutError, WorkerExitedError } from './pool-errors.js';
import type { Task } from '../types.js';
import type { FromChild, ProcessUsage, ToChild } from './process-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import type { WorkerInit } from './worker-task.js';

const MAX_FAILED_STARTS = 5;
/** How long an aborted task's child may take to end it before it is killed. */
const ABORT_GRACE_MS = 2_000;
const PROCESS_WORKER = new URL('./process-worker.js', import.meta.url);

const poolClosed = (): CrawlbenchError =>
  new CrawlbenchError('USED_AFTER_CLOSE', 'the process pool is closed');

interface Job {
  readonly id: number;
  readonly task: Task;
  /** Only a child of a later generation may run it. */
  readonly freshAfter: number;
  /** Its task timeout, armed when a child takes it. */
  timer: NodeJS.Timeout | undefined;
  /** The child running it, once dispatched. */
  slot: Slot | undefined;
  resolve(outcome: WorkerOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  /** The pool's spawn count when it was spawned. */
  readonly generation: number;
  /** The tasks it runs now, by job id: at most `perChild`. */
  readonly jobs: Map<number, Job>;
  /** The job computing now (a hybrid child says so), if any. */
  busy: number | undefined;
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
  /** Children spawned so far. */
  #generation = 0;
  #destroyed = false;
  #failedStarts = 0;

  readonly #taskTimeoutMs: number;

  constructor(size: number, init: WorkerInit, perChild = 1, taskTimeoutMs = Number.POSITIVE_INFINITY) {
    this.#init = init;
    this.#perChild = perChild;
    this.#taskTimeoutMs = taskTimeoutMs;
    for (let i = 0; i < size; i++) this.#spawn();
  }

  /**
   * Runs a task on the least busy child with room. Aborting `signal` drops a queued task (the
   * promise rejects) or asks the child to cut the running one short (it resolves with an `ABORTED`
   * record); a child that does not answer within a grace period is killed and replaced.
   */
  run(task: Task, signal?: AbortSignal, options: RunOptions = {}): Promise<WorkerOutcome> {
    if (this.#destroyed) return Promise.reject(poolClosed());
    if (signal?.aborted) return Promise.reject(new TaskAbortedError());
    return new Promise((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        const queued = this.#queue.indexOf(job);
        if (queued !== -1) {
          this.#queue.splice(queued, 1);
          reject(new TaskAbortedError());
          return;
        }
        const slot = job.slot;
        if (slot === undefined) return;
        // Asked first, so the child's other tasks live on and this one ends with its own record;
        // a child too busy to answer (a long synchronous parse) is killed after a grace period.
        this.#send(slot, { type: 'abort', id: job.id });
        graceTimer = setTimeout(() => slot.child.kill('SIGKILL'), ABORT_GRACE_MS);
        graceTimer.unref();
      };
      const job: Job = {
        id: this.#nextId++,
        task,
        freshAfter: options.freshAfter ?? 0,
        timer: undefined,
        slot: undefined,
        resolve: (outcome) => {
          clearTimeout(graceTimer);
          clearTimeout(job.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        reject: (error) => {
          clearTimeout(graceTimer);
          clearTimeout(job.timer);
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
   * Asks every live, idle child for its CPU time and peak RSS so far, a child still starting too
   * (it answers while its init runs). Children that do not answer within `timeoutMs` are left out.
   */
  async usage(timeoutMs = 1_000): Promise<ProcessUsage[]> {
    const answers = [...this.#slots]
      .filter((slot) => slot.jobs.size === 0 && slot.child.connected)
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
    const slot: Slot = {
      busy: undefined,
      child,
      ready: false,
      generation: ++this.#generation,
      jobs: new Map(),
      onUsage: undefined,
    };
    this.#slots.add(slot);
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        slot.ready = true;
        this.#failedStarts = 0;
      } else if (message.type === 'usage') {
        slot.onUsage?.(message.usage);
        return;
      } else if (message.type === 'busy') {
        if (message.busy) slot.busy = message.id;
        else if (slot.busy === message.id) slot.busy = undefined;
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
      const seenAt = this.#generation;
      for (const job of slot.jobs.values())
        job.reject(new WorkerExitedError(child.pid, code, signal, seenAt));
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

  /**
   * A task ran too long: its child is killed (a blocked event loop cannot be asked) and replaced.
   * The task ends as TASK_TIMEOUT; the child's other tasks fail as a crash does, and are retried.
   */
  #timedOut(job: Job, waited = 0): void {
    const slot = job.slot;
    if (slot === undefined || !slot.jobs.has(job.id)) return;
    // Held up by a sibling that computes (its child's loop is blocked): that one is the runaway;
    // this one waits for its fate, up to three times the timeout in all.
    if (slot.busy !== undefined && slot.busy !== job.id && waited < 2) {
      job.timer = setTimeout(() => this.#timedOut(job, waited + 1), this.#taskTimeoutMs);
      return;
    }
    slot.jobs.delete(job.id);
    job.reject(new TaskTimeoutError(this.#taskTimeoutMs));
    slot.child.kill('SIGKILL');
  }

  #send(slot: Slot, message: ToChild): void {
    slot.child.send(message);
  }

  /**
   * Hands queued tasks, in order, to the least busy ready child that may take each (one of a later
   * generation for a retry); a task no child may take yet waits without holding back the others.
   */
  #pump(): void {
    for (let i = 0; i < this.#queue.length;) {
      const job = this.#queue[i]!;
      let best: Slot | undefined;
      for (const slot of this.#slots) {
        if (!slot.ready || slot.jobs.size >= this.#perChild || slot.generation <= job.freshAfter) continue;
        if (best === undefined || slot.jobs.size < best.jobs.size) best = slot;
      }
      if (best === undefined) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      best.jobs.set(job.id, job);
      job.slot = best;
      if (Number.isFinite(this.#taskTimeoutMs))
        job.timer = setTimeout(() => this.#timedOut(job), this.#taskTimeoutMs);
      this.#send(best, { type: 'task', id: job.id, task: job.task });
    }
  }
}
