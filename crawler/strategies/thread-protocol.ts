import type { Task } from '../types.js';
import type { AbortWire } from './abort-relay.js';

/** What the thread pool hands a worker thread per task: the task and the wire its crawl's abort comes by. */
export interface ThreadTask {
  readonly task: Task;
  readonly abort: AbortWire;
  /**
   * Shared memory the worker writes as the task runs: `[0]` its `threadId` once it starts the task
   * (0 until then: how the pool finds the thread to terminate), `[1]` 1 while the task computes
   * (decode, parse, extraction: how the pool tells a runaway task from one it holds up).
   */
  readonly thread: Int32Array;
}
