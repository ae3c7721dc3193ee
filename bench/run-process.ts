// Entry file of a bench cell's runner: the crawls of one cell, one after the other, in a process
// of their own, so their CPU time (threads included) and peak RSS belong to that cell alone, and
// the warm-up runs warm the same JIT the measured runs use.
import { CrawlbenchError } from '../crawler/errors.js';
import type { CrawlPool } from '../crawler/strategies/pool-handle.js';
import type { TimelineEntry } from '../crawler/options.js';
import {
  type FromRunProcess,
  RUN_PROTOCOL_VERSION,
  type RunFailure,
  type ToRunProcess,
} from './run-protocol.js';
import { becomeChild, sendToParent } from '../crawler/child-process.js';
import { VERSION } from '../crawler/version.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

function send(message: FromRunProcess): void {
  sendToParent(message);
}

send({ type: 'hello', protocol: RUN_PROTOCOL_VERSION, crawlbenchVersion: VERSION });

// Loaded after the hello, in the background: a bench starts a runner per cell, and the harness
// need not wait for each to load the crawler before it starts measuring the first cells.
const crawler = Promise.all([import('../crawler/crawl.js'), import('../crawler/pool.js')]);

// The pool of a threads or processes cell is started once and kept warm across the cell's runs:
// the warm-up run then warms the workers' JIT too, and the measured runs are steady state.
let pool: CrawlPool | undefined;
process.on('disconnect', () => {
  void (pool?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

process.on('message', (message: ToRunProcess) => {
  void crawler.then(([{ crawl }, { createCrawlPool }]) => run(message, crawl, createCrawlPool));
});

function run(
  message: ToRunProcess,
  crawl: typeof import('../crawler/crawl.js').crawl,
  createCrawlPool: typeof import('../crawler/pool.js').createCrawlPool,
): void {
  const failures: RunFailure[] = [];
  const pagesByDepth: number[] = [];
  const { strategy } = message.options;
  const keep = message.timelinePages;
  if (!pool && (strategy === 'threads' || strategy === 'processes')) {
    // Its workers trace their pages when the cell keeps timelines (a pool's options are fixed).
    pool = createCrawlPool({ ...message.options, strategy, ...(keep > 0 && { timeline: () => {} }) });
  }
  const pages: TimelineEntry[] = [];
  let truncated = 0;
  const timeline = (entry: TimelineEntry): void => {
    if (pages.length < keep) pages.push(entry);
    else truncated++;
  };
  const before = process.resourceUsage();
  const startedAt = performance.timeOrigin + performance.now();
  // Link following is per crawl, not per pool: it rides on top of the warm pool's options.
  const options = {
    ...(pool ? { pool } : message.options),
    ...message.follow,
    ...(keep > 0 && { timeline }),
  };
  crawl(message.urls, options, (record) => {
    pagesByDepth[record.depth] = (pagesByDepth[record.depth] ?? 0) + 1;
    if (record.error && failures.length < message.maxFailures) {
      failures.push({ url: record.url, code: record.error.code, message: record.error.message });
    }
  }).then(
    (summary) => {
      const after = process.resourceUsage();
      send({
        type: 'result',
        summary,
        userCpuMs: (after.userCPUTime - before.userCPUTime) / 1000,
        systemCpuMs: (after.systemCPUTime - before.systemCPUTime) / 1000,
        maxRssBytes: after.maxRSS * 1024,
        failures,
        // Dense: a depth no record reached (impossible with strict levels, but cheap to rule out) is 0.
        pagesByDepth: Array.from(pagesByDepth, (n) => n ?? 0),
        timeline:
          keep > 0
            ? { startedAt, endedAt: performance.timeOrigin + performance.now(), pages, truncated }
            : null,
      });
    },
    // The code crosses the process boundary so that the bench fails as the crawl did: an
    // unreachable Redis is REDIS_UNAVAILABLE in the parent too, not a generic harness failure.
    (error: unknown) =>
      send({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(error instanceof CrawlbenchError && { code: error.code }),
      }),
  );
}
