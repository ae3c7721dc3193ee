import { Command } from 'commander';
import { parseRedisUrl, REDIS_URL_ENV, redactRedisUrl } from '../../crawler/distributed/redis-url.js';
import { CRAWL_DEFAULTS } from '../../crawler/defaults.js';
import { InvalidOptionError } from '../../crawler/errors.js';
import { exitCodeOfSignal } from '../exit-codes.js';
import { withDefault } from '../help.js';
import type { CliIo, StopSignal } from '../io.js';
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

// A job id in BullMQ's messages: `Missing key for job run-m1x2-ab12cd-17. moveToFinished`,
// `Job run-...-3-r1 is not in the active state`, `could not renew lock for job ...`. Ours never hold a
// dot or whitespace (keys.ts jobId), so the id runs to the first of them.
const JOB_ID = /\b(job) [^\s.]+/gi;

/** A message's class: the message with its job ids replaced, so one error met by many jobs is one class. */
export function errorClass(message: string): string {
  return message.replace(JOB_ID, '$1 <id>');
}

/**
 * Which of the worker's errors to print, and how: ioredis reconnects by itself and BullMQ reports one
 * error per job, so a Redis that restarts empty makes every job in progress fail with its own
 * `Missing key for job <id>`. A message is printed when its class differs from the last one printed;
 * a class that names a job is printed once until an error of no job (a connection error: Redis went
 * away again) is printed, however the job errors interleave. Returns the line to print, or null.
 */
export function workerErrorFilter(): (message: string) => string | null {
  let last: string | null = null;
  const jobClasses = new Set<string>();
  return (message) => {
    const cls = errorClass(message);
    if (cls === last) return null;
    if (cls === message) {
      jobClasses.clear();
      last = cls;
      return `${message} (reconnecting)`;
    }
    if (jobClasses.has(cls)) return null;
    jobClasses.add(cls);
    last = cls;
    return `${message} (the same error for other jobs is not shown)`;
  };
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
      let stoppedBy: StopSignal = 'SIGINT';
      const interrupted = new Promise<void>((resolve) => {
        removeInterrupt = io.onSignal((signal) => {
          stoppedBy = signal;
          removeInterrupt();
          resolve();
        });
      });
      try {
        const errorLine = workerErrorFilter();
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
            // One line per class of error, not one per reconnect attempt or per job.
            if (o.quiet) return;
            const line = errorLine(error.message);
            if (line !== null) io.stderr.write(`worker: ${terminalText(line)}\n`);
          },
        });
        if (!o.quiet) io.stderr.write(`worker: ${threads * concurrency} slots on ${where}; Ctrl-C to stop\n`);
        await interrupted;
        if (!o.quiet) io.stderr.write('worker: stopping after the tasks in progress\n');
        await worker.close();
      } finally {
        removeInterrupt();
      }
      setExit(exitCodeOfSignal(stoppedBy));
    });
}
