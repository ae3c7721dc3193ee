import type { RedisOptions } from 'ioredis';
import { createClient, probeRedis } from './connect.js';
import { runKeys } from './keys.js';
import type { RunState } from './run-meta.js';

/** One run found in Redis, as `crawlbench runs` lists it. */
export interface RunInfo {
  readonly runId: string;
  readonly state: RunState;
  /** ISO time of the run's first start. */
  readonly openedAt: string | null;
  /** ISO time of its last sign of life: its start or end, or its coordinator's last heartbeat (every second). */
  readonly updatedAt: string | null;
  /** Pages finished (records stored). */
  readonly finished: number;
  /** Tasks sent to the queue; a resumed run counts a re-sent task again, so an upper bound. */
  readonly sent: number;
  /** The error code that ended a failed run. */
  readonly error: string | null;
}

/**
 * Lists the runs whose keys are in Redis: running, interrupted, failed, or completed with `keep`.
 * SCAN, not KEYS, so a large Redis is not blocked; sorted by start time.
 */
export async function listRuns(connection: RedisOptions, where: string): Promise<RunInfo[]> {
  await probeRedis(connection, where);
  const redis = createClient(connection, () => {});
  try {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'crawlbench:run:*', 'COUNT', 500);
      cursor = next;
      // A run's metadata key has no suffix: crawlbench:run:<id> (ids cannot contain ':').
      for (const key of keys) if (key.split(':').length === 3) ids.add(key.slice('crawlbench:run:'.length));
    } while (cursor !== '0');
    const runs = await Promise.all(
      [...ids].map(async (runId): Promise<RunInfo> => {
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
      }),
    );
    return runs.sort((a, b) => (a.openedAt ?? '').localeCompare(b.openedAt ?? ''));
  } finally {
    redis.disconnect();
  }
}
