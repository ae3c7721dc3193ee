import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BENCH_DEFAULTS,
  type BenchOptions,
  DEFAULT_ASYNC_CONCURRENCY,
  DEFAULT_CPU_WORKLOAD,
  DEFAULT_IO_WORKLOAD,
} from '../../bench/options.js';
import { CRAWL_DEFAULTS } from '../../crawler/defaults.js';
import { CrawlbenchError } from '../../crawler/errors.js';
import { REDIS_URL_ENV } from '../../crawler/distributed/redis-url.js';
import {
  CRAWL_STRATEGY_NAMES,
  type CrawlMode,
  type CrawlStrategyName,
  STRATEGY_NAMES,
} from '../../crawler/types.js';
import { REPORT_FORMATS, REPORTERS, reportFileName } from '../../reports/registry.js';
import type { ReportFormat } from '../../reports/reporter.js';
import { EXIT, exitCodeOfSignal } from '../exit-codes.js';
import type { CliIo, StopSignal } from '../io.js';
import { nonNegativeInt, positiveInt } from '../parsers.js';
import { withDefault } from '../help.js';
import { openUrlList, readUrlList } from '../../crawler/url-list.js';

interface BenchCliOptions {
  strategies: CrawlStrategyName[];
  redis?: string;
  queueWorkers?: number;
  modes: CrawlMode[];
  concurrency: Partial<Record<CrawlStrategyName, number[]>>;
  warmup?: number;
  runs?: number;
  ioPages?: number;
  cpuPages?: number;
  latency?: number;
  ioPageKb?: number;
  cpuPageKb?: number;
  cpuWork?: number;
  depth?: number;
  parse: boolean;
  rawCeiling: boolean;
  timeout?: number;
  retries?: number;
  out?: string;
  format: ReportFormat;
  quiet: boolean;
}

function list<T extends string>(allowed: readonly T[], what: string): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((v) => v.trim());
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(`expected ${what} from ${allowed.join(', ')}, got "${item}"`);
      }
    }
    return items as T[];
  };
}

/** `-c 8,64` sets every non-serial strategy; `-c async=16,64` one of them. Repeatable. */
function concurrencyList(
  value: string,
  previous: Partial<Record<CrawlStrategyName, number[]>>,
): Partial<Record<CrawlStrategyName, number[]>> {
  const match = /^(?:(\w+)=)?([\d,\s]+)$/.exec(value.trim());
  const strategy = match?.[1];
  if (!match || (strategy !== undefined && !(CRAWL_STRATEGY_NAMES as readonly string[]).includes(strategy))) {
    throw new InvalidArgumentError(`expected a list like 8,64 or async=16,64, got "${value}"`);
  }
  const values = match[2]!.split(',').map((v) => positiveInt(v.trim()));
  const targets = strategy
    ? [strategy as CrawlStrategyName]
    : CRAWL_STRATEGY_NAMES.filter((s) => s !== 'serial');
  return { ...previous, ...Object.fromEntries(targets.map((s) => [s, values])) };
}

export function benchCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('bench')
    .description(
      'run the same crawl under each strategy, IO-bound and CPU-bound, and report which wins ' +
        '(with no list, on the embedded fixture site)',
    )
    .argument('[list]', 'URL list file (or - for stdin) to bench instead of the embedded site')
    .addOption(
      new Option('--strategies <list>', 'strategies to compare, comma-separated')
        .argParser(list(CRAWL_STRATEGY_NAMES, 'strategies'))
        .default([...STRATEGY_NAMES], 'serial,async,threads,processes; add distributed with --redis'),
    )
    .addOption(
      new Option('--modes <list>', 'workloads: io, cpu, or both')
        .argParser(list<CrawlMode>(['io', 'cpu'], 'modes'))
        .default(['io', 'cpu'], 'io,cpu'),
    )
    .addOption(
      new Option(
        '-c, --concurrency <list>',
        'concurrency values: 8,64 for every non-serial strategy, async=16,64 for one (repeatable)',
      )
        .argParser(concurrencyList)
        .default({}, `async ${DEFAULT_ASYNC_CONCURRENCY}, pools one per CPU core`),
    )
    .option('--warmup <n>', withDefault('unmeasured runs per cell', BENCH_DEFAULTS.warmup), nonNegativeInt)
    .option('--runs <n>', withDefault('measured runs per cell', BENCH_DEFAULTS.runs), positiveInt)
    .option(
      '--io-pages <n>',
      withDefault('pages of the io site, all crawled per run without --depth', DEFAULT_IO_WORKLOAD.pages),
      positiveInt,
    )
    .option('--latency <ms>', withDefault('io site latency', DEFAULT_IO_WORKLOAD.latencyMs), nonNegativeInt)
    .option('--io-page-kb <k>', withDefault('io page size', DEFAULT_IO_WORKLOAD.pageKb), positiveInt)
    .option(
      '--cpu-pages <n>',
      withDefault('pages of the cpu site, all crawled per run without --depth', DEFAULT_CPU_WORKLOAD.pages),
      positiveInt,
    )
    .option('--cpu-page-kb <k>', withDefault('cpu page size', DEFAULT_CPU_WORKLOAD.pageKb), positiveInt)
    .option(
      '--cpu-work <rounds>',
      withDefault('extra CPU work per page in cpu mode', DEFAULT_CPU_WORKLOAD.cpuWork),
      nonNegativeInt,
    )
    .option(
      '--depth <n>',
      "each run follows links n hops from the site's first page (or from the list) instead of " +
        'crawling every page: same origin, robots.txt obeyed, no per-host limit (the crawl ' +
        'default of 2 would cap every strategy on the one-host site; the bench measures the ' +
        "strategies, not politeness, and each cell's concurrency bounds its requests)",
      positiveInt,
    )
    .option('--no-parse', 'fetch only in every cell')
    .option('--no-raw-ceiling', 'skip the autocannon raw-ceiling measurement')
    .option(
      '--timeout <ms>',
      withDefault('per-attempt deadline of each page', CRAWL_DEFAULTS.timeoutMs),
      positiveInt,
    )
    .option('--retries <n>', withDefault('retries per page', CRAWL_DEFAULTS.retries), nonNegativeInt)
    .option(
      '--redis <url>',
      'Redis for the distributed strategy; its concurrency is the number of local queue workers ' +
        `the bench starts (default: $${REDIS_URL_ENV})`,
    )
    .option(
      '--queue-workers <n>',
      'local queue-worker processes of each distributed cell, sharing its concurrency ' +
        '(default: one per task, to line up with processes)',
      positiveInt,
    )
    .option('--out <dir>', 'write result.json, report.md, report.csv and report.html to this directory')
    .addOption(
      new Option('-f, --format <format>', 'report printed on stdout').choices(REPORT_FORMATS).default('md'),
    )
    .option('-q, --quiet', 'no progress display', false)
    .action(async (listPath: string | undefined, o: BenchCliOptions) => {
      setExit(await runBenchCommand(listPath, o, io));
    });
}

async function readList(path: string, io: CliIo): Promise<{ name: string; urls: string[] }> {
  const urls: string[] = [];
  try {
    for await (const item of readUrlList(openUrlList(path, io.stdin)))
      if (item.kind === 'task') urls.push(item.task.url);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CrawlbenchError('LIST_UNREADABLE', `cannot read list ${JSON.stringify(path)}: ${code}`);
  }
  if (urls.length === 0) {
    throw new CrawlbenchError('INVALID_OPTION', `the list ${JSON.stringify(path)} has no valid URL`);
  }
  return { name: path === '-' ? 'stdin' : path, urls };
}

async function runBenchCommand(listPath: string | undefined, o: BenchCliOptions, io: CliIo): Promise<number> {
  const workload = (pages?: number, pageKb?: number, extra: Record<string, number | undefined> = {}) =>
    Object.fromEntries(
      Object.entries({ pages, pageKb, ...extra }).filter(
        (entry): entry is [string, number] => entry[1] !== undefined,
      ),
    );
  const options: BenchOptions = {
    strategies: o.strategies,
    modes: o.modes,
    concurrency: o.concurrency,
    ...(o.warmup !== undefined && { warmup: o.warmup }),
    ...(o.runs !== undefined && { runs: o.runs }),
    io: workload(o.ioPages, o.ioPageKb, { latencyMs: o.latency }),
    cpu: workload(o.cpuPages, o.cpuPageKb, { cpuWork: o.cpuWork }),
    parse: o.parse,
    rawCeiling: o.rawCeiling,
    crawl: {
      ...(o.timeout !== undefined && { timeoutMs: o.timeout }),
      ...(o.retries !== undefined && { retries: o.retries }),
    },
    ...(o.depth !== undefined && { depth: o.depth }),
    ...((o.redis ?? io.env[REDIS_URL_ENV]) !== undefined && { redis: (o.redis ?? io.env[REDIS_URL_ENV])! }),
    ...(o.queueWorkers !== undefined && { queueWorkers: o.queueWorkers }),
    ...(listPath !== undefined && { list: await readList(listPath, io) }),
  };
  if (o.out !== undefined) {
    try {
      await mkdir(o.out, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CrawlbenchError(
        'OUTPUT_UNWRITABLE',
        `cannot create output directory ${JSON.stringify(o.out)}: ${code}`,
      );
    }
  }

  const stop = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const removeInterrupt = io.onSignal((signal) => {
    if (stoppedBy === null) {
      stoppedBy = signal;
      io.stderr.write(`\nstopping (${signal}) after the run in progress (its result is kept)\n`);
    }
    stop.abort();
  });
  const progress = o.quiet ? undefined : (await import('../progress.js')).createBenchProgress(io.stderr);
  try {
    // Loaded on demand: the bench pulls in the whole crawler, the load generator and the reports.
    const { runBench } = await import('../../bench/bench.js');
    const result = await runBench(options, {
      signal: stop.signal,
      onProgress: (p) => progress?.update(p),
      env: io.env,
      cwd: process.cwd(),
    });
    progress?.stop();
    const markdown = REPORTERS.md.render(result);
    if (o.out !== undefined) {
      for (const format of REPORT_FORMATS) {
        const text = format === 'md' ? markdown : REPORTERS[format].render(result);
        await writeFile(join(o.out, reportFileName(format)), text);
      }
    }
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    // One append, so a concurrent step's summary cannot interleave with ours.
    if (summaryFile) await appendFile(summaryFile, `${markdown}\n`);
    const report = o.format === 'md' ? markdown : REPORTERS[o.format].render(result);
    // Waits until the report is handed to the OS: main.ts exits right after, and a pipe takes
    // only 64 KiB at once (an HTML report, or a long Markdown one, is more).
    await new Promise<void>((resolve, reject) => io.stdout.write(report, (e) => (e ? reject(e) : resolve())));
    if (result.state !== 'interrupted') return EXIT.OK;
    return exitCodeOfSignal(stoppedBy ?? 'SIGINT');
  } finally {
    progress?.stop();
    removeInterrupt();
  }
}
