import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../step-options.js';
import type { Task, TaskResult } from '../types.js';
import { runKeys } from './keys.js';

/** The data of one queued job: plain JSON. The config rides along so a worker needs no lookup. */
export interface TaskJobData {
  readonly runId: string;
  readonly task: Task;
  readonly config: WorkerConfig;
}

// Atomic "first record wins": a task retried after a stall, or a failure reported after a late
// success, cannot produce a second record. The record is dropped when the run is gone (finished
// and cleaned up), so a straggler does not resurrect its keys.
const RECORD_ONCE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  return 1
end
return 0`;

/**
 * Stores a finished page of a run (its record, and the wait its host asked for, if any) unless one
 * is already stored for its line.
 */
export async function recordOnce(redis: Redis, runId: string, result: TaskResult): Promise<void> {
  const keys = runKeys(runId);
  await redis.eval(
    RECORD_ONCE,
    3,
    keys.meta,
    keys.records,
    keys.results,
    String(result.record.line),
    JSON.stringify(result),
  );
}

/** Where a run stands, as `crawlbench runs` shows it. */
export type RunState = 'running' | 'interrupted' | 'failed' | 'completed';

/** Marks a run live (workers only store records of live runs) and running. */
export async function openRun(redis: Redis, runId: string, config: WorkerConfig): Promise<void> {
  const meta = runKeys(runId).meta;
  await redis.hset(meta, {
    config: JSON.stringify(config),
    state: 'running',
    updatedAt: new Date().toISOString(),
  });
  // The first opening only: a resumed run keeps its start time.
  await redis.hsetnx(meta, 'openedAt', new Date().toISOString());
}

/** Whether a run of this id was opened before (and not cleaned up). */
export async function runExists(redis: Redis, runId: string): Promise<boolean> {
  return (await redis.exists(runKeys(runId).meta)) === 1;
}

/** Counts tasks sent to the queue (a resumed run counts a re-sent task again: an upper bound). */
export async function countSent(redis: Redis, runId: string, count: number): Promise<void> {
  await redis.hincrby(runKeys(runId).meta, 'sent', count);
}

/** Records how a run ended, for runs whose keys stay (kept, interrupted or failed). */
export async function closeRun(redis: Redis, runId: string, state: RunState, error?: string): Promise<void> {
  await redis.hset(runKeys(runId).meta, {
    state,
    updatedAt: new Date().toISOString(),
    ...(error !== undefined && { error }),
  });
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
  const keys = runKeys(runId);
  await redis.del(keys.meta, keys.records, keys.results);
}
