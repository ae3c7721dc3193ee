import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run by its SHA-1, as Redis caches it. */
export type RedisScript = (
  redis: Redis,
  numKeys: number,
  ...args: Array<string | number>
) => Promise<unknown>;

/** Every script defined so far, by SHA-1: what {@link loadScripts} sends. */
const defined = new Map<string, string>();

/**
 * A Lua script run by its SHA-1 (EVALSHA): a script run per task (record-once) costs Redis
 * neither the script's text nor hashing it on every call. A Redis that does not have it cached
 * (restarted empty, or SCRIPT FLUSH) is sent the text again (EVAL caches it).
 */
export function defineScript(body: string): RedisScript {
  const sha = createHash('sha1').update(body).digest('hex');
  defined.set(sha, body);
  return async (redis, numKeys, ...args) => {
    try {
      return await redis.evalsha(sha, numKeys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(body, numKeys, ...args);
    }
  };
}

/**
 * Sends every script defined so far to Redis's script cache. The coordinator does it before its
 * first batch: a script sent again after a NOSCRIPT reply would reach Redis after commands that
 * were sent behind it, and the order of a batch's commands matters.
 */
export async function loadScripts(redis: Redis): Promise<void> {
  await Promise.all([...defined.values()].map((body) => redis.script('LOAD', body)));
}
