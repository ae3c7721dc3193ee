import type { Redis } from 'ioredis';
import { CrawlbenchError } from '../errors.js';
import type { Task, TaskResult } from '../types.js';
import { createClient, probeRedis } from './connect.js';
import { consume } from './consumer.js';
import { jobId } from './keys.js';
import { produce } from './producer.js';
import { addJobs, jobKey } from './queue-jobs.js';
import type { SourceControls } from '../sources/task-source.js';
import { ListDigests, parseChunkDigests } from './run-fingerprint.js';
import { closeRun, type Opened, openRun, queuedMaxLine, storedDigests } from './run-meta.js';
import type { DistributedRun } from './run-options.js';
import { RunState } from './run-state.js';
import { loadScripts } from './script.js';
import { deleteRun, recordIndex } from './run-store.js';

/**
 * How long a completed run waits for workers to remove its last jobs. A worker stores a record
 * before BullMQ moves the job to completed (and removes it), so the last records can arrive a few
 * milliseconds before their jobs are gone. A job whose worker died in between is removed when
 * another worker takes it back after its lock expires, which can be longer than this wait.
 */
const DRAIN_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Tasks queued again per round trip after the run's keys vanished. */
const REQUEUE_BATCH = 500;

/**
 * The coordinator of a distributed crawl: a producer that queues the run's tasks in batches, never
 * more than `maxPending` unfinished, and a consumer that hands every finished page to `onResult`
 * exactly once, sharing one {@link RunState}.
 *
 * Exactly-once rests on three things: each line has one job id (a resumed run does not queue a
 * line twice while its job exists), the record-once script stores one record per line (a retried
 * or duplicated task cannot add a second), and the coordinator accepts a record only for a line it
 * is waiting on. A line is pending from the moment its batch is prepared, before the lookup of
 * stored records that a resumed run makes: a record taken off the results list meanwhile is
 * accepted, and the lookup then skips the line (it is no longer pending); a record stored before
 * the lookup ran is found by it. Either way the line is handed back once, whatever order the
 * replies of the two connections arrive in.
 *
 * Workers store every outcome themselves, failures included (a task whose workers died twice, or
 * whose processing threw, becomes a `WORKER_CRASHED` record), so the coordinator reads no queue
 * events: its cost per task does not grow with the traffic of other runs on the queue.
 *
 * A resumed run (its id exists in Redis) must have the options and the list of the interrupted
 * one: its options hash is checked when it opens, its list chunk by chunk as it is read (see
 * run-fingerprint.ts); either differing is refused with `INVALID_OPTION`, before anything of the
 * lines concerned changes. A resumed link-following run (whose options hash covers what it
 * follows) hands back the stored record of every URL its frontier hands out again, found by URL.
 *
 * Resolves `'completed'` when every task is recorded, `'interrupted'` when `signal` aborted (the
 * run's keys and queued jobs stay for a resume). Rejects with `REDIS_UNAVAILABLE` when Redis is
 * down at start, `NO_PROGRESS` after `stallTimeoutMs` without a finished page.
 */
export async function runDistributed(
  tasks: AsyncIterable<Task>,
  run: DistributedRun,
  signal: AbortSignal | undefined,
  onResult: (result: TaskResult) => Promise<void>,
  source?: SourceControls,
): Promise<'completed' | 'interrupted'> {
  await probeRedis(run.connection, run.where);
  const state = new RunState(run);
  // One connection for everything: the jobs are written by the coordinator's own script (no
  // BullMQ Queue, whose add runs one script per job), so its commands reach Redis in order.
  const redis: Redis = createClient(run.connection, state.noteError);

  const stopWaiting = (): void => state.progressed();
  signal?.addEventListener('abort', stopWaiting, { once: true });
  // Set once the run is open: what to restore when its resume is refused halfway (a changed list).
  let found: Opened | undefined;
  try {
    await state.inRedis('loading scripts', () => loadScripts(redis));
    found = await state.inRedis('opening the run', () => openRun(redis, run));
    const resumed = found.kind === 'resumed';
    // A resumed link-following run finds its pages anew: their records are looked up by URL, and
    // the pages it finds are numbered after every stored line, so no new page takes an old line.
    const index =
      resumed && run.followsLinks
        ? await state.inRedis('indexing the records', async () =>
            recordIndex(redis, run.runId, await queuedMaxLine(redis, run.runId)),
          )
        : null;
    if (index !== null) source?.reserveLines?.(index.maxLine);
    const digests = new ListDigests(
      run.runId,
      resumed
        ? parseChunkDigests(
            await state.inRedis('reading the list digests', () => storedDigests(redis, run.runId)),
          )
        : new Map(),
    );
    // A link-following run's seeds are checked where its frontier reads them, in list order; its
    // tasks reach the producer in another order, mixed with the pages it finds.
    const checkSeeds = run.followsLinks ? source?.checkSeeds?.bind(source) : undefined;
    checkSeeds?.(digests);
    const seedsChecked = checkSeeds !== undefined;
    let producing = true;
    const producer = produce(tasks, {
      state,
      redis,
      signal,
      onResult,
      digests: run.followsLinks && !seedsChecked ? null : digests,
      checkTasks: !run.followsLinks,
      resumed,
      index,
    })
      .catch((error: unknown) => state.fail(error))
      .finally(() => {
        producing = false;
      });
    // Redis came back empty: the run's keys, its queued jobs and the records not yet taken are
    // gone. Every line still pending goes out again (workers that finish an old copy store their
    // record only if the line has none yet, and only pending lines are accepted: each once).
    const onRunVanished = async (): Promise<void> => {
      await state.inRedis('opening the run again', () => openRun(redis, run));
      const tasks = [...state.pending.values()];
      for (let i = 0; i < tasks.length; i += REQUEUE_BATCH) {
        const batch = tasks.slice(i, i + REQUEUE_BATCH);
        await state.inRedis('queueing pending tasks again', () => addJobs(redis, run, batch));
      }
      state.recovered();
    };
    await consume({ state, redis, signal, producing: () => producing, onResult, onRunVanished }).catch(
      (error: unknown) => state.fail(error),
    );
    // A failed run does not wait for the producer: it may be stuck queueing into a Redis that is
    // gone; disconnecting below ends that.
    state.throwIfFailed();
    await producer;
    state.throwIfFailed();
    const outcome = signal?.aborted ? 'interrupted' : 'completed';
    if (outcome === 'completed' && !run.keep) {
      await state.inRedis('deleting the run keys', () => deleteRun(redis, run.runId));
      const keys = state.recent.map((line) => jobKey(jobId(run.runId, line)));
      await state.inRedis('waiting for the last jobs', () => waitForRemoval(redis, keys));
    } else {
      await state.inRedis('closing the run', () => closeRun(redis, run.runId, outcome));
    }
    return outcome;
  } catch (error) {
    // Best effort, for `crawlbench runs`: Redis may be the reason of the failure. A refused resume
    // (another list) leaves the run as it was found, to be resumed with the right one.
    const code = error instanceof CrawlbenchError ? error.code : 'ERROR';
    if (found !== undefined && redis.status === 'ready') {
      const closing =
        code === 'INVALID_OPTION' && found.kind === 'resumed'
          ? closeRun(redis, run.runId, found.previous)
          : closeRun(redis, run.runId, 'failed', code);
      await closing.catch(() => {});
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', stopWaiting);
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
