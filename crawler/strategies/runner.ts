import type { CrawlStrategyName, Task, TaskResult } from '../types.js';
import type { SourceControls } from '../sources/task-source.js';
import type { PageFinisher } from './worker-outcome.js';

/** CPU time and peak RSS of a strategy's child processes over a run. */
export interface ChildProcessesUsage {
  /** Children alive at the end of the run (a child replaced after a crash is not counted). */
  readonly count: number;
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
  /** The largest peak RSS among them. */
  readonly maxRssBytes: number;
}

/** What every run is given, whatever its strategy. */
export interface RunContext {
  /** Aborting it stops pulling new tasks; tasks in flight finish and are reported. */
  readonly signal: AbortSignal | undefined;
  /** Aborting it also cuts tasks in flight short; they are reported as `ABORTED` records. */
  readonly abortSignal: AbortSignal;
  /** The main thread's end of the page pipeline, for what it fetched or was handed unparsed. */
  readonly finisher: PageFinisher;
  /** The task source, for what a distributed run asks of it on a resume (line numbers, list checks). */
  readonly source?: SourceControls;
}

export interface RunOutcome {
  /**
   * The run stopped on a signal with tasks it was given left unfinished where they are kept (a
   * distributed run's queued tasks stay in Redis for a resume). The local strategies finish every
   * task they pulled and never set it.
   */
  readonly interrupted: boolean;
  /** Usage of the strategy's child processes (the process pool); null for the others. */
  readonly childProcesses: ChildProcessesUsage | null;
}

/** The completion callback of a runner: called on the main thread once per task, in completion order. */
export type OnResult = (result: TaskResult) => Promise<void>;

/**
 * A concurrency strategy: runs tasks pulled from an async iterable with its own kind of
 * concurrency and hands each one's result back exactly once, on the main thread. It pulls a task
 * only when it has room for it (backpressure), and releases every thread, process, socket and
 * connection it made before `run` settles. Serial, async, the two pools and distributed all are one.
 */
export interface Runner {
  readonly strategy: CrawlStrategyName;
  run(tasks: AsyncIterable<Task>, context: RunContext, onResult: OnResult): Promise<RunOutcome>;
}
