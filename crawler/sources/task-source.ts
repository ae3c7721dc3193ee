import type { FrontierStats } from '../frontier/frontier-stats.js';
import type { LinkCheckSummary } from '../link-check/types.js';
import type { PageRecord, Task, TaskResult } from '../types.js';

/** What becomes of a finished task: its record is final, or the task was queued again for later. */
export type Settlement =
  | {
      readonly final: true;
      /** The record to emit in place of the task's own (link checking adds its verdict). */
      readonly record?: PageRecord;
    }
  | {
      readonly final: false;
      /** The task goes out again after this wait (its host asked for it with `Retry-After`). */
      readonly retryInMs: number;
    };

export const FINAL: Settlement = Object.freeze({ final: true });

/** The part of a crawl a task source talks back to. */
export interface SourceHooks {
  /** Emits a record that is not the outcome of a task: an invalid line, a robots-disallowed URL. */
  readonly emit: (record: PageRecord) => Promise<void>;
  /** A line that repeats an earlier URL: counted, not crawled. */
  readonly duplicate: () => void;
}

/**
 * Where a crawl's tasks come from and where their results go back: the URL list, the
 * link-following frontier. A crawl is a task source, a runner, and the completion callback.
 */
export interface TaskSource {
  /**
   * The tasks to hand out, pulled only as fast as the runner takes them. Ends when the source has
   * no more, or soon after `stop` aborts.
   */
  tasks(stop: AbortSignal | undefined): AsyncIterable<Task>;
  /** Takes back a finished task: its record is final, or the task will go out again later. */
  settle(result: TaskResult): Settlement;
  /** Whether the source handed out every task it had (false when a stop ended it first). */
  readonly exhausted: boolean;
  /** What a link-following source queued, saw and skipped; null for a plain list. */
  stats(): FrontierStats | null;
  /** A link-checking crawl's totals and findings, once closed; absent or null otherwise. */
  linkCheck?(): LinkCheckSummary | null;
  /**
   * Numbers the pages the source finds (links, sitemaps) after line `upTo`: a resumed run whose
   * stored records hold the lines up to there. Absent for a list, whose lines are its own.
   */
  reserveLines?(upTo: number): void;
  /**
   * Passes every seed the source reads from its list, in list order, through `check` before it
   * takes it (a distributed run's digests of its list). Absent for a list, whose tasks are checked
   * where they are sent.
   */
  checkSeeds?(check: SeedCheck): void;
  /** Releases what the source holds (connections for robots.txt and sitemaps). */
  close(): Promise<void>;
}

/**
 * A check of a list as it is read (run-fingerprint.ts's `ListDigests`): `check` returns the tasks
 * that may be taken now (it may hold some back until their part of the list checks out), `end`
 * those left when the list ends; both throw when the list is not the one expected.
 */
export interface SeedCheck {
  check(task: Task): Task[];
  end(): Task[];
}

/** What a runner may ask of the crawl's task source (a distributed run, for its resume). */
export type SourceControls = Pick<TaskSource, 'reserveLines' | 'checkSeeds'>;
