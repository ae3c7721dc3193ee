import type { Redis } from 'ioredis';
import { redactUrl } from '../redact.js';
import type { Task, TaskResult } from '../types.js';
import { addJobs } from './queue-jobs.js';
import type { ListDigests } from './run-fingerprint.js';
import { noteSent } from './run-meta.js';
import type { RunState } from './run-state.js';
import { forgetRecords, type RecordIndex, storedResults } from './run-store.js';

/**
 * Tasks sent to Redis per round trip. Large batches amortize what a round trip costs the
 * coordinator (and Redis); the backpressure bound caps them for a small `maxPending`.
 */
const BATCH = 500;
/** Batches being queued at once: the next one is prepared while Redis stores the last. */
const IN_FLIGHT = 2;
/** How long a partial batch waits for more tasks from a source that is waiting itself. */
const FLUSH_MS = 10;

const sleep = (ms: number): Promise<null> => new Promise((resolve) => setTimeout(() => resolve(null), ms));

/** What the producer of a run works with. */
export interface ProducerContext {
  readonly state: RunState;
  readonly redis: Redis;
  readonly signal: AbortSignal | undefined;
  readonly onResult: (result: TaskResult) => Promise<void>;
  /** The list's digests, stored with the batches (null: none kept). */
  readonly digests: ListDigests | null;
  /**
   * The tasks are the list's, in its order, and are checked against the digests here. A
   * link-following run's seeds are checked where its frontier reads them instead.
   */
  readonly checkTasks: boolean;
  /** The run existed before: lines may have stored records, to be handed back rather than queued. */
  readonly resumed: boolean;
  /** A resumed link-following run: its stored records by URL (null otherwise). */
  readonly index: RecordIndex | null;
}

/**
 * Pulls the run's tasks and queues them in batches, never more than `maxPending` unfinished, with
 * up to {@link IN_FLIGHT} batches on their way at once. A resumed run hands back what was already
 * finished and queues only the rest, after checking its list against the stored digests. Ends
 * when the tasks do, on a stop, or on the run's first failure.
 */
export async function produce(tasks: AsyncIterable<Task>, context: ProducerContext): Promise<void> {
  const { state, signal, digests } = context;
  const stopped = (): boolean => signal?.aborted === true || state.failure !== undefined;
  // Never more per batch than the bound, or a small bound could not take a single batch.
  const batchSize = Math.min(BATCH, state.run.maxPending);
  const sending = new Set<Promise<void>>();
  const send = async (batch: Task[]): Promise<void> => {
    if (batch.length === 0) return;
    await state.waitForRoom(batch.length, stopped);
    if (stopped()) return;
    // Synchronously up to the first command: batches reach Redis in the order they are sent.
    const sent = enqueue(batch, digests?.sent() ?? {}, context).catch((error: unknown) => state.fail(error));
    sending.add(sent);
    void sent.finally(() => sending.delete(sent));
    if (sending.size >= IN_FLIGHT) await Promise.race(sending);
  };
  let batch: Task[] = [];
  const add = async (ready: readonly Task[]): Promise<void> => {
    for (const task of ready) {
      batch.push(task);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        await send(full);
      }
    }
  };
  const iterator = tasks[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<Task>> | undefined;
  // One timer per partial batch, not per task: a waiting source's tasks go out FLUSH_MS after the first.
  let flush: Promise<null> | undefined;
  try {
    for (;;) {
      if (stopped()) break;
      next ??= iterator.next();
      // A source that waits (a link-following frontier waits for pages to finish before it has
      // more) must not hold back a partial batch: send what there is after a short wait.
      if (batch.length > 0) flush ??= sleep(FLUSH_MS);
      else flush = undefined;
      const result = flush === undefined ? await next : await Promise.race([next, flush]);
      if (result === null) {
        const partial = batch;
        batch = [];
        flush = undefined;
        await send(partial);
        continue;
      }
      next = undefined;
      if (result.done) break;
      const check = digests !== null && context.checkTasks && !(result.value.attempts ?? 0);
      await add(check ? digests.check(result.value) : [result.value]);
    }
    if (!stopped() && digests && context.checkTasks) await add(digests.end());
    if (!stopped()) await send(batch);
  } finally {
    await Promise.allSettled(sending);
    // A pull still pending (stopped while the source waits) closes the source once it settles.
    if (next === undefined) await iterator.return?.();
    else void next.then(() => iterator.return?.()).catch(() => {});
  }
}

/**
 * Queues a batch. Its lines are pending from the start, before any lookup: a record of one that
 * comes back meanwhile (a job of the interrupted run finishing) is accepted by the consumer, and
 * the lookup then finds the line no longer pending. A resumed run hands back the lines with a
 * stored record; the others become jobs. Every command goes on the one connection, in order: the
 * count and the list digests reach Redis before the jobs they cover, a forgotten record is gone
 * before its task's job exists, without waiting for replies in between.
 */
async function enqueue(
  batch: readonly Task[],
  digests: Readonly<Record<string, string>>,
  context: ProducerContext,
): Promise<void> {
  const { state, redis } = context;
  const run = state.run;
  for (const task of batch) state.pending.set(task.line, task);
  const counted = state.inRedis('counting tasks', () => noteSent(redis, run.runId, batch, digests));
  let missing: readonly Task[] = batch;
  const forget: number[] = [];
  if (!context.resumed) {
    // A task the frontier sent back (a 429 or 503 with Retry-After: it carries its attempts) has
    // a stored record that was not its last: it is forgotten, so the task's own can be stored.
    for (const task of batch) if (task.attempts) forget.push(task.line);
  } else {
    missing = await handBack(batch, storedLookup(context.index), forget, counted, context);
  }
  await Promise.all([
    counted,
    forget.length > 0 && state.inRedis('forgetting records', () => forgetRecords(redis, run.runId, forget)),
    missing.length > 0 && state.inRedis('queueing tasks', () => addJobs(redis, run, missing)),
  ]);
}

/** Where a resumed run looks for the stored record of a task, and whether to forget the task's line. */
interface StoredLookup {
  /** The line of the task's stored record, if it may have one. */
  lineOf(task: Task): number | undefined;
  /** The task's own line may hold a record that is not its outcome (found: what `lineOf` gave). */
  mayHoldOther(task: Task, found: TaskResult | null): boolean;
}

/**
 * A list run's records are at their tasks' lines. A link-following run finds its pages in another
 * order than before: a record is found by URL (first tries only), and only a seed's list line, or
 * a retried task's, can hold a record that is not the task's outcome (new pages are numbered past
 * every stored line).
 */
function storedLookup(index: RecordIndex | null): StoredLookup {
  if (index === null) {
    return { lineOf: (task) => task.line, mayHoldOther: (task, found) => found !== null || !!task.attempts };
  }
  return {
    lineOf: (task) => ((task.attempts ?? 0) === 0 ? index.lineOf.get(redactUrl(task.url)) : undefined),
    mayHoldOther: (task) => task.line <= index.maxLine || !!task.attempts,
  };
}

/**
 * The part of {@link enqueue} for a resumed run: a task whose stored record is its outcome (a first
 * try's, of its URL: records show a URL with its password hidden) is handed back under the task's
 * line, and the rest are returned to be queued; a record in a task's line that is not its outcome
 * (a retry's, another URL's) is forgotten so the task's own can be stored.
 */
async function handBack(
  batch: readonly Task[],
  lookup: StoredLookup,
  forget: number[],
  counted: Promise<unknown>,
  context: ProducerContext,
): Promise<readonly Task[]> {
  const { state, redis } = context;
  const looked = batch.map((task) => lookup.lineOf(task));
  const lines = looked.filter((line): line is number => line !== undefined);
  const [stored] = await Promise.all([
    state.inRedis('looking up records', () => storedResults(redis, state.run.runId, lines)),
    counted,
  ]);
  const byLine = new Map(lines.map((line, i) => [line, stored[i] ?? null]));
  const reuse: TaskResult[] = [];
  const queued: Task[] = [];
  batch.forEach((task, i) => {
    // Recorded while the lookup was out: the consumer took its record off the results list.
    if (state.pending.get(task.line) !== task) return;
    const line = looked[i];
    const result = line === undefined ? null : (byLine.get(line) ?? null);
    if (
      result &&
      (task.attempts ?? 0) === 0 &&
      result.retryAfterMs === null &&
      result.record.url === redactUrl(task.url)
    ) {
      if (state.recorded(task.line)) {
        reuse.push(
          result.record.line === task.line
            ? result
            : { ...result, record: { ...result.record, line: task.line } },
        );
      }
      return;
    }
    if (lookup.mayHoldOther(task, result)) forget.push(task.line);
    queued.push(task);
  });
  for (const result of reuse) await context.onResult(result);
  return queued;
}
