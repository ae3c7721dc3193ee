/**
 * Redis names of the distributed strategy.
 *
 * One queue is shared by every run, and each job carries its run id. Workers then need no
 * discovery: `crawlbench worker` serves whichever runs exist, with one BullMQ Worker and one set of
 * connections. Runs cannot mix because everything that belongs to a run (job ids, the records,
 * the results list) is keyed by its id, and the coordinator bounds its own run's queued tasks
 * itself (BullMQ counts jobs per queue, not per run). The cost: no per-run priority or pause.
 */
export const QUEUE_NAME = 'crawlbench-tasks';

/**
 * Where BullMQ keeps the queue's keys (its default prefix `bull`): a job is the hash
 * `<prefix><job id>`, waiting jobs are ids in the list `<prefix>wait`. Pruning reads them directly;
 * everything else goes through BullMQ.
 */
export const QUEUE_KEY_PREFIX = `bull:${QUEUE_NAME}:`;

/** Run ids go into Redis keys and BullMQ job ids, which must not contain `:`. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The prefix of every key of a run; a run's metadata key is the prefix itself. */
export const RUN_KEY_PREFIX = 'crawlbench:run:';

export interface RunKeys {
  /**
   * Hash: the run's metadata (its fetch and parse config, the hash of its options, its state, when
   * it was opened and last seen alive); its presence means the run is live.
   */
  readonly meta: string;
  /** Hash line → record JSON: every finished page, written once (HSETNX). */
  readonly records: string;
  /** List of record JSON: finished pages not yet taken by the coordinator. */
  readonly results: string;
  /** Hash chunk → `<last line> <digest>`: what a resume checks its list against (run-fingerprint.ts). */
  readonly list: string;
}

export function runKeys(runId: string): RunKeys {
  const base = `${RUN_KEY_PREFIX}${runId}`;
  return { meta: base, records: `${base}:records`, results: `${base}:results`, list: `${base}:list` };
}

/** Every key of a run, for deleting it. */
export function allRunKeys(runId: string): string[] {
  const keys = runKeys(runId);
  return [keys.meta, keys.records, keys.results, keys.list];
}

/** The BullMQ job id of a line: the same line of the same run is never queued twice. */
export function jobId(runId: string, line: number): string {
  return `${runId}-${line}`;
}

/**
 * Matches the job ids of one run and no other: `<run>-<line>`, or `<run>-<line>-r<attempts>` for a
 * task sent back for a retry. The line is all digits, so run `a` never claims `a-5-3` (line 3 of
 * run `a-5`), whose rest `5-3` is not a line.
 */
export function jobIdPattern(runId: string): RegExp {
  return new RegExp(`^${runId.replace(/[.]/g, '\\.')}-\\d+(?:-r\\d+)?$`);
}

/** A new run id: sortable by start time, unique enough for runs sharing a Redis. */
export function newRunId(now = Date.now()): string {
  return `run-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
