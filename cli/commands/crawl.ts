import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { startFixtureSiteProcess } from '../../bench/fixture-site-process.js';
import { crawl } from '../../crawler/crawl.js';
import { InvalidOptionError } from '../../crawler/errors.js';
import type { CrawlOptions } from '../../crawler/options.js';
import { type FollowOptions, resolveFollow } from '../../crawler/frontier/options.js';
import { type Scope, SCOPES } from '../../crawler/frontier/scope.js';
import { newRunId } from '../../crawler/distributed/keys.js';
import { REDIS_URL_ENV, redactRedisUrl } from '../../crawler/distributed/redis-url.js';
import { CRAWL_STRATEGY_NAMES } from '../../crawler/types.js';
import { openUrlList, type UrlListSource } from '../../crawler/url-list.js';
import { createRecordWriter, RECORD_FORMATS, type RecordFormat } from '../../reports/records.js';
import { EXIT } from '../exit-codes.js';
import { formatSummary } from '../format-summary.js';
import { type CliIo, colorEnabled } from '../io.js';
import { byteSize, nonNegativeInt, positiveInt } from '../parsers.js';
import { createCrawlProgress } from '../progress.js';

interface CrawlCliOptions {
  strategy: CrawlOptions['strategy'];
  concurrency?: number;
  mode: 'io' | 'cpu';
  cpuWork?: number;
  parseIn: 'worker' | 'main';
  parse: boolean;
  timeout: number;
  retries: number;
  retryDelay: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent?: string;
  redis?: string;
  runId?: string;
  keep: boolean;
  stallTimeout?: number;
  output?: string;
  format: RecordFormat;
  quiet: boolean;
  json: boolean;
  strict: boolean;
  depth?: number;
  scope?: Scope;
  include?: string;
  exclude?: string;
  maxPages?: number;
  stripQuery?: boolean;
  ignoreRobots?: boolean;
  perHostConcurrency?: number;
  perHostDelay?: number;
  sitemap?: string[];
  useSitemaps?: boolean;
  maxQueue?: number;
}

/** The link-following options of `crawl`: none has a default, so only those given turn the frontier on. */
export function addFollowOptions(command: Command): Command {
  return command
    .option(
      '--depth <n>',
      'follow links up to n hops from the list (0: the list only) (default: 0)',
      nonNegativeInt,
    )
    .addOption(
      new Option(
        '--scope <scope>',
        'which links to follow, relative to the seeds (default: same-origin)',
      ).choices(SCOPES),
    )
    .option('--include <regex>', 'follow only links matching this regular expression')
    .option('--exclude <regex>', 'never follow links matching this regular expression')
    .option('--max-pages <n>', 'request at most n pages, then stop', positiveInt)
    .option('--strip-query', 'drop query strings before deduplicating URLs')
    .option('--ignore-robots', 'do not fetch or obey robots.txt')
    .option(
      '--per-host-concurrency <n>',
      'requests in flight per host at most (default: 2 when following links)',
      positiveInt,
    )
    .option(
      '--per-host-delay <ms>',
      'wait this long after a request to a host before the next one (one at a time then)',
      nonNegativeInt,
    )
    .option(
      '--sitemap <url>',
      'seed from a sitemap or sitemap index, gzipped or not (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--use-sitemaps', "also seed from the Sitemap: lines of the seeds' robots.txt")
    .option(
      '--max-queue <n>',
      'URLs queued at most; links past it are skipped (default: 1000000)',
      positiveInt,
    );
}

function followOptions(o: CrawlCliOptions): FollowOptions {
  return {
    ...(o.depth !== undefined && { depth: o.depth }),
    ...(o.scope !== undefined && { scope: o.scope }),
    ...(o.include !== undefined && { include: o.include }),
    ...(o.exclude !== undefined && { exclude: o.exclude }),
    ...(o.maxPages !== undefined && { maxPages: o.maxPages }),
    ...(o.stripQuery !== undefined && { stripQuery: o.stripQuery }),
    ...(o.ignoreRobots !== undefined && { ignoreRobots: o.ignoreRobots }),
    ...(o.perHostConcurrency !== undefined && { perHostConcurrency: o.perHostConcurrency }),
    ...(o.perHostDelay !== undefined && { perHostDelayMs: o.perHostDelay }),
    ...(o.sitemap !== undefined && { sitemaps: o.sitemap }),
    ...(o.useSitemaps !== undefined && { useSitemaps: o.useSitemaps }),
    ...(o.maxQueue !== undefined && { maxQueue: o.maxQueue }),
  };
}

/** Options shared by `crawl` and (later) `bench`: the knobs of one crawl. */
export function addCrawlOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-s, --strategy <name>', 'concurrency strategy')
        .choices(CRAWL_STRATEGY_NAMES)
        .default('async'),
    )
    .option(
      '-c, --concurrency <n>',
      'requests in flight (async), workers (threads, processes) or tasks queued at once (distributed) ' +
        '(default: 64 for async, CPU cores for pools, 1000 for distributed)',
      positiveInt,
    )
    .addOption(
      new Option('--mode <mode>', 'io: plain parse; cpu: add --cpu-work per page')
        .choices(['io', 'cpu'])
        .default('io'),
    )
    .option(
      '--cpu-work <rounds>',
      'extra deterministic CPU work per page in cpu mode (default: 200)',
      nonNegativeInt,
    )
    .addOption(
      new Option('--parse-in <where>', 'pools: parse in the worker, or in the main thread callback')
        .choices(['worker', 'main'])
        .default('worker'),
    )
    .option('--no-parse', 'fetch only: skip parsing (records carry "parse": null)')
    .option('--timeout <ms>', 'per-attempt deadline: connect, headers and body', positiveInt, 10_000)
    .option('--retries <n>', 'retries on network errors, 5xx, 408 and 429', nonNegativeInt, 2)
    .option('--retry-delay <ms>', 'base of the exponential backoff with jitter', nonNegativeInt, 200)
    .option(
      '--max-bytes <size>',
      'cap on the decompressed body (e.g. 512k, 10MiB)',
      byteSize,
      10 * 1024 * 1024,
    )
    .option('--max-redirects <n>', 'redirects followed before TOO_MANY_REDIRECTS', nonNegativeInt, 5)
    .option('--user-agent <ua>', 'User-Agent header');
}

export function crawlCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command('crawl')
    .description(
      'crawl every URL of a list file (or - for stdin) and write one record per URL ' +
        '(with no list, crawl the embedded fixture site)',
    )
    .argument('[list]', 'URL list file, one URL per line, or - for stdin');
  addFollowOptions(addCrawlOptions(command))
    .option('-o, --output <file>', 'write records to a file instead of stdout')
    .addOption(new Option('-f, --format <format>', 'record format').choices(RECORD_FORMATS).default('jsonl'))
    .option('-q, --quiet', 'no progress bar and no summary', false)
    .option('--json', 'print the summary as JSON (to stdout when --output is set, else stderr)', false)
    .option('--strict', 'exit 1 when any URL failed', false)
    .option('--redis <url>', `distributed: Redis URL, redis:// or rediss:// (default: $${REDIS_URL_ENV})`)
    .option('--run-id <id>', 'distributed: name of the run, to resume it (default: generated)')
    .option('--keep', "distributed: keep the run's Redis keys after it completes", false)
    .option(
      '--stall-timeout <ms>',
      'distributed: fail when no page finished for this long while tasks were queued (default: 120000)',
      positiveInt,
    )
    .action(async (list: string | undefined, options: CrawlCliOptions) => {
      setExit(await runCrawl(list, options, io));
    });
  return command;
}

function toCrawlOptions(
  o: Omit<
    CrawlCliOptions,
    'output' | 'format' | 'quiet' | 'json' | 'strict' | 'redis' | 'runId' | 'keep' | 'stallTimeout'
  >,
): CrawlOptions {
  return {
    ...followOptions(o as CrawlCliOptions),
    ...(o.strategy !== undefined && { strategy: o.strategy }),
    ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
    mode: o.mode,
    ...(o.cpuWork !== undefined && { cpuWork: o.cpuWork }),
    parseIn: o.parseIn,
    parse: o.parse,
    timeoutMs: o.timeout,
    retries: o.retries,
    retryDelayMs: o.retryDelay,
    maxBytes: o.maxBytes,
    maxRedirects: o.maxRedirects,
    ...(o.userAgent !== undefined && { userAgent: o.userAgent }),
  };
}

async function checkReadable(path: string): Promise<void> {
  if (path === '-') return;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidOptionError(`cannot read list ${JSON.stringify(path)}: not a file`);
  } catch (error) {
    if (error instanceof InvalidOptionError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidOptionError(`cannot read list ${JSON.stringify(path)}: ${code}`);
  }
}

async function openOutput(path: string | undefined, io: CliIo): Promise<Writable> {
  if (path === undefined) return io.stdout;
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidOptionError(`cannot write output ${JSON.stringify(path)}: ${code}`);
  }
  return stream;
}

/** Counts the lines of a list file cheaply, so the progress bar can show a total and an ETA. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** Resources of this (the main) process: peak RSS and CPU time, for the JSON summary. */
function mainProcessUsage(): { maxRssBytes: number; userCpuMs: number; systemCpuMs: number } {
  const usage = process.resourceUsage();
  return {
    maxRssBytes: usage.maxRSS * 1024,
    userCpuMs: usage.userCPUTime / 1000,
    systemCpuMs: usage.systemCPUTime / 1000,
  };
}

/** The distributed options, only with `--strategy distributed` (they are refused elsewhere). */
function distributedOptions(cli: CrawlCliOptions, io: CliIo): CrawlOptions {
  if (cli.strategy !== 'distributed') {
    const misplaced = cli.redis ?? cli.runId ?? (cli.keep || cli.stallTimeout !== undefined ? '' : undefined);
    if (misplaced !== undefined) {
      throw new InvalidOptionError(
        '--redis, --run-id, --keep and --stall-timeout need --strategy distributed',
      );
    }
    return {};
  }
  const redis = cli.redis ?? io.env[REDIS_URL_ENV];
  return {
    ...(redis !== undefined && { redis }),
    runId: cli.runId ?? newRunId(),
    keep: cli.keep,
    ...(cli.stallTimeout !== undefined && { stallTimeoutMs: cli.stallTimeout }),
  };
}

async function runCrawl(list: string | undefined, cli: CrawlCliOptions, io: CliIo): Promise<number> {
  const options = { ...toCrawlOptions(cli), ...distributedOptions(cli, io) };
  // Validated before anything starts, so a bad option exits 2 without a fixture site or output file.
  const following = resolveFollow(options, options.parse ?? true) !== null;
  const sitemapOnly = list === undefined && (cli.sitemap?.length ?? 0) > 0;
  if (options.redis !== undefined && !cli.quiet) {
    io.stderr.write(`distributed run ${options.runId} on ${redactRedisUrl(options.redis)}\n`);
  }
  if (list !== undefined) await checkReadable(list);
  const output = await openOutput(cli.output, io);
  const writer = createRecordWriter(cli.format, output);
  const showProgress = !cli.quiet && io.stderr.isTTY === true;

  const site =
    list === undefined && !sitemapOnly
      ? await startFixtureSiteProcess(
          cli.mode === 'cpu'
            ? { pages: 200, latencyMs: 0, pageKb: 100 }
            : { pages: 200, latencyMs: 50, pageKb: 10 },
        )
      : undefined;
  // With link following, the embedded site is crawled from its first page, like a site from its home.
  const seeds = site && following ? [`${site.url}/page/0`] : undefined;
  if (site && !cli.quiet) {
    const from = seeds ? ` from ${seeds[0]}` : '';
    io.stderr.write(`no list given: crawling the embedded fixture site at ${site.url}${from}\n`);
  }

  const stop = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      stop.abort();
      if (!cli.quiet) io.stderr.write('\nstopping: finishing pages in flight (Ctrl-C again to abort them)\n');
    } else {
      abort.abort();
    }
  });

  let progressTotal: number | undefined;
  if (following) progressTotal = options.maxPages;
  else if (site) progressTotal = site.options.pages;
  else if (showProgress && list !== '-' && list !== undefined) progressTotal = await countLines(list);
  const progress = showProgress ? createCrawlProgress(io.stderr, progressTotal) : undefined;
  let done = 0;
  let errors = 0;

  const source: UrlListSource = sitemapOnly
    ? []
    : (seeds ?? (site ? site.urls() : openUrlList(list ?? '-', io.stdin)));
  try {
    const summary = await crawl(
      source,
      { ...options, signal: stop.signal, abortSignal: abort.signal },
      async (record) => {
        done++;
        if (record.error) errors++;
        progress?.update(done, errors);
        await writer.write(record);
      },
    );
    progress?.stop();
    await writer.close();
    if (output !== io.stdout) {
      output.end();
      await once(output, 'finish');
    }
    if (cli.json) {
      const target = cli.output === undefined ? io.stderr : io.stdout;
      target.write(`${JSON.stringify({ ...summary, mainProcess: mainProcessUsage() })}\n`);
    } else if (!cli.quiet) {
      io.stderr.write(`${formatSummary(summary, colorEnabled(io, io.stderr))}\n`);
    }
    if (options.runId !== undefined && summary.state === 'interrupted' && !cli.quiet) {
      io.stderr.write(
        following
          ? `run ${options.runId} stopped (a link-following run cannot be resumed yet)\n`
          : `run ${options.runId} kept in Redis: resume it with --run-id ${options.runId}\n`,
      );
    }
    if (interrupts > 0) return EXIT.INTERRUPTED;
    if (cli.strict && summary.failed > 0) return EXIT.FAILURE;
    return EXIT.OK;
  } finally {
    progress?.stop();
    removeInterrupt();
    await site?.close();
  }
}
