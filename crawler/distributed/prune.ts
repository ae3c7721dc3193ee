import type { RedisOptions } from 'ioredis';
import { allRunKeys, QUEUE_KEY_PREFIX } from './keys.js';
import { type RunInfo, readRun, scanRunIds, withRedis } from './runs.js';
import { defineScript } from './script.js';

/**
 * A run whose coordinator was seen this recently is never pruned, whatever `olderThanMs` says:
 * a running coordinator refreshes its run's `updatedAt` every second.
 */
export const LIVE_MS = 60_000;

/** What pruning removed of one run. */
export interface PrunedRun extends RunInfo {
  /** Its jobs that were still waiting in the queue. */
  readonly jobs: number;
}

/** Options of {@link pruneRuns}. */
export interface PruneOptions {
  /** Prune the runs with no sign of life for this long (their `updatedAt`). */
  readonly olderThanMs: number;
  /** The time to measure ages from. @default Date.now() */
  readonly now?: number;
}

// Removes one run atomically: its keys, and its jobs still waiting (in the wait list, or the
// paused one if the queue was paused), unless the run showed a sign of life since it was read
// (a resume). A job is marked in its list, its hash deleted, and the marks removed in one pass:
// O(length of the lists), not one scan per job. Jobs being run are left to finish: their records
// are refused (the run is gone), and BullMQ removes them as they complete. A worker that takes a
// job of the run later (one whose worker died) finds no run, and does not run it.
const PRUNE = defineScript(`
if (redis.call('HGET', KEYS[1], 'updatedAt') or '') ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local prefix = ARGV[3] .. '-'
local mark = '__crawlbench_pruned__'
local removed = 0
for k = 5, 6 do
  local list = KEYS[k]
  local marked = 0
  local length = redis.call('LLEN', list)
  for start = 0, length - 1, 1000 do
    local ids = redis.call('LRANGE', list, start, start + 999)
    for i, id in ipairs(ids) do
      if string.sub(id, 1, #prefix) == prefix then
        local line = string.sub(id, #prefix + 1)
        if string.match(line, '^%d+$') or string.match(line, '^%d+%-r%d+$') then
          redis.call('LSET', list, start + i - 1, mark)
          redis.call('DEL', ARGV[2] .. id, ARGV[2] .. id .. ':logs')
          marked = marked + 1
        end
      end
    end
  end
  if marked > 0 then redis.call('LREM', list, 0, mark) end
  removed = removed + marked
end
return removed`);

/**
 * Removes the runs abandoned for `olderThanMs` or longer — interrupted, failed, kept, or left
 * `running` by a coordinator that was killed — with their keys and their jobs still in the queue.
 * Runs another coordinator is working on (seen within {@link LIVE_MS}) are left alone.
 */
export async function pruneRuns(
  connection: RedisOptions,
  where: string,
  options: PruneOptions,
): Promise<PrunedRun[]> {
  const now = options.now ?? Date.now();
  const threshold = Math.max(options.olderThanMs, LIVE_MS);
  return withRedis(connection, where, async (redis) => {
    const pruned: PrunedRun[] = [];
    for (const runId of await scanRunIds(redis)) {
      const run = await readRun(redis, runId);
      const seen = Date.parse(run.updatedAt ?? run.openedAt ?? '');
      // A run with no time at all (written by hand, or half gone) is old by definition.
      const age = Number.isNaN(seen) ? Number.POSITIVE_INFINITY : now - seen;
      const limit = run.state === 'running' ? threshold : options.olderThanMs;
      if (age < limit) continue;
      const jobs = (await PRUNE(
        redis,
        6,
        ...allRunKeys(runId),
        `${QUEUE_KEY_PREFIX}wait`,
        `${QUEUE_KEY_PREFIX}paused`,
        run.updatedAt ?? '',
        QUEUE_KEY_PREFIX,
        runId,
      )) as number;
      if (jobs >= 0) pruned.push({ ...run, jobs });
    }
    return pruned.sort((a, b) => (a.openedAt ?? '').localeCompare(b.openedAt ?? ''));
  });
}
