import { CrawlbenchError } from '../errors.js';
import type { Task } from '../types.js';
import type { DistributedRun } from './run-options.js';

/**
 * The coordinator's state of one run, shared by its producer and its consumer: the tasks queued
 * and not yet recorded, the last lines recorded, when a page last finished, the last Redis error,
 * and the first failure (which ends both loops).
 */
export class RunState {
  readonly run: DistributedRun;
  /** Tasks queued and not yet recorded, by line. */
  readonly pending = new Map<number, Task>();
  /**
   * The last lines recorded, up to the bound of unfinished jobs: only their jobs can still exist
   * when the last record arrives (a ring buffer; older ones were removed long before).
   */
  readonly #recent: number[] = [];
  #recentAt = 0;
  #lastProgress = performance.now();
  #wakeProducer: (() => void) | undefined;
  #lastError: Error | undefined;
  #failure: { error: unknown } | undefined;
  #recoveries = 0;

  constructor(run: DistributedRun) {
    this.run = run;
  }

  /** The lines whose jobs may still exist. */
  get recent(): readonly number[] {
    return this.#recent;
  }

  /** The first failure of the producer or the consumer, once there is one. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  readonly noteError = (error: Error): void => {
    this.#lastError = error;
  };

  /** Rethrows the run's first failure, if there is one. */
  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Ends the run with `error` (the first one wins) and wakes whoever waits. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.progressed();
  }

  /** A line's record came back: it is no longer pending. False when it was not (a repeat). */
  recorded(line: number): boolean {
    if (!this.pending.delete(line)) return false;
    const max = this.run.maxPending;
    if (this.#recent.length < max) this.#recent.push(line);
    else this.#recent[this.#recentAt++ % max] = line;
    this.progressed();
    return true;
  }

  /** Times the run's keys vanished (Redis restarted empty) and the pending tasks were queued again. */
  get recoveries(): number {
    return this.#recoveries;
  }

  /** The run was opened again and its pending tasks queued again: that is progress too. */
  recovered(): void {
    this.#recoveries++;
    this.progressed();
  }

  /** Something moved (a page finished, a stop): resets the stall clock and wakes the producer. */
  progressed(): void {
    this.#lastProgress = performance.now();
    const wake = this.#wakeProducer;
    this.#wakeProducer = undefined;
    wake?.();
  }

  /** Waits until `count` more tasks fit under the bound of unfinished ones, or `done()` says stop. */
  async waitForRoom(count: number, done: () => boolean): Promise<void> {
    while (this.pending.size + count > this.run.maxPending && !done()) {
      await new Promise<void>((resolve) => {
        this.#wakeProducer = resolve;
      });
    }
  }

  /**
   * Throws when no page finished for `stallTimeoutMs` while tasks were pending: `REDIS_UNAVAILABLE`
   * when Redis is why (`redisReady` false after an error), else `NO_PROGRESS`.
   */
  checkStall(redisReady: boolean): void {
    const idleMs = performance.now() - this.#lastProgress;
    if (this.pending.size === 0 || idleMs < this.run.stallTimeoutMs) return;
    const lastError = this.#lastError;
    const cause = lastError ? `; last Redis error: ${lastError.message}` : '; are workers running?';
    throw new CrawlbenchError(
      lastError && !redisReady ? 'REDIS_UNAVAILABLE' : 'NO_PROGRESS',
      `run ${this.run.runId}: no page finished in ${Math.round(idleMs / 1000)} s with ${this.pending.size} tasks ` +
        `queued at ${this.run.where}${cause}`,
    );
  }

  /**
   * Runs a Redis command; one that failed after its reconnection attempts ends the crawl with a
   * stable code and the redacted URL, instead of an ioredis error (whose text could be anything).
   * A crawlbench error (a resume refused by the run's stored options) goes through as it is.
   */
  async inRedis<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      // Ours already (a refused resume): it says what went wrong better than a Redis failure would.
      if (error instanceof CrawlbenchError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new CrawlbenchError(
        'REDIS_UNAVAILABLE',
        `run ${this.run.runId}: ${what} at ${this.run.where} failed: ${reason}`,
        { cause: error },
      );
    }
  }
}
