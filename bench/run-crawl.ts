import { type ChildProcess, fork } from 'node:child_process';
import { CrawlbenchError } from '../crawler/errors.js';
import type { CrawlSummary } from '../crawler/summary.js';
import type { FollowOptions } from '../crawler/frontier/options.js';
import { awaitHello, type BenchBuild } from './builds.js';
import { crawlerExecArgv } from './crawler-flags.js';
import type {
  EntryHello,
  FromRunProcess,
  RunCrawlOptions,
  RunFailure,
  RunTimeline,
  ToRunProcess,
} from './run-protocol.js';

/** What one crawl measured. */
export interface CrawlMeasurement {
  readonly summary: CrawlSummary;
  /** CPU of the crawl: its process (threads included) plus its child processes, in ms. */
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
  /** Peak RSS of the runner process so far (the OS keeps only the high-water mark). */
  readonly peakRssBytes: number;
  readonly childPeakRssBytes: number | null;
  readonly failures: readonly RunFailure[];
  /** Records by depth (index 0: the seeds, or the whole list). */
  readonly pagesByDepth: readonly number[];
  /** When and where its pages ran, when asked for. */
  readonly timeline: RunTimeline | null;
}

type RunAnswer = Exclude<FromRunProcess, EntryHello>;

/**
 * A process that runs the crawls of one bench cell with the code of one build, one at a time.
 * Page failures are data, counted in the summary; `measure` rejects only if the process dies
 * (`HARNESS_FAILED`) or the crawl itself fails (its own code, such as `REDIS_UNAVAILABLE` or
 * `INVALID_OPTION`; `HARNESS_FAILED` for an error without one).
 */
export class CrawlRunner {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #hello: Promise<EntryHello>;
  #pending: { resolve(m: RunAnswer): void; reject(e: Error): void } | undefined;

  constructor(build: BenchBuild) {
    this.#child = fork(build.cellRunner, [], {
      execArgv: crawlerExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#hello = awaitHello(this.#child, build, 'cell runner');
    // Awaited by ready() or measure(); a runner closed unused must not leave it unhandled.
    this.#hello.catch(() => {});
    this.#child.on('message', (message: FromRunProcess) => {
      if (message.type === 'hello') return;
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve(message);
    });
    this.#child.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#pending?.reject(
          new CrawlbenchError('HARNESS_FAILED', `bench runner exited with ${signal ?? `code ${code}`}`),
        );
        this.#pending = undefined;
        resolve();
      });
    });
  }

  /**
   * Crawls `urls` once: the list, or with `follow` the seeds of a link-following crawl (a warm pool
   * keeps the options it was started with; `follow` applies on top of them).
   */
  async measure(
    urls: readonly string[],
    options: RunCrawlOptions,
    follow: FollowOptions | null = null,
    timelinePages = 0,
    maxFailures = 20,
  ): Promise<CrawlMeasurement> {
    await this.#hello;
    const answer = await new Promise<RunAnswer>((resolve, reject) => {
      this.#pending = { resolve, reject };
      const message: ToRunProcess = { type: 'run', urls, options, follow, maxFailures, timelinePages };
      this.#child.send(message);
    });
    if (answer.type === 'error')
      throw new CrawlbenchError(answer.code ?? 'HARNESS_FAILED', `bench run failed: ${answer.message}`);
    const children = answer.summary.childProcesses;
    return {
      summary: answer.summary,
      userCpuMs: answer.userCpuMs + (children?.userCpuMs ?? 0),
      systemCpuMs: answer.systemCpuMs + (children?.systemCpuMs ?? 0),
      peakRssBytes: answer.maxRssBytes,
      childPeakRssBytes: children?.maxRssBytes ?? null,
      failures: answer.failures,
      pagesByDepth: answer.pagesByDepth,
      timeline: answer.timeline,
    };
  }

  /**
   * Resolves once the runner has started and greeted with the run protocol of this harness.
   *
   * @throws {CrawlbenchError} `INCOMPATIBLE_BUILD` when its build speaks another protocol.
   */
  async ready(): Promise<EntryHello> {
    return this.#hello;
  }

  /** The runner's process id (its CPU, and its pool's, is the cell's). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Kills the runner at once, a crawl in progress with it (its `measure` rejects): for a bench
   * told to stop now, whose run in progress may never end (extraction code in an endless loop).
   */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  /** Ends the runner; kills it if a crawl is still going. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.disconnect();
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 2_000);
      await this.#exited;
      clearTimeout(timer);
    }
  }
}
