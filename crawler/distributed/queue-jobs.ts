import type { Redis } from 'ioredis';
import type { Task } from '../types.js';
import { jobId, QUEUE_KEY_PREFIX, runKeys } from './keys.js';
import type { DistributedRun } from './run-options.js';
import type { TaskJobData } from './run-store.js';
import { defineScript } from './script.js';

/** The BullMQ job name of every crawl task. */
export const JOB_NAME = 'page';

/** The key of a job's hash. */
export const jobKey = (id: string): string => `${QUEUE_KEY_PREFIX}${id}`;

// Adds a batch of jobs in one call, as BullMQ's addStandardJob does one by one: a job id that
// exists is left alone (a line is never queued twice), and so is a line that has its record
// already (a job of an interrupted run that finished, and was removed, after a resumed
// coordinator looked for its record: without this check it would be fetched again); a new one
// gets its hash (name, data, opts, timestamp, delay, priority: what a BullMQ worker reads) and
// goes to the head of the wait list (or of the paused list when the queue is paused), and the
// marker wakes the waiting workers, unless the queue is paused or at its global concurrency.
// Unlike addStandardJob it emits no 'added' and 'waiting' events (nothing of crawlbench reads
// them) and stores `opts` without the job id (the hash's key has it): a job costs Redis three
// script arguments and four commands.
//
// KEYS: wait, paused, meta, marker, active, the run's records. ARGV: key prefix, name, timestamp,
// opts, then job id, data and line for each job. Returns the number of jobs added.
const ADD_JOBS = defineScript(`
local attributes = redis.call('HMGET', KEYS[3], 'paused', 'concurrency')
local target = KEYS[1]
local maxed = false
if attributes[1] then
  target = KEYS[2]
  maxed = true
elseif attributes[2] and redis.call('LLEN', KEYS[5]) >= tonumber(attributes[2]) then
  maxed = true
end
local added = 0
for i = 5, #ARGV, 3 do
  local key = ARGV[1] .. ARGV[i]
  if redis.call('EXISTS', key) == 0 and redis.call('HEXISTS', KEYS[6], ARGV[i + 2]) == 0 then
    redis.call('HSET', key, 'name', ARGV[2], 'data', ARGV[i + 1], 'opts', ARGV[4],
      'timestamp', ARGV[3], 'delay', 0, 'priority', 0)
    redis.call('LPUSH', target, ARGV[i])
    added = added + 1
  end
end
if added > 0 and not maxed then redis.call('ZADD', KEYS[4], 0, '0') end
return added`);

/** What BullMQ stores as a job's options when it is given none: its own default of `attempts`. */
const OPTS = JSON.stringify({ attempts: 0 });

/** The job id of a task: its line's, or one of its own for a retry (the first try's job may still exist). */
export function taskJobId(runId: string, task: Task): string {
  return jobId(runId, task.line) + (task.attempts ? `-r${task.attempts}` : '');
}

/**
 * Queues tasks of a run as BullMQ jobs, in one round trip (BullMQ's `addBulk` runs one script per
 * job, which was most of what the coordinator spent per task). A task whose job id exists, or
 * whose line has its record already, is not queued again. Resolves with the number of jobs added.
 */
export async function addJobs(redis: Redis, run: DistributedRun, tasks: readonly Task[]): Promise<number> {
  if (tasks.length === 0) return 0;
  const args: string[] = [];
  for (const task of tasks) {
    const data: TaskJobData = { runId: run.runId, task, options: run.optionsHash };
    args.push(taskJobId(run.runId, task), JSON.stringify(data), String(task.line));
  }
  return (await ADD_JOBS(
    redis,
    6,
    `${QUEUE_KEY_PREFIX}wait`,
    `${QUEUE_KEY_PREFIX}paused`,
    `${QUEUE_KEY_PREFIX}meta`,
    `${QUEUE_KEY_PREFIX}marker`,
    `${QUEUE_KEY_PREFIX}active`,
    runKeys(run.runId).records,
    QUEUE_KEY_PREFIX,
    JOB_NAME,
    String(Date.now()),
    OPTS,
    ...args,
  )) as number;
}
