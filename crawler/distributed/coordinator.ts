import { Queue, QueueEvents } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { CrawlbenchError, pageError } from '../errors.js';
import type { WorkerConfig } from '../options.js';
import { errorRecord } from '../page.js';
import type { PageRecord, Task } from '../types.js';
import { createClient, probeRedis } from './connect.js';
import { jobId, QUEUE_NAME } from './keys.js';
import {
  closeRun,
  countSent,
  deleteRun,
  forgetRecords,
  openRun,
  recordOnce,
  runExists,
  storedRecords,
  takeResults,
  type TaskJobData,
} from './run-store.js';

/** What the coordinator of one distributed run needs; resolved and validated by `resolveCrawlOptions`. */
export interface DistributedRun {
  readonly connection: RedisOptions;
  /** The Redis URL with its password hidden, for messages. */
  readonly where: string;
  readonly runId: string;
  /** Keep the run's keys after it completes. */
  readonly keep: boolean;
  /** Tasks of this run queued or running at once: the backpressure bound. */
  readonly maxPending: number;
  /** Give up when no page finished for this long while tasks were queued. */
  readonly stallTimeoutMs: number;
  readonly config: WorkerConfig;
  /**
   * The tasks come from a link-following frontier. Such a run numbers the pages it finds in the
   * order it hands them out, which a restart would not repeat, so it cannot be resumed.
   */
  readonly followsLinks?: boolean;
}

/** Tasks sent to Redis per round trip. */
const BATCH = 100;
/** Records taken off the results list per round trip. */
const TAKE = 200;
/** How long closing the queue connections may take before they are left to disconnect. */
const CLOSE_MS = 5_000;
/** How long a partial batch waits for more tasks from a source that is waiting itself. */
const FLUSH_MS = 10;
/**
 * Pause between polls of an empty results list: from POLL_MIN_MS after a poll that found records,
 * doubling on each empty one up to POLL_MS. A busy run sees a record a couple of milliseconds after
 * it is stored (which matters when the frontier waits for records to hand out more work, as under a
 * per-host limit), an idle one costs Redis 20 polls a second.
 */
const POLL_MIN_MS = 2;
const POLL_MS = 50;
/**
 * How long a completed run waits for workers to remove its last jobs. A worker stores a record
 * before BullMQ moves the job to completed (and removes it), so the last records can arrive a few
 * milliseconds before their jobs are gone. A job whose worker died in between is removed when
 * another worker takes it back after its lock expires, which can be longer than this wait.
 */
const DRAIN_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The coordinator of a distributed crawl: enqueues the run's tasks in batches, never more than
 * `maxPending` unfinished, and hands every finished page to `onRecord` exactly once.
 *
 * Exactly-once rests on three things: each line has one job id (a resumed run does not queue a
 * line twice while its job exists), the record-once script stores one record per line (a retried
 * or duplicated task cannot add a second), and the coordinator accepts a record only for a line it
 * is waiting on. Results are polled (LPOP) on the same connection that looks up stored records, so
 * the two replies arrive in the order Redis ran the commands: a record is never seen before the
 * line it belongs to is marked pending.
 *
 * Resolves `'completed'` when every task is recorded, `'interrupted'` when `signal` aborted (the
 * run's keys and queued jobs stay for a resume). Rejects with `REDIS_UNAVAILABLE` when Redis is
 * down at start, `NO_PROGRESS` after `stallTimeoutMs` without a finished page.
 */
export async function runDistributed(
  tasks: AsyncIterable<Task>,
  run: DistributedRun,
  signal: AbortSignal | undefined,
  onRecord: (record: PageRecord) => Promise<boolean>,
): Promise<'completed' | 'interrupted'> {
  await probeRedis(run.connection, run.where);
  let lastError: Error | undefined;
  const noteError = (error: Error): void => {
    lastError = error;
  };
  const redis: Redis = createClient(run.connection, noteError);
  const queue = new Queue<TaskJobData>(QUEUE_NAME, { connection: run.connection });
  queue.on('error', noteError);
  const events = new QueueEvents(QUEUE_NAME, { connection: run.connection });
  events.on('error', noteError);

  const pending = new Map<number, Task>();
  // The last lines recorded, up to the bound of unfinished jobs: only their jobs can still exist
  // when the last record arrives (a ring buffer; older ones were removed long before).
  const recent: number[] = [];
  let recentAt = 0;
  const noteRecorded = (line: number): void => {
    if (recent.length < run.maxPending) recent.push(line);
    else recent[recentAt++ % run.maxPending] = line;
  };
  let lastProgress = performance.now();
  let wakeProducer: (() => void) | undefined;
  const progressed = (): void => {
    lastProgress = performance.now();
    const wake = wakeProducer;
    wakeProducer = undefined;
    wake?.();
  };

  // A job that failed for good (its worker died twice, or the processor threw) becomes an error
  // record, stored through the same record-once script as a page.
  const prefix = jobId(run.runId, 0).slice(0, -1);
  events.on('failed', ({ jobId: id, failedReason }) => {
    if (!id.startsWith(prefix)) return;
    // parseInt: a task sent back for a retry has a job id of its own, `<run>-<line>-r<attempts>`.
    const task = pending.get(Number.parseInt(id.slice(prefix.length), 10));
    if (!task) return;
    const error = pageError('WORKER_CRASHED', `the distributed task failed: ${failedReason}`);
    recordOnce(redis, run.runId, errorRecord(task, error)).catch(noteError);
  });

  // A Redis command that failed after its reconnection attempts ends the crawl with a stable code
  // and the redacted URL, instead of an ioredis error (whose text could be anything).
  const inRedis = async <T>(what: string, command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CrawlbenchError(
        'REDIS_UNAVAILABLE',
        `run ${run.runId}: ${what} at ${run.where} failed: ${reason}`,
        {
          cause: error,
        },
      );
    }
  };

  const checkStall = (): void => {
    const idleMs = performance.now() - lastProgress;
    if (pending.size === 0 || idleMs < run.stallTimeoutMs) return;
    const cause = lastError ? `; last Redis error: ${lastError.message}` : '; are workers running?';
    throw new CrawlbenchError(
      lastError && redis.status !== 'ready' ? 'REDIS_UNAVAILABLE' : 'NO_PROGRESS',
      `run ${run.runId}: no page finished in ${Math.round(idleMs / 1000)} s with ${pending.size} tasks ` +
        `queued at ${run.where}${cause}`,
    );
  };

  let producing = true;
  let failure: { error: unknown } | undefined;

  const enqueue = async (batch: Task[]): Promise<void> => {
    // A resumed run re-emits what was already finished and queues only the rest.
    const stored = await storedRecords(
      redis,
      run.runId,
      batch.map((t) => t.line),
    );
    const missing: Task[] = [];
    const forget: number[] = [];
    const reuse: PageRecord[] = [];
    batch.forEach((task, i) => {
      const record = stored[i];
      // A task the frontier sent back (a 429 or 503 with Retry-After: it carries its attempts) has
      // a stored record that was not its last; a link-following run that resumes numbers the pages
      // it finds anew, so a line's stored record may be another URL's. Either is forgotten, so the
      // task's own record can be stored.
      if (record && (task.attempts ?? 0) === 0 && record.url === task.url) {
        reuse.push(record);
        return;
      }
      if (record) forget.push(task.line);
      pending.set(task.line, task);
      missing.push(task);
    });
    if (forget.length > 0) {
      await inRedis('forgetting records', () => forgetRecords(redis, run.runId, forget));
    }
    for (const record of reuse) await onRecord(record);
    if (missing.length === 0) return;
    await inRedis('queueing tasks', () =>
      queue.addBulk(
        missing.map((task) => ({
          name: 'page',
          data: { runId: run.runId, task, config: run.config },
          // A retry gets a job id of its own: the first try's job may not be removed yet.
          opts: {
            jobId: jobId(run.runId, task.line) + (task.attempts ? `-r${task.attempts}` : ''),
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      ),
    );
    await inRedis('counting tasks', () => countSent(redis, run.runId, missing.length));
  };

  const produce = async (): Promise<void> => {
    // Never more per batch than the bound, or a small bound could not take a single batch.
    const batchSize = Math.min(BATCH, run.maxPending);
    let batch: Task[] = [];
    const iterator = tasks[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<Task>> | undefined;
    try {
      for (;;) {
        if (signal?.aborted || failure) break;
        next ??= iterator.next();
        // A source that waits (a link-following frontier waits for pages to finish before it has
        // more) must not hold back a partial batch: send what there is after a short wait.
        const result =
          batch.length === 0 ? await next : await Promise.race([next, sleep(FLUSH_MS).then(() => null)]);
        if (result === null) {
          await enqueueWithRoom(batch);
          batch = [];
          continue;
        }
        next = undefined;
        if (result.done) break;
        batch.push(result.value);
        if (batch.length >= batchSize) {
          await enqueueWithRoom(batch);
          batch = [];
        }
      }
      if (!signal?.aborted && !failure) await enqueue(batch);
    } finally {
      producing = false;
      // A pull still pending (stopped while the source waits) closes the source once it settles.
      if (next === undefined) await iterator.return?.();
      else void next.then(() => iterator.return?.()).catch(() => {});
    }
  };

  /** Waits until the batch fits under the bound of unfinished tasks, then queues it. */
  const enqueueWithRoom = async (batch: Task[]): Promise<void> => {
    while (pending.size + batch.length > run.maxPending && !signal?.aborted && !failure) {
      await new Promise<void>((resolve) => {
        wakeProducer = resolve;
      });
    }
    if (signal?.aborted || failure) return;
    await enqueue(batch);
  };

  const consume = async (): Promise<void> => {
    let pollMs = POLL_MIN_MS;
    // One pop at a time, even when Redis is slow to answer: a pop given up on could still take
    // records off the list, and they would be lost. A pop that does not answer for a while counts
    // against the stall timeout instead (ioredis can keep a command waiting through reconnects).
    let take: Promise<{ records: PageRecord[] } | { error: Error }> | undefined;
    while ((producing || pending.size > 0) && !signal?.aborted) {
      take ??= takeResults(redis, run.runId, TAKE).then(
        (records) => ({ records }),
        (error: unknown) => ({ error: error as Error }),
      );
      const outcome = await Promise.race([take, sleep(POLL_MS * 10).then(() => null)]);
      if (outcome === null) {
        checkStall();
        continue;
      }
      take = undefined;
      if ('error' in outcome) {
        noteError(outcome.error);
        checkStall();
        await sleep(POLL_MS * 10);
        continue;
      }
      const records = outcome.records;
      for (const record of records) {
        // Not pending: re-emitted from the stored records already, or not this coordinator's.
        if (!pending.delete(record.line)) continue;
        noteRecorded(record.line);
        progressed();
        await onRecord(record);
      }
      if (records.length > 0) {
        pollMs = POLL_MIN_MS;
      } else {
        checkStall();
        await sleep(pollMs);
        pollMs = Math.min(POLL_MS, pollMs * 2);
      }
    }
  };

  const stopWaiting = (): void => progressed();
  signal?.addEventListener('abort', stopWaiting, { once: true });
  try {
    await inRedis('subscribing to queue events', () => events.waitUntilReady());
    if (
      run.followsLinks === true &&
      (await inRedis('looking up the run', () => runExists(redis, run.runId)))
    ) {
      throw new CrawlbenchError(
        'INVALID_OPTION',
        `run ${run.runId} exists: a link-following run cannot be resumed yet; start it under a new --run-id`,
      );
    }
    await inRedis('opening the run', () => openRun(redis, run.runId, run.config));
    const producer = produce().catch((error: unknown) => {
      failure ??= { error };
    });
    await consume().catch((error: unknown) => {
      failure ??= { error };
      progressed();
    });
    // A failed run does not wait for the producer: it may be stuck queueing into a Redis that is
    // gone (BullMQ retries its commands for ever); closing the queue below ends that.
    if (failure) throw failure.error;
    await producer;
    // Set by the producer meanwhile (TypeScript cannot see the closure assign it).
    const late = failure as { error: unknown } | undefined;
    if (late) throw late.error;
    const state = signal?.aborted ? 'interrupted' : 'completed';
    if (state === 'completed' && !run.keep) {
      await inRedis('deleting the run keys', () => deleteRun(redis, run.runId));
      await inRedis('waiting for the last jobs', () =>
        waitForRemoval(
          redis,
          recent.map((line) => queue.toKey(jobId(run.runId, line))),
        ),
      );
    } else {
      await inRedis('closing the run', () => closeRun(redis, run.runId, state));
    }
    return state;
  } catch (error) {
    // Best effort, for `crawlbench runs`: Redis may be the reason of the failure.
    const code = error instanceof CrawlbenchError ? error.code : 'ERROR';
    if (redis.status === 'ready') await closeRun(redis, run.runId, 'failed', code).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener('abort', stopWaiting);
    // Bounded: with Redis gone, BullMQ's close can wait on reconnects for a long time.
    await Promise.race([Promise.allSettled([events.close(), queue.close()]), sleep(CLOSE_MS)]);
    redis.disconnect();
  }
}

/** Waits up to {@link DRAIN_MS} until none of `keys` exists any more. */
async function waitForRemoval(redis: Redis, keys: readonly string[]): Promise<void> {
  let left = keys;
  const deadline = performance.now() + DRAIN_MS;
  while (left.length > 0 && performance.now() < deadline) {
    const pipeline = redis.pipeline();
    for (const key of left) pipeline.exists(key);
    const replies = (await pipeline.exec()) ?? [];
    left = left.filter((_, i) => replies[i]?.[1] === 1);
    if (left.length > 0) await sleep(20);
  }
}
