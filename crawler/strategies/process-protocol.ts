import type { Task } from '../types.js';
import type { WorkerOutcome } from './worker-outcome.js';
import type { WorkerInit } from './worker-task.js';

/** Messages from the pool to a child process. */
export type ToChild =
  | { readonly type: 'init'; readonly init: WorkerInit }
  | { readonly type: 'task'; readonly id: number; readonly task: Task }
  /** Cut a running task short: its fetch aborts and it ends with an `ABORTED` record. */
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'usage' };

/** Messages from a child process to the pool. */
export type FromChild =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly outcome: WorkerOutcome }
  /** The task starts or stops computing (decode, parse, extraction); sent by hybrid children only. */
  | { readonly type: 'busy'; readonly id: number; readonly busy: boolean }
  | { readonly type: 'usage'; readonly usage: ProcessUsage };

/** CPU time and peak RSS of one process over its life. */
export interface ProcessUsage {
  readonly pid: number;
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
  readonly maxRssBytes: number;
}
