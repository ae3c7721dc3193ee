import type { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors.js';
import { runKeys } from './keys.js';
import { describeOptionChanges, optionsHash, optionsJson } from './run-fingerprint.js';
import type { DistributedRun } from './run-options.js';
import { defineScript } from './script.js';

/** Where a run stands, as `crawlbench runs` shows it. */
export type RunState = 'running' | 'interrupted' | 'failed' | 'completed';

/** How a run was opened. */
export type Opened =
  | { readonly kind: 'new' }
  /** The run existed (interrupted, failed, killed, or kept): `previous` is the state it was left in. */
  | { readonly kind: 'resumed'; readonly previous: RunState };

// Opens a run atomically: a new one gets its metadata; an existing one is resumed only when its
// options hash is this one. A run of an older crawlbench has none (its jobs carry their config,
// which workers no longer read): it is refused too.
const OPEN = defineScript(`
local meta = KEYS[1]
if redis.call('EXISTS', meta) == 1 then
  local stored = redis.call('HGET', meta, 'options')
  if not stored then return {'older', ''} end
  if stored ~= ARGV[1] then
    return {'changed', redis.call('HGET', meta, 'optionsJson') or ''}
  end
  local previous = redis.call('HGET', meta, 'state') or 'running'
  redis.call('HSET', meta, 'options', ARGV[1], 'optionsJson', ARGV[2], 'config', ARGV[3],
    'state', 'running', 'updatedAt', ARGV[4])
  redis.call('HSETNX', meta, 'openedAt', ARGV[4])
  redis.call('HDEL', meta, 'error')
  return {'resumed', previous}
end
redis.call('HSET', meta, 'options', ARGV[1], 'optionsJson', ARGV[2], 'config', ARGV[3],
  'state', 'running', 'updatedAt', ARGV[4], 'openedAt', ARGV[4])
return {'new', ''}`);

/**
 * Marks a run live (workers store records only into a live run of their job's options), running,
 * with its config for the workers. Resuming a run that was opened with other options (fetch or
 * parse options, extraction module, following links or not) is refused with `INVALID_OPTION`,
 * before anything of it changes.
 */
export async function openRun(redis: Redis, run: DistributedRun): Promise<Opened> {
  const hash = optionsHash(run.config, run.follow);
  const json = optionsJson(run.config, run.follow);
  const [kind, detail] = (await OPEN(
    redis,
    1,
    runKeys(run.runId).meta,
    hash,
    json,
    JSON.stringify(run.config),
    new Date().toISOString(),
  )) as [string, string];
  if (kind === 'older') {
    throw new InvalidOptionError(
      `run ${run.runId} was started by an older crawlbench and cannot be resumed by this one: ` +
        'start a new run under another --run-id (crawlbench runs --prune removes the old one)',
    );
  }
  if (kind === 'changed') {
    throw new InvalidOptionError(
      `run ${run.runId} was started with other options (${describeOptionChanges(detail || null, json)}): ` +
        'resume it with the same options, or start a new run under another --run-id',
    );
  }
  return kind === 'resumed' ? { kind, previous: detail as RunState } : { kind: 'new' };
}

// Heartbeat: a live coordinator's run shows when it was last seen, so that `runs --prune` can tell
// an abandoned run from a running one. 0 when the run's keys are gone (Redis restarted empty).
const HEARTBEAT = defineScript(`
if redis.call('HEXISTS', KEYS[1], 'options') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
return 1`);

/** Says the run's coordinator is alive; false when the run is gone from Redis. */
export async function heartbeat(redis: Redis, runId: string): Promise<boolean> {
  return (await HEARTBEAT(redis, 1, runKeys(runId).meta, new Date().toISOString())) === 1;
}

// Counts a batch's tasks and stores the list digests that cover them, in the live run only: a run
// whose keys are gone must not get a partial metadata hash back (the heartbeat would miss it).
const SENT = defineScript(`
if redis.call('HEXISTS', KEYS[1], 'options') == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'sent', ARGV[1])
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'maxLine') or '0') then
  redis.call('HSET', KEYS[1], 'maxLine', ARGV[2])
end
if #ARGV > 2 then redis.call('HSET', KEYS[2], unpack(ARGV, 3)) end
return 1`);

/**
 * Before a batch is queued: counts its tasks as sent (a resumed run counts a re-sent task again:
 * an upper bound), keeps the largest line ever queued (`maxLine`: a resumed link-following run
 * numbers its new pages after it, so no new page takes the line, and the job id, of an old job
 * still queued) and stores the digests of the list chunks the run has now sent.
 */
export async function noteSent(
  redis: Redis,
  runId: string,
  batch: readonly { readonly line: number }[],
  digests: Readonly<Record<string, string>>,
): Promise<void> {
  const keys = runKeys(runId);
  let maxLine = 0;
  for (const task of batch) if (task.line > maxLine) maxLine = task.line;
  await SENT(redis, 2, keys.meta, keys.list, batch.length, maxLine, ...Object.entries(digests).flat());
}

/** The largest line a run ever queued (see {@link noteSent}); 0 for none. */
export async function queuedMaxLine(redis: Redis, runId: string): Promise<number> {
  return Number((await redis.hget(runKeys(runId).meta, 'maxLine')) ?? 0);
}

/** The list digests a run stored, for a resume (chunk → `<last line> <digest>`). */
export async function storedDigests(redis: Redis, runId: string): Promise<Record<string, string>> {
  return redis.hgetall(runKeys(runId).list);
}

const CLOSE = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`);

/** Records how a run ended (or, after a refused resume, the state it was found in), if it still exists. */
export async function closeRun(redis: Redis, runId: string, state: RunState, error?: string): Promise<void> {
  const fields = ['state', state, 'updatedAt', new Date().toISOString()];
  if (error !== undefined) fields.push('error', error);
  await CLOSE(redis, 1, runKeys(runId).meta, ...fields);
}

/** Whether a run of this id was opened before (and not cleaned up). */
export async function runExists(redis: Redis, runId: string): Promise<boolean> {
  return (await redis.exists(runKeys(runId).meta)) === 1;
}
