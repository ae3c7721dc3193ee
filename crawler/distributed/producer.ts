import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redactUrl } from '../redact.js';
import type { Task, TaskResult } from '../types.js';
import { jobId } from './keys.js';
import { countSent, forgetRecords, storedResults, type TaskJobData } from './run-store.js';
import type { DistributedRun } from './run-options.js';
import type { RunState } from './run-state.js';

/** Tasks sent to Redis per round trip. */
const BATCH = 100;
/** How long a partial batch waits for more tasks from a source that is waiting itself. */
const FLUSH_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the producer of a run works with. */
export interface ProducerContext {
  readonly state: RunState;
  readonly redis: Redis;
  readonly queue: Queue<TaskJobData>;
  readonly signal: AbortSignal | undefined;
  readonly onResult: (result: TaskResult) => Promise<void>;
}

/**
 * Pulls the run's tasks and queues them in batches, never more than `maxPending` unfinished. A
 * resumed run hands back what was already finished and queues only the rest. Ends when the tasks
 * do, on a stop, or on the run's first failure.
 */
export async function produce(tasks: AsyncIterable<Task>, context: ProducerContext): Promise<void> {
  const { state, signal } = context;
  const stopped = (): boolean => signal?.aborted === true || state.failure !== undefined;
  // Never more per batch than the bound, or a small bound could not take a single batch.
  const batchSize = Math.min(BATCH, state.run.maxPending);
  const send = async (batch: Task[]): Promise<void> => {
    await state.waitForRoom(batch.length, stopped);
    if (!stopped()) await enqueue(batch, context);
  };
  let batch: Task[] = [];
  const iterator = tasks[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<Task>> | undefined;
  try {
    for (;;) {
      if (stopped()) break;
      next ??= iterator.next();
      // A source that waits (a link-following frontier waits for pages to finish before it has
      // more) must not hold back a partial batch: send what there is after a short wait.
      const result =
        batch.length === 0 ? await next : await Promise.race([next, sleep(FLUSH_MS).then(() => null)]);
      if (result === null) {
        await send(batch);
        batch = [];
        continue;
      }
      next = undefined;
      if (result.done) break;
      batch.push(result.value);
      if (batch.length >= batchSize) {
        await send(batch);
        batch = [];
      }
    }
    if (!stopped()) await enqueue(batch, context);
  } finally {
    // A pull still pending (stopped while the source waits) closes the source once it settles.
    if (next === undefined) await iterator.return?.();
    else void next.then(() => iterator.return?.()).catch(() => {});
  }
}

/** Queues a batch: lines with a stored record are handed back, the others become jobs. */
async function enqueue(batch: readonly Task[], context: ProducerContext): Promise<void> {
  const { state, redis, queue } = context;
  const run = state.run;
  const stored = await storedResults(
    redis,
    run.runId,
    batch.map((t) => t.line),
  );
  const missing: Task[] = [];
  const forget: number[] = [];
  const reuse: TaskResult[] = [];
  batch.forEach((task, i) => {
    const result = stored[i];
    // A task the frontier sent back (a 429 or 503 with Retry-After: it carries its attempts) has
    // a stored record that was not its last; a link-following run that resumes numbers the pages
    // it finds anew, so a line's stored record may be another URL's. Either is forgotten, so the
    // task's own record can be stored.
    if (
      result &&
      (task.attempts ?? 0) === 0 &&
      result.retryAfterMs === null &&
      // Records show a URL with its password hidden: that is what a stored one is compared with.
      result.record.url === redactUrl(task.url)
    ) {
      reuse.push(result);
      return;
    }
    if (result) forget.push(task.line);
    state.pending.set(task.line, task);
    missing.push(task);
  });
  if (forget.length > 0) {
    await state.inRedis('forgetting records', () => forgetRecords(redis, run.runId, forget));
  }
  for (const result of reuse) await context.onResult(result);
  if (missing.length === 0) return;
  await state.inRedis('queueing tasks', () => queue.addBulk(jobsOf(missing, run)));
  await state.inRedis('counting tasks', () => countSent(redis, run.runId, missing.length));
}

/** The BullMQ jobs of some tasks of a run. A line's job id is fixed, so queueing it twice adds it once. */
export function jobsOf(
  tasks: readonly Task[],
  run: DistributedRun,
): Parameters<Queue<TaskJobData>['addBulk']>[0] {
  return tasks.map((task) => ({
    name: 'page',
    data: { runId: run.runId, task, config: run.config },
    // A retry gets a job id of its own: the first try's job may not be removed yet.
    opts: {
      jobId: jobId(run.runId, task.line) + (task.attempts ? `-r${task.attempts}` : ''),
      removeOnComplete: true,
      removeOnFail: true,
    },
  }));
}
