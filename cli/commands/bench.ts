import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BENCH_DEFAULTS,
  type BenchOptions,
  DEFAULT_ASYNC_CONCURRENCY,
  DEFAULT_CPU_WORKLOAD,
  DEFAULT_IO_WORKLOAD,
  DEFAULT_MIXED_WORKLOAD,
  defaultBenchStrategies,
  type HybridSize,
  MIXED_IN_FLIGHT,
} from '../../bench/options.js';
import type { AbBenchResult, BenchProgress } from '../../bench/bench.js';
import { BENCH_MODES, type BenchMode, type BenchResult } from '../../bench/result.js';
import { CRAWL_DEFAULTS } from '../../crawler/defaults.js';
import { CrawlbenchError } from '../../crawler/errors.js';
import { REDIS_URL_ENV } from '../../crawler/distributed/redis-url.js';
import { CRAWL_STRATEGY_NAMES, type CrawlStrategyName, STRATEGY_NAMES } from '../../crawler/types.js';
import { REPORT_FORMATS, reportFileName } from '../../reports/formats.js';
import { DEFAULT_THRESHOLD_PCT } from '../../reports/threshold.js';
import type { ReportFormat } from '../../reports/reporter.js';
import { EXIT, exitCodeOfSignal } from '../exit-codes.js';
import { appendOutputFile, makeOutputDir, writeOutputFile } from '../output-file.js';
import type { CliIo, StopSignal } from '../io.js';
import { duration, nonNegativeInt, percentOption, positiveInt, thresholdPercent } from '../parsers.js';
import { withDefault } from '../help.js';
import { openUrlList, readUrlList } from '../../crawler/url-list.js';

interface BenchCliOptions {
  strategies?: CrawlStrategyName[];
  redis?: string;
  queueWorkers?: number;
  modes?: BenchMode[];
  concurrency: Partial<Record<CrawlStrategyName, (number | HybridSize)[]>>;
  mixedPages?: number;
  mixedCpuWork?: number;
  extract?: string;
  warmup?: number;
  runs?: number;
  minRuns?: number;
  maxRuns?: number;
  targetError?: number;
  budget?: number;
  ioPages?: number;
  cpuPages?: number;
  latency?: number;
  ioPageKb?: number;
  cpuPageKb?: number;
  cpuWork?: number;
  depth?: number;
  parse: boolean;
  rawCeiling: boolean;
  noiseProbe: boolean;
  timeout?: number;
  retries?: number;
  out?: string;
  format: ReportFormat;
  quiet: boolean;
  against?: string;
  threshold?: number;
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

/**
 * `-c 8,64` sets every non-serial strategy; `-c async=16,64` one of them; `-c threads=2x32` a hybrid
 * pool of 2 workers running 32 tasks each. Repeatable.
 */
function concurrencyList(
  value: string,
  previous: Partial<Record<CrawlStrategyName, (number | HybridSize)[]>>,
): Partial<Record<CrawlStrategyName, (number | HybridSize)[]>> {
  const match = /^(?:(\w+)=)?([\dx,\s]+)$/.exec(value.trim());
  const strategy = match?.[1];
  if (!match || (strategy !== undefined && !(CRAWL_STRATEGY_NAMES as readonly string[]).includes(strategy))) {
    throw new InvalidArgumentError(`expected a list like 8,64, async=16,64 or threads=2x32, got "${value}"`);
  }
  const values = match[2]!.split(',').map((v): number | HybridSize => {
    const [workers, perWorker] = v.trim().split('x');
    if (perWorker === undefined) return positiveInt(workers ?? '');
    return { workers: positiveInt(workers ?? ''), perWorker: positiveInt(perWorker) };
  });
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
      new Option(
        '--strategies <list>',
        `strategies to compare in every mode, comma-separated (default: ${STRATEGY_NAMES.join(',')}; ` +
          `in mixed ${defaultBenchStrategies('mixed').join(',')}; add distributed with --redis)`,
      ).argParser(list(CRAWL_STRATEGY_NAMES, 'strategies')),
    )
    .addOption(
      new Option(
        '--modes <list>',
        `workloads, comma-separated (default: ${BENCH_MODES.join(',')})`,
      ).argParser(list<BenchMode>(BENCH_MODES, 'modes')),
    )
    .addOption(
      new Option(
        '-c, --concurrency <list>',
        'concurrency values: 8,64 for every non-serial strategy, async=16,64 for one, threads=2x32 for ' +
          'a hybrid pool of 2 workers of 32 tasks each (repeatable)',
      )
        .argParser(concurrencyList)
        .default(
          {},
          `io and cpu: async ${DEFAULT_ASYNC_CONCURRENCY}, pools one worker per CPU core; mixed: async ` +
            `${MIXED_IN_FLIGHT}, pools one worker per core × ${MIXED_IN_FLIGHT} in flight in all`,
        ),
    )
    .option(
      '--warmup <n>',
      withDefault(
        'unmeasured runs per cell',
        `${BENCH_DEFAULTS.warmup}; ${BENCH_DEFAULTS.ioWarmup} for async and the pools on the io workload, ${BENCH_DEFAULTS.poolWarmup} for threads, processes and distributed on the cpu and mixed workloads, ${BENCH_DEFAULTS.rawWarmup} for the raw ceiling`,
      ),
      nonNegativeInt,
    )
    .option(
      '--runs <n>',
      'measured runs of every cell, exactly: no extra rounds (default: at least --min-runs, up to --max-runs)',
      positiveInt,
    )
    .option(
      '--min-runs <n>',
      withDefault('measured runs of every cell, at least', BENCH_DEFAULTS.runs),
      positiveInt,
    )
    .option(
      '--max-runs <n>',
      withDefault(
        'measured runs of a cell, at most: a mode in which a median is less certain than --target-error runs more rounds of its cells while --budget lasts',
        BENCH_DEFAULTS.maxRuns,
      ),
      positiveInt,
    )
    .option(
      '--target-error <percent>',
      withDefault(
        "relative standard error of a cell's median that needs no more runs (0: run every cell to --max-runs)",
        `${BENCH_DEFAULTS.targetErrorPct}%`,
      ),
      percentOption('--target-error'),
    )
    .option(
      '--budget <duration>',
      withDefault(
        'wall time from the start that rounds beyond --min-runs must fit in (60s, 2m; 0: no rounds beyond --min-runs)',
        `${BENCH_DEFAULTS.budgetMs / 1000}s`,
      ),
      duration,
    )
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
      '--mixed-pages <n>',
      withDefault(
        'pages of the mixed site, all crawled per run without --depth',
        DEFAULT_MIXED_WORKLOAD.pages,
      ),
      positiveInt,
    )
    .option(
      '--mixed-cpu-work <rounds>',
      withDefault('extra CPU work per page in mixed mode', DEFAULT_MIXED_WORKLOAD.cpuWork),
      nonNegativeInt,
    )
    .option(
      '--extract <module>',
      "extraction code every crawl runs (as crawl --extract): bench the user's own parse under every strategy",
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
    .option('--no-noise-probe', 'skip the machine-noise probe (a fixed CPU job once per round)')
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
    .option(
      '--against <path>',
      'A/B bench: run the same matrix with the code of another crawlbench checkout at <path> ' +
        '(installed and built, e.g. the base branch in a git worktree) and with this one, ' +
        'interleaved A B B A; writes base.json, head.json and compare.md to --out, prints the ' +
        'comparison, and exits as compare does',
    )
    .option(
      '-t, --threshold <percent>',
      withDefault('with --against: change that counts (10% or 10)', `${DEFAULT_THRESHOLD_PCT}%`),
      thresholdPercent,
    )
    .option(
      '--out <dir>',
      'write result.json, report.md, report.csv and report.html to this directory ' +
        '(with --against: base.json, head.json and compare.md)',
    )
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
  // The time budget counts from here: reading the list and starting the helpers are in it.
  const startedAtMs = performance.now();
  const workload = (pages?: number, pageKb?: number, extra: Record<string, number | undefined> = {}) =>
    Object.fromEntries(
      Object.entries({ pages, pageKb, ...extra }).filter(
        (entry): entry is [string, number] => entry[1] !== undefined,
      ),
    );
  const options: BenchOptions = {
    ...(o.strategies !== undefined && { strategies: o.strategies }),
    ...(o.modes !== undefined && { modes: o.modes }),
    ...(Object.keys(o.concurrency).length > 0 && { concurrency: o.concurrency }),
    ...(o.warmup !== undefined && { warmup: o.warmup }),
    ...(o.runs !== undefined && { runs: o.runs }),
    ...(o.minRuns !== undefined && { minRuns: o.minRuns }),
    ...(o.maxRuns !== undefined && { maxRuns: o.maxRuns }),
    ...(o.targetError !== undefined && { targetErrorPct: o.targetError }),
    ...(o.budget !== undefined && { budgetMs: o.budget }),
    io: workload(o.ioPages, o.ioPageKb, { latencyMs: o.latency }),
    cpu: workload(o.cpuPages, o.cpuPageKb, { cpuWork: o.cpuWork }),
    mixed: workload(o.mixedPages, undefined, { cpuWork: o.mixedCpuWork }),
    ...(o.extract !== undefined && { extract: o.extract }),
    parse: o.parse,
    rawCeiling: o.rawCeiling,
    noiseProbe: o.noiseProbe,
    crawl: {
      ...(o.timeout !== undefined && { timeoutMs: o.timeout }),
      ...(o.retries !== undefined && { retries: o.retries }),
    },
    ...(o.depth !== undefined && { depth: o.depth }),
    ...((o.redis ?? io.env[REDIS_URL_ENV]) !== undefined && { redis: (o.redis ?? io.env[REDIS_URL_ENV])! }),
    ...(o.queueWorkers !== undefined && { queueWorkers: o.queueWorkers }),
    ...(listPath !== undefined && { list: await readList(listPath, io) }),
  };
  if (o.against !== undefined) {
    if (o.out === undefined) {
      throw new CrawlbenchError(
        'INVALID_OPTION',
        '`--against` writes base.json, head.json and compare.md: give `--out <dir>` for them',
      );
    }
    if (o.format !== 'md') {
      throw new CrawlbenchError(
        'INVALID_OPTION',
        `\`--against\` prints the comparison as Markdown; \`-f ${o.format}\` does not apply (the results are in --out)`,
      );
    }
  } else if (o.threshold !== undefined) {
    throw new CrawlbenchError('INVALID_OPTION', '`--threshold` applies to `--against` only');
  }
  if (o.out !== undefined) await makeOutputDir(o.out);

  // The first signal decides the exit code. Ctrl-C stops after the run in progress, which is kept;
  // a second signal stops now, killing the runs in progress (one may never end: extraction code
  // in an endless loop). SIGTERM and SIGHUP, which give no second chance, stop now.
  const stop = new AbortController();
  const abort = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const removeInterrupt = io.onSignal((signal) => {
    const first = stoppedBy === null;
    stoppedBy ??= signal;
    if (first && signal === 'SIGINT') {
      io.stderr.write(
        '\nstopping (SIGINT) after the run in progress (its result is kept; Ctrl-C again to stop now)\n',
      );
      stop.abort();
      return;
    }
    if (!abort.signal.aborted)
      io.stderr.write(`\nstopping (${signal}) now: the runs in progress are dropped\n`);
    stop.abort();
    abort.abort();
  });
  const progress = o.quiet ? undefined : (await import('../progress.js')).createBenchProgress(io.stderr);
  const hooks = {
    signal: stop.signal,
    abortSignal: abort.signal,
    onProgress: (p: BenchProgress) => progress?.update(p),
    env: io.env,
    cwd: process.cwd(),
    startedAtMs,
  };
  try {
    // Loaded on demand: the bench pulls in the whole crawler, the load generator and the reports.
    const bench = await import('../../bench/bench.js');
    let code: number;
    if (o.against !== undefined) {
      const ab = await bench.runBenchAgainst(options, o.against, hooks);
      progress?.stop();
      code = await writeAbResults(ab, o.out!, o.threshold ?? DEFAULT_THRESHOLD_PCT, io);
      await failIfStopped(ab.head, `base.json and head.json in ${o.out!}`);
      if (ab.head.state !== 'interrupted') return code;
    } else {
      const result = await bench.runBench(options, hooks);
      progress?.stop();
      await writeResult(result, o, io);
      await failIfStopped(result, o.out === undefined ? 'the report above' : join(o.out, 'result.json'));
      if (result.state !== 'interrupted') return EXIT.OK;
    }
    return exitCodeOfSignal(stoppedBy ?? 'SIGINT');
  } finally {
    progress?.stop();
    removeInterrupt();
  }
}

/**
 * A bench that a failure stopped (a helper that died, Redis gone) ends as that failure does, in
 * one line and with its exit code, once what it measured before has been written.
 */
async function failIfStopped(result: BenchResult, kept: string): Promise<void> {
  const { describeStop } = await import('../../reports/stopped-by.js');
  const stop = describeStop(result);
  if (result.stoppedBy && stop !== null) {
    throw new CrawlbenchError(
      result.stoppedBy.code,
      `bench stopped: ${stop}; the runs measured before it are kept (${kept}, state "interrupted")`,
    );
  }
}

/** Writes `text` to stdout, waiting until the OS has it. */
function print(io: CliIo, text: string): Promise<void> {
  // main.ts exits right after, and a pipe takes only 64 KiB at once (an HTML report, or a long
  // Markdown one, is more).
  return new Promise<void>((resolve, reject) => io.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/** Appends to the CI job summary, when there is one: one append, so a concurrent step cannot interleave. */
async function appendJobSummary(io: CliIo, markdown: string): Promise<void> {
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) await appendOutputFile(summaryFile, `${markdown}\n`, 'GITHUB_STEP_SUMMARY');
}

/** A plain bench's outputs: the reports in `--out`, the Markdown in the job summary, one report on stdout. */
async function writeResult(result: BenchResult, o: BenchCliOptions, io: CliIo): Promise<void> {
  const { REPORTERS } = await import('../../reports/registry.js');
  const markdown = REPORTERS.md.render(result);
  if (o.out !== undefined) {
    // result.json first: should the disk fill up, the others can be rendered again from it
    // (`crawlbench report`).
    for (const format of ['json', ...REPORT_FORMATS.filter((f) => f !== 'json')] as const) {
      const text = format === 'md' ? markdown : REPORTERS[format].render(result);
      await writeOutputFile(join(o.out, reportFileName(format)), text, 'report');
    }
  }
  await appendJobSummary(io, markdown);
  await print(io, o.format === 'md' ? markdown : REPORTERS[o.format].render(result));
}

/**
 * An A/B bench's outputs: base.json, head.json and compare.md in `out`; the comparison and the
 * head's full report in the job summary; the comparison on stdout. Returns compare's exit code.
 */
async function writeAbResults(
  ab: AbBenchResult,
  out: string,
  thresholdPct: number,
  io: CliIo,
): Promise<number> {
  const { compareResults, comparisonExitCode, renderComparisonMarkdown } =
    await import('../../reports/compare.js');
  const { REPORTERS } = await import('../../reports/registry.js');
  const comparison = compareResults(ab.base, ab.head, { thresholdPct });
  const markdown = renderComparisonMarkdown(comparison);
  await writeOutputFile(join(out, 'base.json'), REPORTERS.json.render(ab.base), 'result');
  await writeOutputFile(join(out, 'head.json'), REPORTERS.json.render(ab.head), 'result');
  await writeOutputFile(join(out, 'compare.md'), markdown, 'comparison');
  await appendJobSummary(io, `${markdown}\n${REPORTERS.md.render(ab.head)}`);
  await print(io, markdown);
  return comparisonExitCode(comparison);
}
