import type { BenchBuild, BuildRole } from './builds.js';
import type { FixtureSiteProcess } from './fixture-site-process.js';
import {
  LOAD_GENERATOR_WARMUPS,
  RAW_CEILING_CONCURRENCY,
  RAW_CEILING_DURATION_MS,
  type ResolvedBenchOptions,
} from './options.js';
import type { PlannedCell, RawCeilingCell } from './plan.js';
import { startCpuSampler, type CpuReading } from './cpu-sampler.js';
import {
  type BenchResult,
  type BenchStop,
  type RunSample,
  TIMELINE_MAX_PAGES,
  TIMELINE_MAX_SAMPLES,
} from './result.js';
import { CrawlbenchError, type EnvironmentErrorCode } from '../crawler/errors.js';
import type { RunCrawlOptions, RunFailure, RunTimeline } from './run-protocol.js';
import { readHostStealMs } from './host-steal.js';
import type { NoiseProbe } from './noise-probe.js';
import { computeStats, medianRelativeError } from './stats.js';

/** Where the bench is, for a progress display. */
export interface BenchProgress {
  /**
   * Runs finished so far, this one included, and the number of runs in all. (Runs that go at once,
   * the warm-ups of a round, finish in any order; a sample's `sequence` is the order they started.)
   */
  readonly step: number;
  readonly steps: number;
  readonly cellId: string;
  readonly cell: number;
  readonly cells: number;
  /** 1-based run of the cell (warm-ups first) and runs per cell. */
  readonly run: number;
  readonly runs: number;
  readonly warmup: boolean;
  /** The build the run crawled with, in an A/B bench (`bench --against`); absent otherwise. */
  readonly build?: BuildRole;
  /** Pages/s (requests/s for the load generator) of the run that just finished. */
  readonly pagesPerSecond: number;
}

/** What measuring takes from its caller. */
export interface MeasureHooks {
  /** Aborting it ends the bench after the run in progress; the result is `interrupted`. */
  readonly signal?: AbortSignal;
  /**
   * Aborting it ends the bench at once: the cell runners are killed, the runs in progress with
   * them (they are not recorded), and the result is `interrupted` with what ended before. For a
   * second Ctrl-C, or a SIGTERM, when the run in progress may never end. Implies `signal`.
   */
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (progress: BenchProgress) => void;
  /**
   * `performance.now()` when the bench started (before its helpers did): the time budget
   * (`budgetMs`) counts from it. @default when measuring starts
   */
  readonly startedAtMs?: number;
}

/** A page that failed in a measured run, and the cell it failed in. */
export type BenchFailure = BenchResult['failures'][number];

/** A planned cell with the runs measured of it, warm-ups first, and what each did over time. */
export type CellRuns = PlannedCell & {
  readonly samples: readonly RunSample[];
  /** Aligned with `samples`: the run's timeline (null for a raw-ceiling run). */
  readonly timelines: readonly (MeasuredTimeline | null)[];
};

/** A run's pages and the CPU readings taken meanwhile, as measured. */
export interface MeasuredTimeline {
  readonly run: RunTimeline;
  readonly cpu: readonly CpuReading[];
}

/** How often the cores in use are sampled during a run. */
export const CPU_SAMPLE_MS = 50;

/** What the rounds measured with one build. */
export interface BenchMeasurement {
  /** The cells in plan order. */
  readonly cells: readonly CellRuns[];
  /** Requests/s of the load generator in each measured round; empty without a raw ceiling. */
  readonly loadSamples: readonly number[];
  /** Wall times of the noise probe in each measured round, in ms; empty without a probe. */
  readonly noiseSamples: readonly number[];
  /** Page failures of the measured runs, the first {@link MAX_FAILURES} of them. */
  readonly failures: readonly BenchFailure[];
  /** Whether the signal, or a failure, stopped the bench before its last round. */
  readonly interrupted: boolean;
  /** The failure that stopped it, if one did (see `BenchResult.stoppedBy`). */
  readonly stoppedBy: BenchStop | null;
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
    // The crawl's own modes: `mixed` is the cpu mode (its extra work per page) on a slow site.
    mode: cell.mode === 'io' ? 'io' : 'cpu',
    cpuWork: cell.cpuWork,
    parse: cell.parse,
    ...(cell.perWorker > 1 && { perWorker: cell.perWorker }),
    ...(options.extract !== null && { extract: options.extract }),
    // A distributed cell's concurrency is its number of queue workers; `concurrency` would be the
    // coordinator's bound on queued tasks, left at its default.
    ...(cell.strategy === 'distributed' ? { redis: options.redis! } : { concurrency: cell.concurrency }),
  };
}

/** Where a run sits in the bench. */
interface RunPlace {
  /** 0-based run of the cell (warm-ups first): its sample's index. */
  readonly run: number;
  readonly warmup: boolean;
  /** Index of the build among the bench's builds (the cell's runner and queue workers). */
  readonly build: number;
  /** 1-based position of the run in the whole bench. */
  readonly sequence: number;
  /** The harness's clock: ms since the bench's first run started. */
  readonly clock: () => number;
}

/**
 * One run of a cell with one build: its crawl, and the CPU its site and queue workers spent
 * meanwhile (read before and after: they live in processes of their own, and serve other cells too).
 */
async function measureRun(
  cell: PlannedCell,
  place: RunPlace,
  options: ResolvedBenchOptions,
): Promise<{ sample: RunSample; failures: readonly RunFailure[]; timeline: MeasuredTimeline | null }> {
  const { run, warmup } = place;
  const startMs = place.clock();
  const runner = cell.runners[place.build]!;
  const workers = cell.kind === 'strategy' ? (cell.queueWorkers?.[place.build] ?? null) : null;
  const siteBefore = await readSite(cell.site);
  const stealBefore = readHostStealMs();
  const workersBefore = await workers?.usage();
  await workers?.resume();
  // The raw ceiling measures the harness at full speed: no timeline for it.
  const keepTimeline = cell.kind === 'strategy';
  const sampler = keepTimeline
    ? startCpuSampler(runner.pid, cell.site?.pid, CPU_SAMPLE_MS, TIMELINE_MAX_SAMPLES)
    : null;
  // A warm-up crawls the whole list, as a measured run does: with a quarter of it (at least 8
  // pages) the first measured run of most cells was still the slowest of their five (JIT tiers
  // still compiling in the cell's process and threads), and the medians of two benches moved more.
  const urls = cell.urls;
  const m = await runner
    .measure(urls, crawlOptionsOf(cell, options), cell.follow, keepTimeline ? TIMELINE_MAX_PAGES : 0)
    .finally(() => sampler?.stop());
  const cpu = sampler?.stop() ?? [];
  const stealAfter = readHostStealMs();
  await workers?.pause();
  const workersAfter = await workers?.usage();
  const workersCpuMs = workersAfter && workersBefore ? workersAfter.cpuMs - workersBefore.cpuMs : 0;
  const redisCpuMs =
    workersAfter?.redisCpuMs != null && workersBefore?.redisCpuMs != null
      ? workersAfter.redisCpuMs - workersBefore.redisCpuMs
      : null;
  const siteAfter = await readSite(cell.site);
  const endMs = place.clock();
  const answered = siteAfter.answered - siteBefore.answered;
  const s = m.summary;
  const sample: RunSample = {
    index: run,
    sequence: place.sequence,
    startMs,
    endMs,
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
    hostStealMs: stealBefore === null || stealAfter === null ? null : stealAfter - stealBefore,
    ...(cell.follow !== null && { pagesByDepth: m.pagesByDepth }),
    // The runner's own CPU is the coordinator's: a distributed crawl has no child processes.
    ...(workers && { queue: { coordinatorCpuMs: m.userCpuMs + m.systemCpuMs, workersCpuMs, redisCpuMs } }),
  };
  return { sample, failures: m.failures, timeline: m.timeline ? { run: m.timeline, cpu } : null };
}

/** The load generator's half of the raw ceiling: requests/s against one page of the cell's site. */
async function measureLoad(cell: RawCeilingCell): Promise<number> {
  const load = await cell.loadGenerator.measure({
    url: `${cell.site.url}/page/0`,
    connections: RAW_CEILING_CONCURRENCY,
    durationMs: RAW_CEILING_DURATION_MS,
  });
  return load.requestsPerSecond;
}

/**
 * The cells of the next extra round, by index: every cell of a mode in which some cell
 * {@link needsMoreRuns}, so that a mode's cells keep measuring in the same rounds and its ratios
 * (each cell against its serial or async baseline) stay measured side by side, under the same
 * drift. The cells of a mode have run as many rounds as each other, so they reach `maxRuns`
 * together. Never the raw ceiling.
 */
export function cellsForExtraRound(
  cells: readonly Pick<PlannedCell, 'kind' | 'mode'>[],
  wallMs: (index: number) => readonly (readonly number[])[],
  options: Pick<ResolvedBenchOptions, 'maxRuns' | 'targetErrorPct'>,
): number[] {
  const indices = cells.map((_, index) => index);
  const modes = new Set(
    indices.filter((i) => needsMoreRuns(cells[i]!, wallMs(i), options)).map((i) => cells[i]!.mode),
  );
  return indices.filter((i) => cells[i]!.kind !== 'raw-ceiling' && modes.has(cells[i]!.mode));
}

/**
 * What the bench does after its last round, counted against its budget: the result, closing the
 * helpers and writing the reports (about 0.5 s on the project's machines), and a round that takes
 * longer than the medians it was planned by (the noisiest cells' runs vary by 10% or more).
 */
const CLOSING_ALLOWANCE_MS = 1_500;

/**
 * Whether a cell runs another round: some build's measured wall times give a median less certain
 * than `targetErrorPct` (`medianRelativeError`), and that build has runs left under `maxRuns`. The
 * raw ceiling never does: its ratio pairs each crawl with a second of autocannon, and it is
 * judged by that ratio's spread, not by one median.
 */
export function needsMoreRuns(
  cell: Pick<PlannedCell, 'kind'>,
  wallMsByBuild: readonly (readonly number[])[],
  options: Pick<ResolvedBenchOptions, 'maxRuns' | 'targetErrorPct'>,
): boolean {
  if (cell.kind === 'raw-ceiling') return false;
  return wallMsByBuild.some(
    (wallMs) => wallMs.length < options.maxRuns && medianRelativeError(wallMs) * 100 > options.targetErrorPct,
  );
}

/**
 * The order the builds run a cell in, round by round: A B, then B A, then A B… (A B B A A B B A
 * over the rounds), so that a machine whose speed drifts during the bench slows both builds
 * alike: over each pair of rounds a linear drift adds the same to both sides.
 */
export function buildOrder(round: number, builds: number): number[] {
  const order = Array.from({ length: builds }, (_, i) => i);
  return round % 2 === 0 ? order : order.reverse();
}

/**
 * Runs every cell its `warmup` runs and then `minRuns` measured ones with every build, and more
 * rounds of the cells that {@link needsMoreRuns} while the budget lasts. Nothing of a
 * warm-up is measured, so on the embedded site every cell and build runs its warm-ups one after
 * another, all of them at once: the IO waits of one overlap the CPU of another, and the phase ends
 * when the machine has done their work, not when the slowest run of each round ends. A cell that
 * warms up alone (PlannedCell.warmsUpAlone: distributed, or any list) runs its warm-ups next, one
 * at a time, in rounds. Then the measured rounds, each run alone, interleaved across cells (A B C
 * D A B C D …) so that drift on a noisy machine hits every strategy alike, and within a cell
 * across builds in {@link buildOrder}. With a raw ceiling, the load generator runs last in each
 * round (its requests/s are shared by the builds: it is the harness's), then the noise `probe`
 * (the machine's own spread, round by round); both warm up after the cells (the load in
 * LOAD_GENERATOR_WARMUPS runs, the probe in one), and the raw ceiling's last warm-up crawl waits
 * for the load generator's (`rawLastWarmup`). After `minRuns`
 * rounds, a round of the modes in which some median is not yet within `targetErrorPct`
 * ({@link cellsForExtraRound}) starts when the medians of their cells' runs so far (with the
 * probe's) say it ends within `budgetMs` of `hooks.startedAtMs`; each round drops the modes whose
 * cells all got there. Never prints:
 * progress goes to `hooks.onProgress`. An aborted signal ends the bench after the runs in progress.
 *
 * @returns one measurement per build, in the order of `builds`.
 */
export async function measureCells(
  cells: readonly PlannedCell[],
  options: ResolvedBenchOptions,
  hooks: MeasureHooks,
  builds: readonly BenchBuild[],
  probe: NoiseProbe | null = null,
): Promise<BenchMeasurement[]> {
  const rawCell = cells.find((c) => c.kind === 'raw-ceiling');
  const perBuild = builds.map(() => ({
    samples: cells.map((): RunSample[] => []),
    timelines: cells.map((): (MeasuredTimeline | null)[] => []),
    /** How long each measured run took in the harness, start to end: what another round costs. */
    costs: cells.map((): number[] => []),
    failures: [] as BenchFailure[],
  }));
  const loadSamples: number[] = [];
  const noiseSamples: number[] = [];
  // The load generator and the noise probe warm up when anything does: the load in
  // LOAD_GENERATOR_WARMUPS runs, the probe in one.
  const warmsUp = cells.some((c) => c.warmup > 0);
  const loadWarmup = warmsUp ? LOAD_GENERATOR_WARMUPS : 0;
  /** Runs in all, as far as they are planned: extra rounds add theirs when they start. */
  let steps =
    cells.reduce((n, c) => n + (c.warmup + options.minRuns) * builds.length, 0) +
    (rawCell ? loadWarmup + options.minRuns : 0);
  /** Runs started (their sequence numbers) and finished so far. */
  let step = 0;
  let finished = 0;
  const progress = (
    cellId: string,
    cell: number,
    run: number,
    runs: number,
    warmup: boolean,
    pagesPerSecond: number,
    build: BenchBuild | null,
  ): void =>
    hooks.onProgress?.({
      step: ++finished,
      steps,
      cellId,
      cell,
      cells: cells.length + (rawCell ? 1 : 0),
      run: run + 1,
      runs,
      warmup,
      ...(build !== null && builds.length > 1 && { build: build.role }),
      pagesPerSecond,
    });
  const origin = performance.now();
  const deadline = (hooks.startedAtMs ?? origin) + options.budgetMs - CLOSING_ALLOWANCE_MS;
  /** One run of a cell with one build, numbered as it starts, recorded as it ends. */
  const runOnce = async (index: number, run: number, warmup: boolean, build: number): Promise<void> => {
    const cell = cells[index]!;
    const sequence = ++step;
    const clock = (): number => performance.now() - origin;
    const startMs = performance.now();
    let measured: Awaited<ReturnType<typeof measureRun>>;
    try {
      measured = await measureRun(cell, { run, warmup, build, sequence, clock }, options);
    } catch (error) {
      stopOn(error, cell.id, builds[build]!);
      return;
    }
    const into = perBuild[build]!;
    if (!warmup) into.costs[index]!.push(performance.now() - startMs);
    into.samples[index]!.push(measured.sample);
    into.timelines[index]!.push(measured.timeline);
    if (!warmup) {
      for (const f of measured.failures)
        if (into.failures.length < MAX_FAILURES) into.failures.push({ cellId: cell.id, ...f });
    }
    const runs = cell.warmup + Math.max(options.minRuns, run + 1);
    progress(cell.id, index + 1, run, runs, warmup, measured.sample.pagesPerSecond, builds[build]!);
  };
  /** Whether a run or round was left out because the bench was aborted, or a failure stopped it. */
  let interrupted = false;
  /** Asked before each run: true, and the bench interrupted, once the signal has aborted. */
  const stopped = (): boolean => {
    if (hooks.signal?.aborted || hooks.abortSignal?.aborted) interrupted = true;
    return interrupted;
  };
  // Told to stop now: every runner goes, and the runs in progress end as they do (see runOnce).
  const killRunners = (): void => {
    for (const cell of cells) for (const runner of cell.runners) runner.kill();
  };
  hooks.abortSignal?.addEventListener('abort', killRunners, { once: true });
  let stoppedBy: BenchStop | null = null;
  /**
   * A failure of the environment in a run (a cell runner that died, Redis gone, the load
   * generator or the probe failing; a pool's worker that dies is replaced by its pool, and its page
   * is an error record) stops the bench as a signal does: no run starts
   * after it, the runs in progress end, and everything measured is kept, with the first such
   * failure as `stoppedBy`. Anything else (a usage error, which every run would repeat, or a bug)
   * still fails the bench. After an abort, whatever a killed run threw is no failure: the bench
   * was told to stop now.
   */
  const stopOn = (error: unknown, cellId: string | null, build: BenchBuild | null): void => {
    if (hooks.abortSignal?.aborted) {
      interrupted = true;
      return;
    }
    if (!(error instanceof CrawlbenchError) || error.kind !== 'environment') throw error;
    stoppedBy ??= {
      cellId,
      build: build !== null && builds.length > 1 ? build.role : null,
      // Of the environment's codes, as its kind says.
      code: error.code as EnvironmentErrorCode,
      message: error.message,
    };
    interrupted = true;
  };
  /** How long each probe took, with its overhead: what it adds to an extra round. */
  const probeCosts: number[] = [];
  /**
   * A run of the load generator: once per round the raw ceiling's crawl ran in, after the cells,
   * and its warm-up. Its requests/s kept only if measured.
   */
  const loadRun = async (run: number, warmup: boolean): Promise<void> => {
    if (!rawCell || stopped()) return;
    step++;
    let requestsPerSecond: number;
    try {
      requestsPerSecond = await measureLoad(rawCell);
    } catch (error) {
      stopOn(error, LOAD_GENERATOR_ID, null);
      return;
    }
    if (!warmup) loadSamples.push(requestsPerSecond);
    progress(
      LOAD_GENERATOR_ID,
      cells.length + 1,
      run,
      loadWarmup + options.minRuns,
      warmup,
      requestsPerSecond,
      null,
    );
  };
  /** The machine's own noise in a round, after every cell of it and the load: nothing else runs meanwhile. */
  const probeRun = async (warmup: boolean): Promise<void> => {
    if (!probe || stopped()) return;
    const startMs = performance.now();
    let wallMs: number;
    try {
      wallMs = await probe.measure();
    } catch (error) {
      stopOn(error, null, null);
      return;
    }
    probeCosts.push(performance.now() - startMs);
    if (!warmup) noiseSamples.push(wallMs);
  };
  const rawIndex = rawCell ? cells.indexOf(rawCell) : -1;
  /**
   * The raw ceiling's last warm-up crawl, which waits for the load generator's warm-up (alone,
   * after every other warm-up) instead of ending the raw ceiling's chain: the site's first crawl
   * after its first load cost it 1.3-1.5x the CPU of its later ones (629-791 ms against 382-548
   * ms, in six benches), and that crawl was the first measured one. With the load's warm-up in the
   * chain instead, among the other cells' warm-ups, its first measured runs gave 4,800-9,200
   * requests/s against 10,300-11,700 later. -1: none waits (no raw ceiling, or no warm-up).
   */
  const rawLastWarmup = rawCell && loadWarmup > 0 ? rawCell.warmup - 1 : -1;
  /** A cell's measured wall times so far, per build. */
  const wallTimes = (index: number): number[][] =>
    perBuild.map((b) => b.samples[index]!.filter((s) => !s.warmup).map((s) => s.wallMs));
  /** What a round of a cell costs: the median of its measured runs, start to end, for every build. */
  const roundCost = (index: number): number =>
    perBuild.reduce((ms, b) => ms + computeStats(b.costs[index]!).median, 0);
  const indices = cells.map((_, index) => index);

  // Warm-ups together: one chain of runs per cell and build, every chain at once, numbered as they
  // start (the first runs in cell order, each cell's builds in order).
  const chains = indices.filter((index) => !cells[index]!.warmsUpAlone);
  await Promise.all(
    chains.flatMap((index) =>
      builds.map(async (_, build) => {
        const runs = index === rawIndex && rawLastWarmup >= 0 ? rawLastWarmup : cells[index]!.warmup;
        for (let run = 0; run < runs && !stopped(); run++) await runOnce(index, run, true, build);
      }),
    ),
  );
  // Warm-ups alone, in rounds: a cell with fewer joins later, so all end in the same last round.
  const alone = indices.filter((index) => cells[index]!.warmsUpAlone);
  const aloneRounds = Math.max(0, ...alone.map((index) => cells[index]!.warmup));
  for (let round = 0; round < aloneRounds; round++) {
    for (const index of alone) {
      const run = round - (aloneRounds - cells[index]!.warmup);
      if (run < 0) continue;
      for (const build of buildOrder(run, builds.length))
        if (!stopped()) await runOnce(index, run, true, build);
    }
  }
  if (warmsUp) {
    for (let run = 0; run < loadWarmup; run++) await loadRun(run, true);
    if (rawLastWarmup >= 0)
      for (const build of buildOrder(rawLastWarmup, builds.length))
        if (!stopped()) await runOnce(rawIndex, rawLastWarmup, true, build);
    await probeRun(true);
  }
  // The measured rounds, every run alone: `minRuns` of every cell, then the extra rounds.
  for (let round = 0; round < options.maxRuns && !stopped(); round++) {
    let due = indices;
    if (round >= options.minRuns) {
      due = cellsForExtraRound(cells, wallTimes, options);
      const cost = due.reduce((ms, index) => ms + roundCost(index), computeStats(probeCosts).median);
      if (due.length === 0 || performance.now() + cost > deadline) break;
      steps += due.length * builds.length;
    }
    for (const index of due) {
      const run = cells[index]!.warmup + round;
      for (const build of buildOrder(run, builds.length))
        if (!stopped()) await runOnce(index, run, false, build);
    }
    if (round < options.minRuns) await loadRun(loadWarmup + round, false);
    await probeRun(false);
  }
  hooks.abortSignal?.removeEventListener('abort', killRunners);
  return perBuild.map((measured) => ({
    cells: cells.map((cell, index) => ({
      ...cell,
      samples: measured.samples[index]!,
      timelines: measured.timelines[index]!,
    })),
    loadSamples,
    noiseSamples,
    failures: measured.failures,
    interrupted,
    stoppedBy,
  }));
}
