import type { ResolvedCrawlOptions } from '../options.js';
import { asyncRunner } from './async.js';
import { distributedRunner } from './distributed.js';
import { poolRunner } from './pool-runner.js';
import type { Runner } from './runner.js';
import { serialRunner } from './serial.js';

/** The runner of a crawl's strategy. */
export function createRunner(options: ResolvedCrawlOptions): Runner {
  switch (options.kind) {
    case 'local':
      return options.strategy === 'serial' ? serialRunner(options) : asyncRunner(options);
    case 'pooled':
      return poolRunner(options);
    case 'distributed':
      return distributedRunner(options);
  }
}
