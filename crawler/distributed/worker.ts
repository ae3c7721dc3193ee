import { type Job, Worker } from 'bullmq';
import { CRAWL_DEFAULTS } from '../defaults.js';
import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import { pageError } from '../errors.js';
import type { ExtractSpec } from '../extract/extract-types.js';
import { extractSpecOf, loadExtractor } from '../extract/load-extract.js';
import type { Extractor } from '../extract/run-extract.js';
import { errorRecord } from '../page.js';
import type { WorkerOutcome } from '../strategies/worker-outcome.js';
import { createTaskRunner } from '../strategies/worker-task.js';
import { probeRedis } from './connect.js';
import { QUEUE_NAME } from './keys.js';
import { RunConfigs } from './run-configs.js';
import { type RecordOutcome, recordOnce, type TaskJobData } from './run-store.js';

/** Options of {@link startDistributedWorker}. */
export interface DistributedWorkerOptions {
  /** ioredis options, from `parseRedisUrl`. */
  readonly connection: RedisOptions;
  /** The URL with its password hidden, for messages. */
  readonly where: string;
  /** Tasks run at once by this worker. @default 16 */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal: a worker that dies (SIGKILL) holds its jobs this
   * long before another worker may take them back. @default 30000 (BullMQ's)
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs whose holder died. @default 30000 (BullMQ's) */
  readonly stalledIntervalMs?: number;
  /**
   * This worker's extraction module (a path, resolved against `cwd`, or a file: URL). A run whose
   * coordinator has a module gets it run only when the two have the same content (SHA-256); its
   * tasks are refused with `EXTRACT_MISMATCH` records otherwise, and by a worker without one.
   * Code never travels through Redis.
   */
  readonly extract?: string;
  /** Where a relative `extract` path starts. @default the process's working directory */
  readonly cwd?: string;
  /** Errors that do not stop the worker (a Redis outage while it reconnects, a failed job). */
  readonly onError?: (error: Error) => void;
}

export interface DistributedWorker {
  /** Stops taking jobs (jobs in progress finish first); `resume` takes them again. */
  pause(): Promise<void>;
  resume(): void;
  /** Lets the jobs in progress finish, then closes every connection. */
  close(): Promise<void>;
}

/**
 * Times a task's workers may die running it (SIGKILL, out of memory, a crash in extraction code)
 * before it becomes a `WORKER_CRASHED` record instead of being run again. BullMQ's stalled-job
 * check counts the deaths; it is told to fail a job only after one more, so that the worker that
 * takes a job back this many times stores the record itself, before the job can leave the queue.
 */
const MAX_DEATHS = 2;

/**
 * Starts a BullMQ worker that pulls crawl tasks of every run from the shared queue and runs them
 * with the same fetch and parse code as the local strategies. Each finished page is stored through
 * the run's record-once script, which is where exactly-once is decided.
 */
export async function startDistributedWorker(options: DistributedWorkerOptions): Promise<DistributedWorker> {
  await probeRedis(options.connection, options.where);
  const onError = options.onError ?? (() => {});
  const concurrency = options.concurrency ?? CRAWL_DEFAULTS.workerConcurrency;
  // Loaded at start, like the pools' workers: a module that does not load fails the worker at once.
  let own: { readonly spec: ExtractSpec; readonly extractor: Extractor } | null = null;
  if (options.extract !== undefined) {
    const spec = extractSpecOf(options.extract, options.cwd ?? process.cwd());
    own = { spec, extractor: await loadExtractor(spec) };
  }
  /** Why this worker must not run a run's tasks: its extraction module is not the run's. */
  const mismatch = (wanted: ExtractSpec | undefined): string | null => {
    if (wanted === undefined || own?.spec.hash === wanted.hash) return null;
    const theirs = `the run's extraction module (sha256 ${wanted.hash.slice(0, 12)})`;
    return own === null
      ? `this worker has no extraction module and ${theirs} must not be skipped: start the worker with --extract`
      : `this worker's extraction module (sha256 ${own.spec.hash.slice(0, 12)}) is not ${theirs}: start it with the same --extract`;
  };
  // Waits through an outage (no per-command retry limit): a finished page is worth keeping.
  const store = new Redis({ ...options.connection, maxRetriesPerRequest: null });
  store.on('error', onError);
  // As many connections per host as tasks at once: the default 8 would cap this worker at 8.
  // A run whose module is not this worker's gets no extractor: its tasks are refused, never run.
  const runs = new RunConfigs(store, (config) =>
    createTaskRunner(
      { config, parseIn: 'worker', connections: concurrency },
      own !== null && config.extract?.hash === own.spec.hash ? own.extractor : null,
    ),
  );
  const crashed = (data: TaskJobData, why: string): Promise<RecordOutcome> =>
    recordOnce(store, data, {
      record: errorRecord(data.task, pageError('WORKER_CRASHED', `the distributed task failed: ${why}`)),
      retryAfterMs: null,
    });

  const processor = async (job: Job<TaskJobData>): Promise<void> => {
    const data = job.data;
    if (job.stalledCounter >= MAX_DEATHS) {
      await crashed(data, `the workers running it died ${job.stalledCounter} times`);
      return;
    }
    // A task taken back from a dead worker may belong to a run pruned meanwhile: looked up afresh.
    if (job.stalledCounter > 0) runs.forget(data);
    const run = await runs.get(data);
    // The run is gone (completed, pruned, or opened again with other options): nothing to do.
    if (run === null) return;
    const refused = mismatch(run.config.extract);
    if (refused !== null) {
      const record = errorRecord(data.task, pageError('EXTRACT_MISMATCH', refused));
      await recordOnce(store, data, { record, retryAfterMs: null });
      return;
    }
    let outcome: WorkerOutcome;
    try {
      outcome = await run.run(data.task);
    } catch (error) {
      // Stored here rather than left to a failed job: the record is in before the job leaves.
      await crashed(data, error instanceof Error ? error.message : String(error));
      return;
    }
    // parseIn is 'worker' here, so every outcome is finished.
    if (outcome.kind !== 'finished') {
      await crashed(data, 'a distributed worker got an unparsed page');
      return;
    }
    if ((await recordOnce(store, data, outcome.result)) === 'run-gone') runs.forget(data);
  };

  const worker = new Worker<TaskJobData, void>(QUEUE_NAME, processor, {
    connection: options.connection,
    concurrency,
    lockDuration: options.lockDurationMs ?? CRAWL_DEFAULTS.workerLockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? CRAWL_DEFAULTS.workerStalledIntervalMs,
    maxStalledCount: MAX_DEATHS,
    // Every job goes once it is done (its record is in the run's records): none are kept.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
  });
  worker.on('error', onError);
  // A job BullMQ failed without running it (a worker with a lower stall limit, or a record that
  // could not be stored): its record, so that the coordinator does not wait for it.
  worker.on('failed', (job, error) => {
    if (job) crashed(job.data, error.message).catch(onError);
  });
  await worker.waitUntilReady();
  return {
    pause: () => worker.pause(),
    resume: () => worker.resume(),
    close: async () => {
      await worker.close();
      await store.quit().catch(() => store.disconnect());
    },
  };
}
