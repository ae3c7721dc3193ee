import { cellTimelineOf } from './timeline.js';
import { analyzeCells, baselineStrategy, type MeasuredCell, queueOverheads, verdict } from './analyze.js';
import type { BenchMeasurement, CellRuns } from './measure.js';
import {
  RAW_CEILING_CONCURRENCY,
  RAW_CEILING_DURATION_MS,
  RAW_CEILING_WORKLOAD,
  type ResolvedBenchOptions,
} from './options.js';
import type { RawCeilingCell, StrategyCell } from './plan.js';
import {
  BENCH_SCHEMA,
  BENCH_SCHEMA_VERSION,
  type BenchResult,
  type CellResult,
  type Environment,
  type MachineNoise,
  type RawCeiling,
  type Workload,
  type BenchMode,
} from './result.js';
import { queueCosts } from './queue-costs.js';
import { coefficientOfVariation, computeStats, pairedRatio, ratio } from './stats.js';

type StrategyRuns = StrategyCell & CellRuns;
type RawCeilingRuns = RawCeilingCell & CellRuns;

/** What a workload models, in a sentence; the report adds its numbers (pages, latency, sizes). */
function describeWorkload(mode: BenchMode, list: string | null): string {
  const what = list === null ? '' : `The list ${list}, `;
  switch (mode) {
    case 'io':
      return `${what}${list === null ? 'A slow site' : 'as it answers'} and a light parse: waiting dominates, so many requests in flight should win.`;
    case 'cpu':
      return `${what}${list === null ? 'A fast site' : 'as it answers'} and heavy parsing (extra CPU work per page): computing dominates, so parallel cores should win.`;
    case 'mixed':
      return `${what}${list === null ? 'A slow site' : 'as it answers'}, many requests in flight and a parse cost on every page: one thread cannot both keep them moving and parse them, so many requests in flight on every core (a hybrid pool) should win.`;
  }
}

const IO_IDEAL = 'latency as the site served it × ceil(pages / pages in flight)';
// The frontier finishes depth d before it starts d + 1, and reads robots.txt before the first page.
const IO_IDEAL_FOLLOW =
  'latency as the site served it × (1 round trip for robots.txt + the waves of each level: ' +
  'the sum over depths of ceil(pages at that depth / pages in flight)), since levels are barriers ' +
  '(the frontier finishes depth d before it starts d + 1); a lower bound';
const CPU_IDEAL = 'serial CPU time / min(workers × cores one serial crawl keeps busy, machine cores)';
const CPU_IDEAL_FOLLOW = `${CPU_IDEAL}; a lower bound, since levels are barriers and workers idle at the end of each`;
const MIXED_IDEAL =
  'the larger of the io ideal (latency × ceil(pages / pages in flight)) and the least CPU time any cell of the mode needed, spread over every core';

function idealText(mode: BenchMode, follow: boolean): string {
  if (mode === 'io') return follow ? IO_IDEAL_FOLLOW : IO_IDEAL;
  if (mode === 'cpu') return follow ? CPU_IDEAL_FOLLOW : CPU_IDEAL;
  return MIXED_IDEAL;
}

/**
 * Pages crawled per run of a mode: the list's length, or for a link-following bench what the
 * crawls reached (median records of the measured runs; of the warm-ups if an interrupt left none).
 */
function pagesCrawled(
  mode: BenchMode,
  cells: readonly StrategyRuns[],
  options: ResolvedBenchOptions,
): number {
  if (options.depth === null) return options.list?.urls.length ?? options.workloads[mode].pages;
  const runs = cells.filter((c) => c.mode === mode && c.follow !== null).flatMap((c) => c.samples);
  const measuredRuns = runs.filter((s) => !s.warmup);
  const counted = (measuredRuns.length > 0 ? measuredRuns : runs).map((s) => s.records);
  return counted.length === 0 ? 0 : computeStats(counted).median;
}

/** CPU cores the serial cell of a mode kept busy (CPU time / wall time, medians), or null. */
function serialCores(mode: BenchMode, cells: readonly StrategyRuns[]): number | null {
  const serial = cells.find((c) => c.mode === mode && c.strategy === 'serial' && c.parse);
  const measured = serial?.samples.filter((s) => !s.warmup) ?? [];
  if (measured.length === 0) return null;
  return (
    computeStats(measured.map((s) => s.cpuUserMs + s.cpuSystemMs)).median /
    computeStats(measured.map((s) => s.wallMs)).median
  );
}

function workloadOf(
  mode: BenchMode,
  cells: readonly StrategyRuns[],
  options: ResolvedBenchOptions,
): Workload {
  const w = options.workloads[mode];
  const follow = options.depth !== null;
  const baseline = baselineStrategy(cells.filter((c) => c.mode === mode));
  return {
    mode,
    pages: pagesCrawled(mode, cells, options),
    ...(follow && { depth: options.depth, seeds: options.list?.urls.length ?? 1 }),
    ...(follow && options.list === null && { sitePages: w.pages }),
    latencyMs: options.list ? 0 : w.latencyMs,
    pageKb: options.list ? 0 : w.pageKb,
    links: options.list ? 0 : w.links,
    cpuWork: w.cpuWork,
    description: describeWorkload(mode, options.list?.name ?? null),
    ideal: idealText(mode, follow),
    serialCores: serialCores(mode, cells),
    ...(baseline !== null && baseline !== 'serial' && { baseline }),
  };
}

/**
 * The part of a cell that goes into the result: analyzeCells spreads its input into each
 * CellResult, and the plan's URLs, site handle and runner are not part of the result format.
 */
function measuredCell(cell: CellRuns): MeasuredCell {
  const { id, mode, strategy, concurrency, perWorker, parse, samples } = cell;
  // Every build of an A/B bench starts as many queue workers: the first build's set says how many.
  const queueWorkers = cell.kind === 'strategy' ? cell.queueWorkers?.[0]?.count : undefined;
  return {
    id,
    mode,
    strategy,
    concurrency,
    perWorker,
    parse,
    samples,
    ...(queueWorkers !== undefined && { queueWorkers }),
  };
}

/** The raw ceiling's crawl cell as analysed, and its ratio to the load generator (or null). */
function rawCeilingOf(
  cell: RawCeilingRuns | undefined,
  loadSamples: readonly number[],
  cores: number,
): { cells: CellResult[]; rawCeiling: RawCeiling | null } {
  if (!cell) return { cells: [], rawCeiling: null };
  // A zero-latency, fetch-only crawl is CPU-bound by design: that is no news worth a flag.
  const cells = analyzeCells([measuredCell(cell)], [], cores).map((c) => ({
    ...c,
    flags: c.flags.filter((f) => f !== 'cpu-bound-in-io-mode'),
  }));
  const crawl = cells[0]!;
  const requestsPerSecond = computeStats(loadSamples);
  // No ratio without runs on both sides (an interrupt) or with a load generator that got nothing.
  if (crawl.wallMs.n === 0 || requestsPerSecond.mean <= 0) return { cells, rawCeiling: null };
  const crawlRuns = cell.samples.filter((s) => !s.warmup).map((s) => s.pagesPerSecond);
  const rawCeiling: RawCeiling = {
    tool: 'autocannon',
    connections: RAW_CEILING_CONCURRENCY,
    durationMs: RAW_CEILING_DURATION_MS,
    requestsPerSecond,
    requestsPerSecondByRound: loadSamples,
    cellId: cell.id,
    ratio: pairedRatio(crawlRuns, loadSamples) ?? ratio(crawl.pagesPerSecond, requestsPerSecond),
    site: { pages: RAW_CEILING_WORKLOAD.pages, pageKb: RAW_CEILING_WORKLOAD.pageKb, latencyMs: 0 },
  };
  return { cells, rawCeiling };
}

/** The noise probe's runs as a {@link MachineNoise}; null when the bench ran no probe or no measured round. */
function machineNoiseOf(measurement: BenchMeasurement, options: ResolvedBenchOptions): MachineNoise | null {
  const probe = options.noiseProbe;
  if (probe === null || measurement.noiseSamples.length === 0) return null;
  const wallMs = computeStats(measurement.noiseSamples);
  return {
    threads: probe.threads,
    rounds: probe.rounds,
    wallMs,
    wallMsByRound: measurement.noiseSamples,
    cv: coefficientOfVariation(wallMs),
  };
}

/**
 * The result of a bench from what it measured: the workloads, the analysed cells (the matrix's,
 * then the raw ceiling's), the raw ceiling, the queue overheads and costs, and a verdict per mode. Pure:
 * the environment and the creation time are given.
 */
export function assembleResult(
  options: ResolvedBenchOptions,
  measurement: BenchMeasurement,
  environment: Environment,
  createdAt: Date,
): BenchResult {
  const matrix = measurement.cells.filter((c) => c.kind === 'strategy');
  const workloads = options.modes.map((mode) => workloadOf(mode, matrix, options));
  const analysed = analyzeCells(matrix.map(measuredCell), workloads, environment.cores).map((cell, i) => {
    const timeline = cellTimelineOf(matrix[i]!);
    return timeline === null ? cell : { ...cell, timeline };
  });
  const raw = rawCeilingOf(
    measurement.cells.find((c) => c.kind === 'raw-ceiling'),
    measurement.loadSamples,
    environment.cores,
  );
  const costs = queueCosts(analysed);
  const verdicts: Partial<Record<BenchMode, string>> = {};
  for (const mode of options.modes) {
    const v = verdict(mode, analysed);
    if (v) verdicts[mode] = v;
  }
  return {
    schema: BENCH_SCHEMA,
    schemaVersion: BENCH_SCHEMA_VERSION,
    createdAt: createdAt.toISOString(),
    state: measurement.interrupted ? 'interrupted' : 'completed',
    stoppedBy: measurement.stoppedBy,
    environment,
    options: {
      strategies: options.strategies,
      modes: options.modes,
      concurrency: Object.fromEntries(
        Object.entries(options.concurrency).map(([strategy, values]) => [
          strategy,
          values.map((v) => (typeof v === 'number' ? v : `${v.workers}x${v.perWorker}`)),
        ]),
      ),
      warmup: options.warmup,
      ioWarmup: options.ioWarmup,
      poolWarmup: options.poolWarmup,
      rawWarmup: options.rawWarmup,
      runs: options.minRuns,
      maxRuns: options.maxRuns,
      targetErrorPct: options.targetErrorPct,
      budgetMs: options.budgetMs,
      list: options.list?.name ?? null,
      depth: options.depth,
    },
    workloads,
    cells: [...analysed, ...raw.cells],
    rawCeiling: raw.rawCeiling,
    machineNoise: machineNoiseOf(measurement, options),
    queueOverheads: queueOverheads(analysed, workloads),
    ...(costs.length > 0 && { queueCosts: costs }),
    verdicts,
    failures: measurement.failures,
  };
}
