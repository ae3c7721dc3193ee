import { createHash, type Hash } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';
import type { WorkerConfig } from '../step-options.js';
import type { Task } from '../types.js';

/**
 * What a resumed run is checked against: the hash of its options, and digests of its list.
 *
 * The list is digested in chunks of {@link CHUNK_LINES} lines rather than whole, because a list is
 * read as a stream (stdin, a million lines) and a resume must refuse a changed list before it
 * touches anything of the lines that changed: a task queued under a line number another URL had
 * would be merged with that URL's job or record. A chunk's digest covers the tasks the run sent
 * of it, up to a line it stores with the digest; a resume holds back at most one chunk's tasks
 * until that chunk is checked.
 */

/** Lines per list chunk. */
export const CHUNK_LINES = 1024;

/**
 * What a link-following run follows, as plain JSON (regular expressions as their source): a resume
 * must follow the same links, or the records it hands back would be of another crawl.
 */
export type FollowFingerprint = Readonly<
  Record<string, string | number | boolean | null | readonly string[]>
>;

/** The fields of a run's options that a resume must find unchanged, as hashed. */
function optionsOf(config: WorkerConfig, follow: FollowFingerprint | null): unknown {
  return {
    fetch: config.fetch,
    parse: config.parse,
    // The module's content, not where it lies: the same file moved is the same extraction.
    extract: config.extract?.hash ?? null,
    followsLinks: follow !== null,
    ...(follow !== null && { follow }),
  };
}

/** JSON with object keys sorted, so that two equal option sets hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const digest = (hash: Hash): string => hash.digest('hex').slice(0, 16);

/** The hash of a run's options (16 hex digits): stored with the run, and carried by each job. */
export function optionsHash(config: WorkerConfig, follow: FollowFingerprint | null): string {
  return digest(createHash('sha256').update(canonicalJson(optionsOf(config, follow))));
}

/** The options of a run as stored with it (JSON of {@link optionsOf}), for saying what changed. */
export function optionsJson(config: WorkerConfig, follow: FollowFingerprint | null): string {
  return canonicalJson(optionsOf(config, follow));
}

/** `a.b` → value, for every leaf of a JSON object. */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      leaves(v, path === '' ? k : `${path}.${k}`, out);
  } else {
    out.set(path, JSON.stringify(value) ?? 'undefined');
  }
  return out;
}

/**
 * What differs between the stored options of a run (JSON) and the options it is resumed with, in a
 * few words: `fetch.timeoutMs was 10000, now 5000`. At most three differences are named.
 */
export function describeOptionChanges(storedJson: string | null, now: string): string {
  let stored: unknown;
  try {
    stored = storedJson === null ? null : JSON.parse(storedJson);
  } catch {
    stored = null;
  }
  if (stored === null) return 'its options differ';
  const before = leaves(stored);
  const after = leaves(JSON.parse(now));
  const changes: string[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key) ?? 'unset';
    const b = after.get(key) ?? 'unset';
    if (a !== b) changes.push(`${key} was ${a}, now ${b}`);
  }
  if (changes.length === 0) return 'its options differ';
  const more = changes.length > 3 ? ` (and ${changes.length - 3} more)` : '';
  return changes.slice(0, 3).join('; ') + more;
}

const chunkOf = (line: number): number => Math.floor(Math.max(0, line - 1) / CHUNK_LINES);

/** A stored chunk digest: the tasks of the chunk the run sent, up to `lastLine`. */
export interface ChunkDigest {
  readonly lastLine: number;
  readonly digest: string;
}

/** Parses the `list` hash of a run (chunk → `<last line> <digest>`). */
export function parseChunkDigests(fields: Record<string, string>): Map<number, ChunkDigest> {
  const chunks = new Map<number, ChunkDigest>();
  for (const [chunk, value] of Object.entries(fields)) {
    const [lastLine, hex] = value.split(' ');
    if (hex !== undefined) chunks.set(Number(chunk), { lastLine: Number(lastLine), digest: hex });
  }
  return chunks;
}

/** The error of a resume with another list. */
function listChanged(runId: string, chunk: number, why: string): InvalidOptionError {
  const from = chunk * CHUNK_LINES + 1;
  return new InvalidOptionError(
    `run ${runId} was started with another list (${why} in lines ${from}-${from + CHUNK_LINES - 1}): ` +
      'resume it with the same list, or start a new run under another --run-id',
  );
}

/**
 * The list digests of one run as its producer sends tasks: {@link ListDigests.check} lets through
 * the tasks that may be sent (holding back, on a resume, those of a chunk not yet checked), and
 * {@link ListDigests.sent} gives the chunk digests to store for a batch about to be sent.
 *
 * Tasks come in line order (a list is read top to bottom). Retries (tasks with attempts) and tasks
 * of link-following runs are not given here: their frontier passes its seeds to the check as it reads them.
 */
export class ListDigests {
  readonly #runId: string;
  /** What the interrupted run stored, by chunk; checked chunks are removed. */
  readonly #stored: Map<number, ChunkDigest>;
  #chunk = -1;
  #hash: Hash = createHash('sha256');
  #lastLine = 0;
  /** Tasks of the current chunk held back until it is checked against its stored digest. */
  #held: Task[] = [];
  /** Final digests of the chunks left since the last {@link ListDigests.sent}. */
  #finished: Record<string, string> = {};

  constructor(runId: string, stored: Map<number, ChunkDigest> = new Map()) {
    this.#runId = runId;
    this.#stored = stored;
  }

  /**
   * Takes the next task of the list; returns the tasks that may now be sent (none while a chunk
   * is held, the held ones once it checks out). Throws `INVALID_OPTION` when the list differs.
   */
  check(task: Task): Task[] {
    const released = this.#advanceTo(task.line);
    this.#hash.update(`${task.line}\t${task.url}\n`);
    this.#lastLine = task.line;
    const stored = this.#stored.get(this.#chunk);
    if (stored !== undefined && task.line <= stored.lastLine) {
      this.#held.push(task);
    } else {
      released.push(task);
    }
    return released;
  }

  /** The list ended: the held tasks, once their chunk checks out; throws if some chunk was never reached. */
  end(): Task[] {
    const released = this.#advanceTo(Number.MAX_SAFE_INTEGER);
    const [missing] = this.#stored.keys();
    if (missing !== undefined) throw listChanged(this.#runId, missing, 'the list is shorter');
    return released;
  }

  /**
   * The digests to store before sending the tasks checked so far, `chunk → "<last line> <digest>"`:
   * the current chunk's, and those of the chunks finished since the last call.
   */
  sent(): Record<string, string> {
    const fields = this.#finished;
    this.#finished = {};
    if (this.#chunk >= 0) fields[this.#chunk] = this.#current();
    return fields;
  }

  #current(): string {
    return `${this.#lastLine} ${digest(this.#hash.copy())}`;
  }

  /**
   * Moves on to the chunk of `line` (or past the stored line of the current chunk), checking the
   * current chunk first when it was stored: its held tasks are released when it matches.
   */
  #advanceTo(line: number): Task[] {
    const stored = this.#stored.get(this.#chunk);
    if (stored !== undefined && line > stored.lastLine) {
      // Every task of the chunk up to its stored line has been seen.
      if (this.#lastLine !== stored.lastLine || digest(this.#hash.copy()) !== stored.digest) {
        throw listChanged(this.#runId, this.#chunk, 'the URLs differ');
      }
      this.#stored.delete(this.#chunk);
    }
    const released = this.#held;
    this.#held = [];
    const chunk = chunkOf(line);
    if (chunk !== this.#chunk && line !== Number.MAX_SAFE_INTEGER) {
      // Chunks the list skipped (no valid line in them) cannot have been sent: nothing to check,
      // unless the interrupted run sent tasks there.
      for (const skipped of this.#stored.keys()) {
        if (skipped > this.#chunk && skipped < chunk) {
          throw listChanged(this.#runId, skipped, 'lines are missing');
        }
      }
      if (this.#chunk >= 0) this.#finished[this.#chunk] = this.#current();
      this.#chunk = chunk;
      this.#hash = createHash('sha256');
    }
    return released;
  }
}
