import type { Redis, RedisOptions } from 'ioredis';
import { type CacheEntry, entryOf } from './cache-entry.js';
import type { CacheStore } from './link-cache.js';

/** How long connecting may take before the cache is given up for the run. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The results cache in Redis, shared by every run (and machine) that points at it: one hash of
 * entries by URL (`<prefix>:entries`) and a sorted set of their check times (`<prefix>:index`).
 * A run writes only what it changed, so concurrent runs add to each other's results, then trims
 * the oldest checks past `maxEntries` (ZPOPMIN). ioredis is loaded only here, on demand. Redis
 * unreachable, or an entry that is not one, is reported; the run goes on without them.
 */
export function redisStore(
  connection: RedisOptions,
  where: string,
  prefix: string,
  maxEntries: number,
): CacheStore {
  const entriesKey = `${prefix}:entries`;
  const indexKey = `${prefix}:index`;
  const problem = (doing: string, error: unknown): string =>
    `cache ${where} (${prefix}) ${doing}: ${error instanceof Error ? error.message : String(error)}`;

  /** One short-lived client: no reconnects, no offline queue, so a dead Redis fails in seconds. */
  async function withClient<T>(body: (redis: Redis) => Promise<T>): Promise<T> {
    const { Redis } = await import('ioredis');
    const redis = new Redis({
      ...connection,
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    // The 'error' event has the cause (ECONNREFUSED); without a listener ioredis prints it.
    let cause: Error | undefined;
    redis.on('error', (error: Error) => {
      cause ??= error;
    });
    try {
      await redis.connect();
      return await body(redis);
    } catch (error) {
      throw cause ?? error;
    } finally {
      redis.disconnect();
    }
  }

  return {
    where: `${where} (${prefix})`,
    async load() {
      let values: Record<string, string>;
      try {
        values = await withClient((redis) => redis.hgetall(entriesKey));
      } catch (error) {
        return { entries: [], problems: [problem('is unavailable; running without it', error)] };
      }
      const entries: CacheEntry[] = [];
      let invalid = 0;
      for (const value of Object.values(values)) {
        let entry: CacheEntry | null = null;
        try {
          entry = entryOf(JSON.parse(value));
        } catch {
          // Counted below.
        }
        if (entry === null) invalid++;
        else entries.push(entry);
      }
      const problems =
        invalid === 0 ? [] : [`cache ${where} (${prefix}): ${invalid} entries are not valid; ignored`];
      return { entries, problems };
    },
    async save(_all, changed, deleted) {
      try {
        return await withClient(async (redis) => {
          const batch = redis.multi();
          for (const entry of changed) {
            batch.hset(entriesKey, entry.url, JSON.stringify(entry));
            batch.zadd(indexKey, entry.checkedAt, entry.url);
          }
          if (deleted.length > 0) {
            batch.hdel(entriesKey, ...deleted);
            batch.zrem(indexKey, ...deleted);
          }
          await batch.exec();
          const size = await redis.zcard(indexKey);
          if (size > maxEntries) {
            const popped = await redis.zpopmin(indexKey, size - maxEntries);
            // [member, score, member, score, ...]
            const urls = popped.filter((_, i) => i % 2 === 0);
            if (urls.length > 0) await redis.hdel(entriesKey, ...urls);
          }
          return { stored: changed.length, problems: [] };
        });
      } catch (error) {
        return { stored: 0, problems: [problem('could not be saved', error)] };
      }
    },
  };
}
