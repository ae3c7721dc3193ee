import type { Redis } from 'ioredis';
import type { TaskResult } from '../types.js';
import { heartbeat } from './run-meta.js';
import { takeResults } from './run-store.js';
import type { RunState } from './run-state.js';

/** Results taken off the results list per round trip, at most: a busy run takes many at once. */
const TAKE = 1000;
/**
 * Pause between polls of the results list: POLL_MIN_MS after a poll that found records (none
 * after a full one), doubling on each empty one up to POLL_MS. A busy run sees a record a couple
 * of milliseconds after it is stored (which matters when the frontier waits for records to hand
 * out more work, as under a per-host limit) and takes the records of those milliseconds in one
 * round trip rather than one or two per pop; an idle one costs Redis 20 polls a second.
 */
const POLL_MIN_MS = 2;
const POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`'s value, or null when it takes longer than `ms` (its timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the consumer of a run works with. */
export interface ConsumerContext {
  readonly state: RunState;
  readonly redis: Redis;
  readonly signal: AbortSignal | undefined;
  /** Whether the producer may still queue tasks. */
  readonly producing: () => boolean;
  readonly onResult: (result: TaskResult) => Promise<void>;
  /**
   * The run's keys are gone while tasks are pending: Redis restarted empty (no persistence, the
   * common cache setup) or was flushed. It must open the run again and queue its pending tasks.
   */
  readonly onRunVanished: () => Promise<void>;
}

/**
 * How often the coordinator says it is alive (the run's `updatedAt`, which `runs --prune` reads)
 * and checks that the run's keys are still in Redis.
 */
const ALIVE_CHECK_MS = 1_000;

/**
 * Takes the run's finished pages off its results list and hands each pending one back, until
 * nothing is pending and the producer is done, or a stop. Throws when the run stalls.
 *
 * One pop at a time, even when Redis is slow to answer: a pop given up on could still take
 * records off the list, and they would be lost. A pop that does not answer for a while counts
 * against the stall timeout instead (ioredis can keep a command waiting through reconnects).
 */
export async function consume(context: ConsumerContext): Promise<void> {
  const { state, redis, signal } = context;
  const runId = state.run.runId;
  const ready = (): boolean => redis.status === 'ready';
  let pollMs = POLL_MIN_MS;
  let take: Promise<{ results: TaskResult[] } | { error: Error }> | undefined;
  let checkedAt = performance.now();
  while ((context.producing() || state.pending.size > 0) && !signal?.aborted) {
    // Only between pops: a pop still out could be taking records of the run being re-queued.
    if (take === undefined && performance.now() - checkedAt >= ALIVE_CHECK_MS) {
      checkedAt = performance.now();
      const alive = await heartbeat(redis, runId).then(
        (live) => live,
        (error: unknown) => {
          state.noteError(error as Error);
          return true; // unknown: Redis is down; the stall check counts that
        },
      );
      if (!alive) await context.onRunVanished();
    }
    take ??= takeResults(redis, runId, TAKE).then(
      (results) => ({ results }),
      (error: unknown) => ({ error: error as Error }),
    );
    const outcome = await within(take, POLL_MS * 10);
    if (outcome === null) {
      state.checkStall(ready());
      continue;
    }
    take = undefined;
    if ('error' in outcome) {
      state.noteError(outcome.error);
      state.checkStall(ready());
      await sleep(POLL_MS * 10);
      continue;
    }
    for (const result of outcome.results) {
      // Not pending: handed back from the stored records already, or not this coordinator's.
      if (state.recorded(result.record.line)) await context.onResult(result);
    }
    if (outcome.results.length > 0) {
      pollMs = POLL_MIN_MS;
      if (outcome.results.length < TAKE) await sleep(POLL_MIN_MS);
    } else {
      state.checkStall(ready());
      await sleep(pollMs);
      pollMs = Math.min(POLL_MS, pollMs * 2);
    }
  }
}
