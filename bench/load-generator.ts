import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { CrawlbenchError } from '../crawler/errors.js';
import type { LoadAnswer, LoadRequest } from './load-generator-process.js';

const ENTRY = new URL('./load-generator-process.js', import.meta.url);

/** What one load measured. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * autocannon in a process of its own, started once and kept for every round of a bench: a process
 * per load would cost each round a Node start (about a third of a second here) and a cold JIT.
 */
export class LoadGenerator {
  readonly #child: ChildProcess;
  readonly #exited: Promise<unknown>;

  constructor() {
    this.#child = fork(ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.#child.on('error', () => {});
    this.#exited = once(this.#child, 'exit');
  }

  /** Loads `request.url` for `request.durationMs`; rejects if the process dies. */
  measure(request: LoadRequest): Promise<LoadResult> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const gone = (code: number | null, signal: NodeJS.Signals | null): void => {
        child.off('message', answered);
        reject(
          new CrawlbenchError('HARNESS_FAILED', `load generator exited with ${signal ?? `code ${code}`}`),
        );
      };
      const answered = (answer: LoadAnswer): void => {
        child.off('exit', gone);
        if (answer.type === 'error') {
          reject(new CrawlbenchError('HARNESS_FAILED', `load generator failed: ${answer.message}`));
        } else {
          const { requestsPerSecond, ok, failed } = answer;
          resolve({ requestsPerSecond, ok, failed });
        }
      };
      if (child.exitCode !== null || child.signalCode !== null) {
        gone(child.exitCode, child.signalCode);
        return;
      }
      child.once('message', answered);
      child.once('exit', gone);
      child.send(request);
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }
}
