import type { Task } from '../types.js';
import type { AbortWire } from './abort-relay.js';

/** What the thread pool hands a worker thread per task: the task and the wire its crawl's abort comes by. */
export interface ThreadTask {
  readonly task: Task;
  readonly abort: AbortWire;
}
