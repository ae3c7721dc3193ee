import type { Redis, RedisOptions } from 'ioredis';
import { createClient, probeRedis } from './connect.js';
import { RUN_KEY_PREFIX, runKeys } from './keys.js';
import type { RunState } from './run-meta.js';

/** One run found in Redis, as `crawlbench runs` lists it. */
export interface RunInfo {
  readonly runId: string;
  readonly state: RunState;
  /** ISO time of the run's first start. */
  readonly openedAt: string | null;
  /**
   * ISO time of its last sign of life: its last start or end, or the last heartbeat of its
   * coordinator (every second while it runs).
   */
  readonly updatedAt: string | null;
  /** Pages finished (records stored). */
  readonly finished: number;
  /** Tasks sent to the queue; a resumed run counts a re-sent task again, so an upper bound. */
  readonly sent: number;
  /** The error code that ended a failed run. */
  readonly error: string | null;
}

/** The ids of the runs whose metadata is in Redis. SCAN, not KEYS, so a large Redis is not blocked. */
export async function scanRunIds(redis: Redis): Promise<string[]> {
  const ids = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${RUN_KEY_PREFIX}*`, 'COUNT', 500);
    cursor = next;
    // A run's metadata key has no suffix: crawlbench:run:<id> (ids cannot contain ':').
    for (const key of keys) if (key.split(':').length === 3) ids.add(key.slice(RUN_KEY_PREFIX.length));
  } while (cursor !== '0');
  return [...ids];
}

/** What Redis holds about one run. */
export async function readRun(redis: Redis, runId: string): Promise<RunInfo> {
  const keys = runKeys(runId);
  const [meta, finished] = await Promise.all([redis.hgetall(keys.meta), redis.hlen(keys.records)]);
  return {
    runId,
    state: (meta.state as RunState | undefined) ?? 'running',
    openedAt: meta.openedAt ?? null,
    updatedAt: meta.updatedAt ?? null,
    finished,
    sent: Number(meta.sent ?? 0),
    error: meta.error ?? null,
  };
}

/** Runs with Redis `connection`, probed first (`REDIS_UNAVAILABLE` in seconds when it does not answer). */
export async function withRedis<T>(
  connection: RedisOptions,
  where: string,
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  await probeRedis(connection, where);
  const redis = createClient(connection, () => {});
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Lists the runs whose keys are in Redis: running, interrupted, failed, or completed with `keep`,
 * sorted by start time.
 */
export async function listRuns(connection: RedisOptions, where: string): Promise<RunInfo[]> {
  return withRedis(connection, where, async (redis) => {
    const runs = await Promise.all((await scanRunIds(redis)).map((runId) => readRun(redis, runId)));
    return runs.sort((a, b) => (a.openedAt ?? '').localeCompare(b.openedAt ?? ''));
  });
}
