import { CrawlbenchError } from '../errors.js';

/** A task's child died under it. Caught by the pool's caller (crash retry); never escapes a crawl. */
export class WorkerExitedError extends CrawlbenchError {
  /**
   * The pool's spawn count when the child's death was seen: a retry goes to a child spawned after
   * it ({@link RunOptions.freshAfter}). Children spawned before may be dying too, unseen yet (a
   * SIGKILL of every child is reaped one exit at a time), and a task sent to one would die twice.
   */
  readonly freshAfter: number;

  constructor(
    pid: number | undefined,
    code: number | null,
    signal: NodeJS.Signals | null,
    freshAfter: number,
  ) {
    super('WORKER_CRASHED', `worker process ${pid ?? '?'} exited (${signal ?? `code ${code}`}) mid-task`);
    this.name = 'WorkerExitedError';
    this.freshAfter = freshAfter;
  }
}

/** How a task is run. */
export interface RunOptions {
  /** Run it only on a child spawned after this spawn count (a retry after a crash). @default 0 */
  readonly freshAfter?: number;
}

/** A task ran past the pool's task timeout: its worker was replaced, and it is not retried. */
export class TaskTimeoutError extends CrawlbenchError {
  constructor(ms: number) {
    super(
      'TASK_TIMEOUT',
      `the task ran for more than ${ms} ms in its worker (taskTimeoutMs), which was replaced`,
    );
    this.name = 'TaskTimeoutError';
  }
}

/** A task dropped from the queue, or its child killed, because its abort signal fired. */
export class TaskAbortedError extends CrawlbenchError {
  constructor() {
    super('ABORTED', 'aborted');
    this.name = 'TaskAbortedError';
  }
}
