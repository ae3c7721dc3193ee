import { fork } from 'node:child_process';
import { CrawlbenchError } from '../crawler/errors.js';
import type { LoadRequest, LoadResult } from './load-generator-process.js';

const ENTRY = new URL('./load-generator-process.js', import.meta.url);

/** Runs autocannon against `url` in its own process: `amount` requests over `connections`. */
export function measureLoadGenerator(request: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let answer: LoadResult | undefined;
    child.on('message', (message: LoadResult) => {
      answer = message;
    });
    child.on('error', () => {});
    child.once('exit', (code, signal) => {
      if (answer) resolve(answer);
      else
        reject(
          new CrawlbenchError('HARNESS_FAILED', `load generator exited with ${signal ?? `code ${code}`}`),
        );
    });
    child.send(request);
  });
}
