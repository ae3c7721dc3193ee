import type { RedisOptions } from 'ioredis';
import { createClient, probeRedis } from './connect.js';

/** Reads the CPU time a Redis server has used, for the bench's distributed cells. */
export interface RedisCpuMeter {
  /** CPU time (user + system) of the Redis server since it started, in ms; null when INFO fails. */
  read(): Promise<number | null>;
  close(): void;
}

/** `used_cpu_user` + `used_cpu_sys` (seconds) from the text of INFO cpu, in ms. */
export function cpuMsOfInfo(info: string): number | null {
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  const total = seconds('used_cpu_user') + seconds('used_cpu_sys');
  return Number.isFinite(total) ? total * 1000 : null;
}

/**
 * A meter of the CPU of the Redis at `connection` (INFO cpu: the whole server, every client's
 * commands included, so a Redis the bench shares with others counts their work too).
 */
export async function openRedisCpuMeter(connection: RedisOptions, where: string): Promise<RedisCpuMeter> {
  await probeRedis(connection, where);
  const redis = createClient(connection, () => {});
  return {
    read: () => redis.info('cpu').then(cpuMsOfInfo, () => null),
    close: () => redis.disconnect(),
  };
}
