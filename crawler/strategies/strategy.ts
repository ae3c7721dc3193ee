import type { WorkerConfig } from '../options.js';
import type { ProcessUsage } from './process-protocol.js';
import type { TaskPool } from './task-pool.js';
import type { FetchedPage, PageRecord, ParsePlacement, StrategyName, Task } from '../types.js';

/**
 * What a strategy hands back per task: either the fetched page, still to be parsed by the main
 * thread's completion callback, or a finished record (parsed in a worker, or a worker failure).
 */
export type TaskOutcome =
  | { readonly kind: 'fetched'; readonly page: FetchedPage }
  | { readonly kind: 'record'; readonly record: PageRecord };

/** The completion callback: called on the main thread once per task, in completion order. */
export type OnOutcome = (outcome: TaskOutcome) => void | Promise<void>;

export interface StrategyContext {
  readonly config: WorkerConfig;
  /** Requests in flight (async) or workers (pools); 1 for serial. */
  readonly concurrency: number;
  /** Where the pools parse; serial and async always parse on the main thread. */
  readonly parseIn: ParsePlacement;
  /** Aborting it stops pulling new tasks; tasks in flight finish. */
  readonly signal: AbortSignal | undefined;
  /** Aborting it also cuts tasks in flight short; they complete as `ABORTED` records. */
  readonly abortSignal: AbortSignal | undefined;
  /** Receives the CPU time and peak RSS of each child process still alive at the end of a run. */
  readonly onProcessUsage?: (usage: ProcessUsage) => void;
  /** A pool kept by the caller across crawls; pool strategies use it instead of starting one. */
  readonly pool?: TaskPool;
}

/**
 * A concurrency strategy: runs tasks pulled from an async iterable with its own kind of
 * concurrency and reports each one exactly once through `onOutcome`. It pulls a task only when it
 * has room for it (backpressure), and releases every thread, process and socket it made before
 * `run` settles.
 */
export interface Strategy {
  readonly name: StrategyName;
  run(tasks: AsyncIterable<Task>, context: StrategyContext, onOutcome: OnOutcome): Promise<void>;
}
