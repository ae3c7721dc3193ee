import type { CrawlbenchErrorCode } from '../crawler/errors.js';
import type { FollowOptions } from '../crawler/frontier/options.js';
import type { CrawlOptions, TimelineEntry } from '../crawler/options.js';
import type { CrawlSummary } from '../crawler/summary.js';

/**
 * The version of the protocol between the bench harness and a build's cell runner and queue
 * workers (the messages below, the entry files `package.json` names under `crawlbench.benchEntries`,
 * and what they measure). `bench --against` runs another checkout's entries with this harness, so
 * a build that speaks another version is refused. Bump it with any change to these messages, or
 * to what a field means.
 */
export const RUN_PROTOCOL_VERSION = 1;

/**
 * The first message of every bench entry (cell runner, queue worker), sent unprompted as it
 * starts: which protocol it speaks and which crawlbench it is.
 */
export interface EntryHello {
  readonly type: 'hello';
  readonly protocol: number;
  readonly crawlbenchVersion: string;
}

/** The crawl options a bench run may set: plain data, no signals. */
export type RunCrawlOptions = Omit<CrawlOptions, 'signal' | 'abortSignal'>;

/** A failed page seen during a run. */
export interface RunFailure {
  readonly url: string;
  readonly code: string;
  readonly message: string;
}

export type ToRunProcess = {
  readonly type: 'run';
  /** The list to crawl, or the seeds of a link-following crawl. */
  readonly urls: readonly string[];
  readonly options: RunCrawlOptions;
  /** Link following, applied on top of `options` (and of a warm pool's); null for a list crawl. */
  readonly follow: FollowOptions | null;
  /** Failures kept per run, for the report's details. */
  readonly maxFailures: number;
  /** Keep when and where each page ran, up to this many pages (0: no timeline). */
  readonly timelinePages: number;
};

/** When and where the pages of one run ran: times in epoch ms, comparable with the bench's own clock. */
export interface RunTimeline {
  /** The crawl was started. */
  readonly startedAt: number;
  /** The crawl ended. */
  readonly endedAt: number;
  /** Pages in the order their records were made, at most `timelinePages`. */
  readonly pages: readonly TimelineEntry[];
  /** Pages left out past the cap. */
  readonly truncated: number;
}

export type FromRunProcess =
  | EntryHello
  | {
      readonly type: 'result';
      readonly summary: CrawlSummary;
      /** CPU of this process (main thread and worker threads) during the crawl alone, in ms. */
      readonly userCpuMs: number;
      readonly systemCpuMs: number;
      readonly maxRssBytes: number;
      readonly failures: readonly RunFailure[];
      /** Records by depth (index 0: the seeds); a list crawl has them all at depth 0. */
      readonly pagesByDepth: readonly number[];
      readonly timeline: RunTimeline | null;
    }
  | {
      readonly type: 'error';
      readonly message: string;
      /** The code of a CrawlbenchError, which the parent throws again; absent for any other error. */
      readonly code?: CrawlbenchErrorCode;
    };
