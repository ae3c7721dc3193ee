import type { RedisOptions } from 'ioredis';
import { CRAWL_DEFAULTS } from '../defaults.js';
import { checkInteger, describeValue, InvalidOptionError } from '../errors.js';
import type { WorkerConfig } from '../step-options.js';
import { newRunId, RUN_ID_PATTERN } from './keys.js';
import { type FollowFingerprint, optionsHash } from './run-fingerprint.js';
import { parseRedisUrl, redactRedisUrl } from './redis-url.js';

/** What the coordinator of one distributed run needs; resolved and validated by {@link resolveDistributedRun}. */
export interface DistributedRun {
  readonly connection: RedisOptions;
  /** The Redis URL with its password hidden, for messages. */
  readonly where: string;
  readonly runId: string;
  /** Keep the run's keys after it completes. */
  readonly keep: boolean;
  /** Tasks of this run queued or running at once: the backpressure bound. */
  readonly maxPending: number;
  /** Give up when no page finished for this long while tasks were queued. */
  readonly stallTimeoutMs: number;
  readonly config: WorkerConfig;
  /** The hash of the run's options (run-fingerprint.ts): a resume must have the same. */
  readonly optionsHash: string;
  /**
   * The tasks come from a link-following frontier. Such a run numbers the pages it finds in the
   * order it hands them out, which a restart does not repeat: a resume hands back the stored
   * record of each URL it hands out again (found by URL, not line), and numbers new pages after
   * the stored ones. Its seeds are digested where its frontier reads them.
   */
  readonly followsLinks: boolean;
  /** What it follows, in its options' hash; null for a list run. */
  readonly follow: FollowFingerprint | null;
}

/** The options of `crawl` that only the distributed strategy takes, as given. */
export interface DistributedOptions {
  /**
   * `distributed` only, and required there: the Redis URL, `redis://[user][:password]@host[:port][/db]`
   * or `rediss://…` for TLS. The password never appears in messages.
   */
  readonly redis?: string;
  /**
   * `distributed` only: the run's name (letters, digits, `_`, `.`, `-`; at most 64). Runs sharing a
   * Redis never mix. A new id is generated when absent.
   * @default `run-<time>-<random>`
   */
  readonly runId?: string;
  /** `distributed` only: keep the run's Redis keys after it completes. @default false */
  readonly keep?: boolean;
  /**
   * `distributed` only: fail with `NO_PROGRESS` (or `REDIS_UNAVAILABLE` when Redis is the reason)
   * when no page finished for this long while tasks were queued — no workers, or all stuck.
   * @default 120000
   */
  readonly stallTimeoutMs?: number;
}

export const DISTRIBUTED_OPTION_NAMES = [
  'redis',
  'runId',
  'keep',
  'stallTimeoutMs',
] as const satisfies ReadonlyArray<keyof DistributedOptions>;

/** Validates the distributed options of a crawl and fills in their defaults. */
export function resolveDistributedRun(
  options: DistributedOptions,
  maxPending: number,
  config: WorkerConfig,
  follow: FollowFingerprint | null,
): DistributedRun {
  if (typeof options.redis !== 'string' || options.redis === '') {
    throw new InvalidOptionError(
      'Expected `redis` to be a redis:// URL for the distributed strategy, got nothing ' +
        '(CLI: --redis or CRAWLBENCH_REDIS_URL)',
    );
  }
  const runId = options.runId ?? newRunId();
  if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) {
    throw new InvalidOptionError(
      `Expected \`runId\` to be 1-64 letters, digits, _, . or -, got ${describeValue(runId)}`,
    );
  }
  if (options.keep !== undefined && typeof options.keep !== 'boolean') {
    throw new InvalidOptionError(`Expected \`keep\` to be a boolean, got ${describeValue(options.keep)}`);
  }
  return {
    connection: parseRedisUrl(options.redis),
    where: redactRedisUrl(options.redis),
    runId,
    keep: options.keep ?? CRAWL_DEFAULTS.keep,
    maxPending,
    stallTimeoutMs:
      checkInteger('stallTimeoutMs', options.stallTimeoutMs, 1) ?? CRAWL_DEFAULTS.stallTimeoutMs,
    config,
    optionsHash: optionsHash(config, follow),
    followsLinks: follow !== null,
    follow,
  };
}
