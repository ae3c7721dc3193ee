import { Worker } from 'node:worker_threads';
import { CrawlbenchError } from '../crawler/errors.js';

const ENTRY = new URL('./noise-probe-worker.js', import.meta.url);

/**
 * The machine's own noise, measured: the same fixed CPU work on `threads` threads at once (one per
 * core), once per round of a bench, between the cells. Nothing about it changes from round to
 * round but the machine (other tenants of the host, frequency, the hypervisor), so its spread is
 * the floor under every CPU-bound cell's: a cell whose CV is near the probe's is as steady as the
 * machine lets anything be. The threads start once and stay warm.
 */
export class NoiseProbe {
  readonly threads: number;
  readonly rounds: number;
  readonly #workers: Worker[];

  constructor(threads: number, rounds: number) {
    this.threads = threads;
    this.rounds = rounds;
    this.#workers = Array.from({ length: threads }, () => new Worker(ENTRY));
    for (const worker of this.#workers) worker.on('error', () => {});
  }

  /** Runs the work on every thread at once; resolves with the wall time until the last finished, in ms. */
  async measure(): Promise<number> {
    const started = performance.now();
    await Promise.all(this.#workers.map((worker) => this.#runOn(worker)));
    return performance.now() - started;
  }

  #runOn(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const gone = (code: number): void => {
        worker.off('message', done);
        reject(new CrawlbenchError('HARNESS_FAILED', `noise probe thread exited with code ${code}`));
      };
      const done = (): void => {
        worker.off('exit', gone);
        resolve();
      };
      worker.once('message', done);
      worker.once('exit', gone);
      worker.postMessage(this.rounds);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
