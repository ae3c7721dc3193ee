import { Command } from 'commander';
import { parseRedisUrl, REDIS_URL_ENV, redactRedisUrl } from '../../crawler/distributed/redis-url.js';
import { CRAWL_DEFAULTS } from '../../crawler/defaults.js';
import { InvalidOptionError } from '../../crawler/errors.js';
import { EXIT } from '../exit-codes.js';
import { withDefault } from '../help.js';
import type { CliIo } from '../io.js';
import { positiveInt } from '../parsers.js';
import { terminalText } from '../terminal-text.js';

interface WorkerCliOptions {
  redis?: string;
  concurrency?: number;
  threads?: number;
  lockDuration?: number;
  extract?: string;
  stalledInterval?: number;
  quiet: boolean;
}

export function workerCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('worker')
    .description(
      'run crawl tasks of distributed crawls (crawl --strategy distributed) from Redis until Ctrl-C; ' +
        'Ctrl-C lets the tasks in progress finish, then exits 130',
    )
    .option('--redis <url>', `Redis URL, redis:// or rediss:// (default: $${REDIS_URL_ENV})`)
    .option(
      '-c, --concurrency <n>',
      withDefault('tasks run at once, per thread', CRAWL_DEFAULTS.workerConcurrency),
      positiveInt,
    )
    .option(
      '--threads <k>',
      withDefault(
        'worker threads, each with --concurrency slots (to parse on k cores)',
        CRAWL_DEFAULTS.workerThreads,
      ),
      positiveInt,
    )
    .option(
      '--lock-duration <ms>',
      withDefault(
        'how long a dead worker holds its tasks before another takes them',
        CRAWL_DEFAULTS.workerLockDurationMs,
      ),
      positiveInt,
    )
    .option(
      '--stalled-interval <ms>',
      withDefault('how often to look for tasks of dead workers', CRAWL_DEFAULTS.workerStalledIntervalMs),
      positiveInt,
    )
    .option(
      '--extract <module>',
      "extraction module (as the coordinator's crawl --extract): tasks of runs with another module are refused",
    )
    .option('-q, --quiet', 'no start and stop messages', false)
    .action(async (o: WorkerCliOptions) => {
      const url = o.redis ?? io.env[REDIS_URL_ENV];
      if (url === undefined || url === '') {
        throw new InvalidOptionError(`worker needs --redis <url> or ${REDIS_URL_ENV}`);
      }
      const where = redactRedisUrl(url);
      // Before anything starts: a bad URL is a usage error, and the password is never echoed.
      const connection = parseRedisUrl(url);
      // Listen for Ctrl-C before saying we are ready: a signal sent on reading the ready line must
      // find the handler (Node's default SIGINT action would kill the worker mid-task).
      let removeInterrupt = (): void => {};
      const interrupted = new Promise<void>((resolve) => {
        removeInterrupt = io.onInterrupt(() => {
          removeInterrupt();
          resolve();
        });
      });
      try {
        let lastError = '';
        // Loaded on demand, like the coordinator: the other commands never load BullMQ.
        const { startDistributedWorkers } = await import('../../crawler/distributed/worker-threads.js');
        const threads = o.threads ?? CRAWL_DEFAULTS.workerThreads;
        const concurrency = o.concurrency ?? CRAWL_DEFAULTS.workerConcurrency;
        const worker = await startDistributedWorkers({
          threads,
          connection,
          where,
          concurrency,
          ...(o.extract !== undefined && { extract: o.extract, cwd: process.cwd() }),
          ...(o.lockDuration !== undefined && { lockDurationMs: o.lockDuration }),
          ...(o.stalledInterval !== undefined && { stalledIntervalMs: o.stalledInterval }),
          onError: (error) => {
            // ioredis reconnects by itself; say so once per distinct error, not once per retry.
            if (o.quiet || error.message === lastError) return;
            lastError = error.message;
            io.stderr.write(`worker: ${terminalText(error.message)} (reconnecting)\n`);
          },
        });
        if (!o.quiet) io.stderr.write(`worker: ${threads * concurrency} slots on ${where}; Ctrl-C to stop\n`);
        await interrupted;
        if (!o.quiet) io.stderr.write('worker: stopping after the tasks in progress\n');
        await worker.close();
      } finally {
        removeInterrupt();
      }
      setExit(EXIT.INTERRUPTED);
    });
}
