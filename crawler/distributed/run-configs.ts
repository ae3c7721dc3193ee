import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../step-options.js';
import type { TaskRunner } from '../strategies/worker-task.js';
import { runKeys } from './keys.js';
import type { TaskJobData } from './run-store.js';

/** A run as a worker sees it: its config, and the task runner built from it. */
export interface WorkerRun {
  readonly config: WorkerConfig;
  readonly run: TaskRunner;
}

// One runner per run: a run's config (timeouts, parse options) is fixed, and the runner keeps a
// keep-alive dispatcher. A worker serves few runs at once; the oldest runner goes past this many.
const MAX_RUNS = 8;

/**
 * A worker's cache of the runs it serves: the config of a run is read from the run's metadata on
 * its first task (one HMGET), then kept as long as the tasks carry the same options hash. A task
 * whose run is gone (completed, pruned, or opened again with other options) finds no run, and is
 * not run.
 */
export class RunConfigs {
  readonly #redis: Redis;
  readonly #build: (config: WorkerConfig) => TaskRunner;
  /** By `<run id> <options hash>`; a lookup in flight is shared by the tasks that wait on it. */
  readonly #runs = new Map<string, Promise<WorkerRun | null>>();

  constructor(redis: Redis, build: (config: WorkerConfig) => TaskRunner) {
    this.#redis = redis;
    this.#build = build;
  }

  /** The run of a job, or null when it is gone. */
  get(job: Pick<TaskJobData, 'runId' | 'options'>): Promise<WorkerRun | null> {
    const key = `${job.runId} ${job.options}`;
    let found = this.#runs.get(key);
    if (found === undefined) {
      found = this.#lookUp(job).then(
        (run) => {
          // Gone is not cached: the next task of the run looks again (a run resumed after a prune).
          if (run === null) this.#runs.delete(key);
          return run;
        },
        (error: unknown) => {
          this.#runs.delete(key);
          throw error;
        },
      );
      this.#runs.set(key, found);
      if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value as string);
    }
    return found;
  }

  /** Drops a run whose record was refused (its run is gone): its next task looks it up again. */
  forget(job: Pick<TaskJobData, 'runId' | 'options'>): void {
    this.#runs.delete(`${job.runId} ${job.options}`);
  }

  async #lookUp(job: Pick<TaskJobData, 'runId' | 'options'>): Promise<WorkerRun | null> {
    const [options, config] = await this.#redis.hmget(runKeys(job.runId).meta, 'options', 'config');
    if (options !== job.options || config === null || config === undefined) return null;
    const parsed = JSON.parse(config) as WorkerConfig;
    return { config: parsed, run: this.#build(parsed) };
  }
}
