import { type Job, Worker } from 'bullmq';
import { CRAWL_DEFAULTS } from '../defaults.js';
import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import { CrawlbenchError, pageError } from '../errors.js';
import type { ExtractSpec } from '../extract/extract-types.js';
import { extractSpecOf, loadExtractor } from '../extract/load-extract.js';
import type { Extractor } from '../extract/run-extract.js';
import { errorRecord } from '../page.js';
import type { WorkerOutcome } from '../strategies/worker-outcome.js';
import { createTaskRunner } from '../strategies/worker-task.js';
import type { Task } from '../types.js';
import { probeRedis } from './connect.js';
import { QUEUE_NAME } from './keys.js';
import { recordOnce, type TaskJobData } from './run-store.js';

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

// One runner per run: a run's config (timeouts, parse options) is fixed, and the runner keeps a
// keep-alive dispatcher. A worker serves few runs at once; the oldest runner goes past this many.
const MAX_RUNNERS = 8;

/**
 * Starts a BullMQ worker that pulls crawl tasks of every run from the shared queue and runs them
 * with the same fetch and parse code as the local strategies. Each finished page is stored through
 * the run's record-once script, which is where exactly-once is decided.
 */
export async function startDistributedWorker(options: DistributedWorkerOptions): Promise<DistributedWorker> {
  await probeRedis(options.connection, options.where);
  const onError = options.onError ?? (() => {});
  const concurrency = options.concurrency ?? CRAWL_DEFAULTS.workerConcurrency;
  const runners = new Map<string, (task: Task) => Promise<WorkerOutcome>>();
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

  const processor = async (job: Job<TaskJobData>): Promise<void> => {
    const { runId, task, config } = job.data;
    const refused = mismatch(config.extract);
    if (refused !== null) {
      const record = errorRecord(task, pageError('EXTRACT_MISMATCH', refused));
      await recordOnce(store, runId, { record, retryAfterMs: null });
      return;
    }
    let run = runners.get(runId);
    if (!run) {
      // As many connections per host as tasks at once: the default 8 would cap this worker at 8.
      const extractor = config.extract ? own!.extractor : null;
      run = createTaskRunner({ config, parseIn: 'worker', connections: concurrency }, extractor);
      runners.set(runId, run);
      if (runners.size > MAX_RUNNERS) runners.delete(runners.keys().next().value as string);
    }
    const outcome = await run(task);
    // parseIn is 'worker' here, so every outcome is finished; a job that fails instead becomes a
    // WORKER_CRASHED record through the coordinator's 'failed' listener, never a lost page.
    if (outcome.kind !== 'finished')
      throw new CrawlbenchError('PARSE_ERROR', 'a distributed worker got an unparsed page');
    await recordOnce(store, runId, outcome.result);
  };

  const worker = new Worker<TaskJobData, void>(QUEUE_NAME, processor, {
    connection: options.connection,
    concurrency,
    lockDuration: options.lockDurationMs ?? CRAWL_DEFAULTS.workerLockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? CRAWL_DEFAULTS.workerStalledIntervalMs,
  });
  worker.on('error', onError);
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
