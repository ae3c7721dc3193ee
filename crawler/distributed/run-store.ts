import type { Redis } from 'ioredis';
import type { Task, TaskResult } from '../types.js';
import { allRunKeys, runKeys } from './keys.js';
import { defineScript } from './script.js';

/**
 * The data of one queued job: plain JSON, and small (it is most of what a queued task costs Redis).
 * The run's fetch and parse config is not in it: it is stored once in the run's metadata, and a
 * worker reads it on the first task of a run and caches it by `options`.
 */
export interface TaskJobData {
  readonly runId: string;
  readonly task: Task;
  /**
   * The hash of the run's options (run-fingerprint.ts): a worker's cached config is the run's only
   * while the two match, and a record is stored only into the run opened with these options.
   */
  readonly options: string;
}

/** What storing a record did. */
export type RecordOutcome = 'stored' | 'repeat' | 'run-gone';

// Atomic "first record wins": a task retried after a stall, or a failure reported after a late
// success, cannot produce a second record. The record is dropped when the run is gone (finished,
// pruned, or opened again under the same id with other options), so a straggler neither
// resurrects its keys nor lands in another run.
const RECORD_ONCE = defineScript(`
if redis.call('HGET', KEYS[1], 'options') ~= ARGV[3] then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  return 1
end
return 0`);

/**
 * Stores a finished page of a run (its record, and the wait its host asked for, if any) unless one
 * is already stored for its line, or the run of these options is gone.
 */
export async function recordOnce(
  redis: Redis,
  job: Pick<TaskJobData, 'runId' | 'options'>,
  result: TaskResult,
): Promise<RecordOutcome> {
  const keys = runKeys(job.runId);
  const reply = await RECORD_ONCE(
    redis,
    3,
    keys.meta,
    keys.records,
    keys.results,
    String(result.record.line),
    JSON.stringify(result),
    job.options,
  );
  return reply === 1 ? 'stored' : reply === 0 ? 'repeat' : 'run-gone';
}

/** The results already stored for some lines of a run, for a resumed coordinator. */
export async function storedResults(
  redis: Redis,
  runId: string,
  lines: readonly number[],
): Promise<Array<TaskResult | null>> {
  if (lines.length === 0) return [];
  const values = await redis.hmget(runKeys(runId).records, ...lines.map(String));
  return values.map((value) => (value === null ? null : (JSON.parse(value) as TaskResult)));
}

/** Forgets the stored records of some lines (records that were not their tasks' last). */
export async function forgetRecords(redis: Redis, runId: string, lines: readonly number[]): Promise<void> {
  if (lines.length > 0) await redis.hdel(runKeys(runId).records, ...lines.map(String));
}

/** Takes up to `count` finished pages off the run's results list. */
export async function takeResults(redis: Redis, runId: string, count: number): Promise<TaskResult[]> {
  const values = await redis.lpop(runKeys(runId).results, count);
  return (values ?? []).map((value) => JSON.parse(value) as TaskResult);
}

/** Deletes every key of a run. Its jobs are removed by BullMQ as they finish. */
export async function deleteRun(redis: Redis, runId: string): Promise<void> {
  await redis.del(...allRunKeys(runId));
}

/** The stored records of a link-following run by URL, for its resume. */
export interface RecordIndex {
  /** The line of the stored record of each URL (as records show it: its password hidden). */
  readonly lineOf: ReadonlyMap<string, number>;
  /**
   * The largest line the run stored a record for or ever queued (0 for none): the resume numbers
   * new pages after it, so none takes the line (and job id) of an old record or a job still queued.
   */
  readonly maxLine: number;
}

/** Records read per HSCAN round trip while indexing a run's records. */
const INDEX_BATCH = 1000;

/**
 * Indexes the stored records of a run by URL. A resumed link-following run finds its pages anew,
 * in an order (and so under lines) of its own: it looks a page's record up by URL. Costs one pass
 * over the records and a map entry per recorded page (about 100 bytes of the coordinator's memory).
 */
export async function recordIndex(redis: Redis, runId: string, queuedMaxLine: number): Promise<RecordIndex> {
  const lineOf = new Map<string, number>();
  let maxLine = queuedMaxLine;
  let cursor = '0';
  do {
    const [next, fields] = await redis.hscan(runKeys(runId).records, cursor, 'COUNT', INDEX_BATCH);
    cursor = next;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const line = Number(fields[i]);
      const result = JSON.parse(fields[i + 1]!) as TaskResult;
      maxLine = Math.max(maxLine, line);
      // A page sent back by its host (Retry-After) has an intermediate record: not its outcome.
      if (result.retryAfterMs === null) lineOf.set(result.record.url, line);
    }
  } while (cursor !== '0');
  return { lineOf, maxLine };
}
