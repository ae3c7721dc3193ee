import type { FixtureSiteProcess } from './fixture-site-process.js';
import { measureLoadGenerator } from './load-generator.js';
import { RAW_CEILING_CONCURRENCY, RAW_CEILING_DURATION_MS, type ResolvedBenchOptions } from './options.js';
import type { PlannedCell, RawCeilingCell } from './plan.js';
import type { BenchResult, RunSample } from './result.js';
import type { RunCrawlOptions, RunFailure } from './run-protocol.js';

/** Where the bench is, for a progress display. */
export interface BenchProgress {
  /** 1-based position of this run in the whole bench, and the number of runs in all. */
  readonly step: number;
  readonly steps: number;
  readonly cellId: string;
  readonly cell: number;
  readonly cells: number;
  /** 1-based run of the cell (warm-ups first) and runs per cell. */
  readonly run: number;
  readonly runs: number;
  readonly warmup: boolean;
  /** Pages/s (requests/s for the load generator) of the run that just finished. */
  readonly pagesPerSecond: number;
}

/** What measuring takes from its caller. */
export interface MeasureHooks {
  /** Aborting it ends the bench after the run in progress; the result is `interrupted`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BenchProgress) => void;
}

/** A page that failed in a measured run, and the cell it failed in. */
export type BenchFailure = BenchResult['failures'][number];

/** A planned cell with the runs measured of it, warm-ups first. */
export type CellRuns = PlannedCell & { readonly samples: readonly RunSample[] };

/** What the rounds measured. */
export interface BenchMeasurement {
  /** The cells in plan order. */
  readonly cells: readonly CellRuns[];
  /** Requests/s of the load generator in each measured round; empty without a raw ceiling. */
  readonly loadSamples: readonly number[];
  /** Page failures of the measured runs, the first {@link MAX_FAILURES} of them. */
  readonly failures: readonly BenchFailure[];
  /** Whether the signal stopped the bench before its last round. */
  readonly interrupted: boolean;
}

/** Failures kept for the report's details: enough to see a pattern, not a log. */
const MAX_FAILURES = 200;
/** The progress id of the raw ceiling's load generator, which has no cell of its own. */
const LOAD_GENERATOR_ID = 'raw/autocannon';

interface SiteReading {
  readonly cpuMs: number;
  readonly serviceMs: number;
  readonly answered: number;
}

async function readSite(site: FixtureSiteProcess | null): Promise<SiteReading> {
  if (!site) return { cpuMs: 0, serviceMs: 0, answered: 0 };
  const { cpu, stats } = await site.cpuUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1000, serviceMs: stats.serviceMs, answered: stats.answered };
}

function crawlOptionsOf(cell: PlannedCell, options: ResolvedBenchOptions): RunCrawlOptions {
  return {
    ...options.crawl,
    strategy: cell.strategy,
    mode: cell.mode,
    cpuWork: cell.cpuWork,
    parse: cell.parse,
    // A distributed cell's concurrency is its number of queue workers; `concurrency` would be the
    // coordinator's bound on queued tasks, left at its default.
    ...(cell.strategy === 'distributed' ? { redis: options.redis! } : { concurrency: cell.concurrency }),
  };
}

/**
 * One run of a cell: its crawl, and the CPU its site and queue workers spent meanwhile (read
 * before and after: they live in processes of their own, and serve other cells too).
 */
async function measureRun(
  cell: PlannedCell,
  round: number,
  warmup: boolean,
  options: ResolvedBenchOptions,
): Promise<{ sample: RunSample; failures: readonly RunFailure[] }> {
  const workers = cell.kind === 'strategy' ? cell.queueWorkers : null;
  const siteBefore = await readSite(cell.site);
  const workersBefore = await workers?.usage();
  await workers?.resume();
  const m = await cell.runner.measure(cell.urls, crawlOptionsOf(cell, options), cell.follow);
  await workers?.pause();
  const workersAfter = await workers?.usage();
  const workersCpuMs = workersAfter && workersBefore ? workersAfter.cpuMs - workersBefore.cpuMs : 0;
  const redisCpuMs =
    workersAfter?.redisCpuMs != null && workersBefore?.redisCpuMs != null
      ? workersAfter.redisCpuMs - workersBefore.redisCpuMs
      : null;
  const siteAfter = await readSite(cell.site);
  const answered = siteAfter.answered - siteBefore.answered;
  const s = m.summary;
  const sample: RunSample = {
    index: round,
    warmup,
    wallMs: s.wallMs,
    pagesPerSecond: s.pagesPerSecond,
    records: s.records,
    errors: s.failed,
    // Queue workers report CPU as one figure; it is counted as user time.
    cpuUserMs: m.userCpuMs + workersCpuMs,
    cpuSystemMs: m.systemCpuMs,
    peakRssBytes: m.peakRssBytes,
    childPeakRssBytes: workersAfter?.maxRssBytes ?? m.childPeakRssBytes,
    siteCpuMs: siteAfter.cpuMs - siteBefore.cpuMs,
    siteLatencyMs: answered > 0 ? (siteAfter.serviceMs - siteBefore.serviceMs) / answered : null,
    latency: { p50Ms: s.latency.p50Ms, p90Ms: s.latency.p90Ms, p99Ms: s.latency.p99Ms },
    ...(cell.follow !== null && { pagesByDepth: m.pagesByDepth }),
    // The runner's own CPU is the coordinator's: a distributed crawl has no child processes.
    ...(workers && { queue: { coordinatorCpuMs: m.userCpuMs + m.systemCpuMs, workersCpuMs, redisCpuMs } }),
  };
  return { sample, failures: m.failures };
}

/** The load generator's half of the raw ceiling: requests/s against one page of the cell's site. */
async function measureLoad(cell: RawCeilingCell): Promise<number> {
  const load = await measureLoadGenerator({
    url: `${cell.site.url}/page/0`,
    connections: RAW_CEILING_CONCURRENCY,
    durationMs: RAW_CEILING_DURATION_MS,
  });
  return load.requestsPerSecond;
}

/**
 * Runs every cell `warmup + runs` times, interleaved across cells (A B C D A B C D …) so that
 * drift on a noisy machine hits every strategy alike; with a raw ceiling, the load generator
 * runs last in each round. Never prints: progress goes to `hooks.onProgress`. An aborted signal
 * ends the bench after the run in progress.
 */
export async function measureCells(
  cells: readonly PlannedCell[],
  options: ResolvedBenchOptions,
  hooks: MeasureHooks,
): Promise<BenchMeasurement> {
  const rawCell = cells.find((c) => c.kind === 'raw-ceiling');
  const samples = cells.map((): RunSample[] => []);
  const loadSamples: number[] = [];
  const failures: BenchFailure[] = [];
  const rounds = options.warmup + options.runs;
  const perRound = cells.length + (rawCell ? 1 : 0);
  let step = 0;
  const progress = (cellId: string, cell: number, round: number, pagesPerSecond: number): void =>
    hooks.onProgress?.({
      step: ++step,
      steps: rounds * perRound,
      cellId,
      cell,
      cells: perRound,
      run: round + 1,
      runs: rounds,
      warmup: round < options.warmup,
      pagesPerSecond,
    });
  let interrupted = false;
  outer: for (let round = 0; round < rounds; round++) {
    const warmup = round < options.warmup;
    for (const [index, cell] of cells.entries()) {
      if (hooks.signal?.aborted) {
        interrupted = true;
        break outer;
      }
      const run = await measureRun(cell, round, warmup, options);
      samples[index]!.push(run.sample);
      if (!warmup) {
        for (const f of run.failures)
          if (failures.length < MAX_FAILURES) failures.push({ cellId: cell.id, ...f });
      }
      progress(cell.id, index + 1, round, run.sample.pagesPerSecond);
    }
    if (rawCell && !hooks.signal?.aborted) {
      const requestsPerSecond = await measureLoad(rawCell);
      if (!warmup) loadSamples.push(requestsPerSecond);
      progress(LOAD_GENERATOR_ID, perRound, round, requestsPerSecond);
    }
  }
  return {
    cells: cells.map((cell, index) => ({ ...cell, samples: samples[index]! })),
    loadSamples,
    failures,
    interrupted,
  };
}
