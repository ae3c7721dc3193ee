import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CrawlbenchError } from '../crawler/errors.js';
import { fixturePageStatus, fixturePageUrls } from './fixture-content.js';
import type { FixtureSite, FixtureSiteStats } from './fixture-site.js';
import {
  type FixtureSiteOptions,
  type ResolvedFixtureSiteOptions,
  resolveFixtureSiteOptions,
} from './fixture-site-options.js';

/** Messages from the parent to fixture-process.js. */
export type FixtureParentMessage =
  | { readonly type: 'start'; readonly options: ResolvedFixtureSiteOptions }
  | { readonly type: 'stats' }
  | { readonly type: 'stop' };

/** What the fixture process reports about itself. */
export interface FixtureProcessUsage {
  readonly stats: FixtureSiteStats;
  /** `process.cpuUsage()` of the fixture process, in microseconds since it started. */
  readonly cpu: NodeJS.CpuUsage;
  readonly maxRssKb: number;
}

/** Messages from fixture-process.js to the parent. */
export type FixtureChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | ({ readonly type: 'stats' } & FixtureProcessUsage)
  | { readonly type: 'error'; readonly code: string; readonly message: string };

export interface FixtureSiteProcess extends FixtureSite {
  readonly pid: number;
  /**
   * The counters as of the last {@link FixtureSiteProcess.cpuUsage} answer (zeros before the first): they
   * live in another process, and asking costs an IPC round trip.
   */
  stats(): FixtureSiteStats;
  /** Asks the fixture process for its counters, CPU time and peak memory. */
  cpuUsage(): Promise<FixtureProcessUsage>;
}

/** How long close() waits for a clean exit before it kills the fixture process. */
const STOP_GRACE_MS = 5000;

const ENTRY = fileURLToPath(new URL('./fixture-process.js', import.meta.url));

class FixtureProcessHandle implements FixtureSiteProcess {
  readonly url: string;
  readonly options: ResolvedFixtureSiteOptions;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #pending: Array<{ resolve(usage: FixtureProcessUsage): void; reject(error: Error): void }> = [];
  #stats: FixtureSiteStats = { requests: 0, inFlight: 0, peakInFlight: 0, serviceMs: 0, answered: 0 };
  #closed: Promise<void> | undefined;

  constructor(child: ChildProcess, exited: Promise<void>, url: string, options: ResolvedFixtureSiteOptions) {
    this.#child = child;
    this.#exited = exited;
    this.url = url;
    this.options = options;
    this.pid = child.pid ?? 0;
    child.on('message', (message: FixtureChildMessage) => {
      // Answers come back in the order the questions were sent.
      if (message.type === 'stats') {
        this.#stats = message.stats;
        this.#pending.shift()?.resolve(message);
      }
    });
    // A failed send (the channel just closed) must not become an uncaught 'error' event.
    child.on('error', () => {});
    void exited.then(() => {
      for (const waiter of this.#pending.splice(0)) waiter.reject(this.#goneError());
    });
  }

  /** Why the process cannot answer: the caller closed the site, or the process died. */
  #goneError(): CrawlbenchError {
    // Asking a closed site is the caller's mistake, not a harness failure.
    return this.#closed === undefined
      ? new CrawlbenchError('HARNESS_FAILED', 'The fixture process has exited')
      : new CrawlbenchError('USED_AFTER_CLOSE', 'The fixture site has been closed');
  }

  urlList(): string[] {
    return Array.from(fixturePageUrls(this.url, this.options.pages));
  }

  urls(): IterableIterator<string> {
    return fixturePageUrls(this.url, this.options.pages);
  }

  pageStatus(index: number): 200 | 404 | 500 {
    return fixturePageStatus(this.options, index);
  }

  stats(): FixtureSiteStats {
    return this.#stats;
  }

  cpuUsage(): Promise<FixtureProcessUsage> {
    return new Promise((resolve, reject) => {
      if (!this.#child.connected) {
        reject(this.#goneError());
        return;
      }
      this.#pending.push({ resolve, reject });
      this.#child.send({ type: 'stats' } satisfies FixtureParentMessage, (error) => {
        if (error !== null) {
          reject(
            new CrawlbenchError('HARNESS_FAILED', `The fixture process cannot be asked: ${error.message}`, {
              cause: error,
            }),
          );
        }
      });
    });
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      // If the message cannot be sent, the kill below still ends the process.
      if (this.#child.connected) this.#child.send({ type: 'stop' } satisfies FixtureParentMessage, () => {});
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(timer);
    })();
    return this.#closed;
  }
}

/**
 * Runs the fixture site in its own process, so that a benchmark does not charge the site's CPU to the
 * crawler. The process exits on close() and when this process goes away (it watches its IPC channel).
 */
export async function startFixtureSiteProcess(options?: FixtureSiteOptions): Promise<FixtureSiteProcess> {
  // Validate here: a usage error should be thrown in the caller's process, with its stack.
  const resolved = resolveFixtureSiteOptions(options);
  const child = fork(ENTRY, [], { serialization: 'advanced', execArgv: [], stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const onMessage = (message: FixtureChildMessage): void => {
        if (message.type === 'ready') resolve(message.url);
        else if (message.type === 'error') {
          reject(
            new CrawlbenchError('HARNESS_FAILED', `The fixture process failed to start: ${message.message}`),
          );
        }
      };
      child.on('message', onMessage);
      child.once('error', (error) =>
        reject(
          new CrawlbenchError('HARNESS_FAILED', `The fixture process failed to start: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      void exited.then(() =>
        reject(new CrawlbenchError('HARNESS_FAILED', 'The fixture process exited early')),
      );
      child.send({ type: 'start', options: resolved } satisfies FixtureParentMessage);
    }).finally(() => child.removeAllListeners('message'));
    return new FixtureProcessHandle(child, exited, url, resolved);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}
