import { Redis, type RedisOptions } from 'ioredis';
import { CrawlbenchError } from '../errors.js';

/** How long a first connection may take before the crawl or worker gives up. @default 5000 */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * Checks once that Redis answers, without retrying: a coordinator or worker pointed at a dead
 * address fails in seconds with `REDIS_UNAVAILABLE` instead of ioredis's endless reconnects.
 * `where` is the redacted URL: the message must never carry the password.
 */
export async function probeRedis(options: RedisOptions, where: string): Promise<void> {
  const probe = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The 'error' event carries the cause (ECONNREFUSED, ENOTFOUND, TLS); the rejected connect()
  // only says the connection closed. Without a listener ioredis would also print it on stderr.
  let cause: Error | undefined;
  probe.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = (cause ?? error) instanceof Error ? (cause ?? (error as Error)).message : String(error);
    throw new CrawlbenchError('REDIS_UNAVAILABLE', `Redis at ${where} is unavailable: ${reason}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * A client for the crawl's own commands. It reconnects after an outage (ioredis's default
 * back-off); a command fails after a few reconnection attempts rather than waiting forever, so
 * the coordinator's loop can count the outage against its stall timeout.
 */
export function createClient(options: RedisOptions, onError: (error: Error) => void): Redis {
  const client = new Redis({ ...options, maxRetriesPerRequest: 3 });
  client.on('error', onError);
  return client;
}
