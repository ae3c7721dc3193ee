import type { ResolvedCrawlOptions } from '../options.js';
import type { Runner } from './runner.js';

/**
 * The runner of a crawl's strategy. Each is loaded on demand: a crawl loads only its own (the
 * pools bring piscina and the child-process pool, distributed brings BullMQ and ioredis).
 */
export async function createRunner(options: ResolvedCrawlOptions): Promise<Runner> {
  switch (options.kind) {
    case 'local':
      return options.strategy === 'serial'
        ? (await import('./serial.js')).serialRunner(options)
        : (await import('./async.js')).asyncRunner(options);
    case 'pooled':
      return (await import('./pool-runner.js')).poolRunner(options);
    case 'distributed':
      return (await import('./distributed.js')).distributedRunner(options);
  }
}
