import type { FollowOptions } from '../crawler/frontier/options.js';
import type { CrawlMode } from '../crawler/types.js';
import { analyzeCells, type MeasuredCell, queueOverheads, verdict } from './analyze.js';
import { describeEnvironment } from './environment.js';
import { type FixtureSiteProcess, startFixtureSiteProcess } from './fixture-site-process.js';
import { measureLoadGenerator } from './load-generator.js';
import {
  type BenchOptions,
  followOptionsOf,
  RAW_CEILING_CONCURRENCY,
  RAW_CEILING_DURATION_MS,
  RAW_CEILING_WORKLOAD,
  type ResolvedBenchOptions,
  resolveBenchOptions,
  type WorkloadSettings,
} from './options.js';
import {
  BENCH_SCHEMA,
  BENCH_SCHEMA_VERSION,
  type BenchResult,
  type RawCeiling,
  type RunSample,
  type Workload,
} from './result.js';
import { type QueueWorkers, startQueueWorkers } from './queue-workers.js';
import { CrawlRunner } from './run-crawl.js';
import { computeStats, ratio } from './stats.js';

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

export interface BenchHooks {
  /** Aborting it ends the bench after the run in progress; the result is `interrupted`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Environment variables (CI detection, GITHUB_SHA) and the working directory (git commit). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const MAX_FAILURES = 200;
const LOAD_GENERATOR_ID = 'raw/autocannon';

interface PlannedCell extends MeasuredCell {
  /** The list, or the seeds when the cell follows links. */
  readonly urls: readonly string[];
  readonly follow: FollowOptions | null;
  readonly site: FixtureSiteProcess | null;
  readonly cpuWork: number;
  readonly samples: RunSample[];
  readonly runner: CrawlRunner;
  /** The local queue workers of a `distributed` cell, started once and kept across its runs. */
  readonly queueWorkers: QueueWorkers | null;
}

/** What a workload models, in a sentence; the report adds its numbers (pages, latency, sizes). */
function describeWorkload(mode: CrawlMode, list: string | null): string {
  const what = list === null ? '' : `The list ${list}, `;
  return mode === 'io'
    ? `${what}${list === null ? 'A slow site' : 'as it answers'} and a light parse: waiting dominates, so many requests in flight should win.`
    : `${what}${list === null ? 'A fast site' : 'as it answers'} and heavy parsing (extra CPU work per page): computing dominates, so parallel cores should win.`;
}

const IO_IDEAL = 'latency as the site served it × ceil(pages / pages in flight)';
// The frontier finishes depth d before it starts d + 1, and reads robots.txt before the first page.
const IO_IDEAL_FOLLOW =
  'latency as the site served it × (1 round trip for robots.txt + the waves of each level: ' +
  'the sum over depths of ceil(pages at that depth / pages in flight)), since levels are barriers ' +
  '(the frontier finishes depth d before it starts d + 1); a lower bound';
const CPU_IDEAL = 'serial CPU time / min(workers × cores one serial crawl keeps busy, machine cores)';
const CPU_IDEAL_FOLLOW = `${CPU_IDEAL}; a lower bound, since levels are barriers and workers idle at the end of each`;

function workloadOf(
  mode: CrawlMode,
  options: ResolvedBenchOptions,
  serialCores: number | null,
  pages: number,
  seeds: number,
): Workload {
  const w = options.workloads[mode];
  const follow = options.depth !== null;
  return {
    mode,
    pages,
    ...(follow && { depth: options.depth, seeds }),
    ...(follow && options.list === null && { sitePages: w.pages }),
    latencyMs: options.list ? 0 : w.latencyMs,
    pageKb: options.list ? 0 : w.pageKb,
    links: options.list ? 0 : w.links,
    cpuWork: w.cpuWork,
    description: describeWorkload(mode, options.list?.name ?? null),
    ideal: mode === 'io' ? (follow ? IO_IDEAL_FOLLOW : IO_IDEAL) : follow ? CPU_IDEAL_FOLLOW : CPU_IDEAL,
    serialCores,
  };
}

/**
 * Pages crawled per run of a mode: the list's length, or for a link-following bench what the
 * crawls reached (median records of the measured runs; of the warm-ups if an interrupt left none).
 */
function pagesCrawled(mode: CrawlMode, cells: readonly PlannedCell[], options: ResolvedBenchOptions): number {
  if (options.depth === null) return options.list?.urls.length ?? options.workloads[mode].pages;
  const runs = cells.filter((c) => c.mode === mode && c.follow !== null).flatMap((c) => c.samples);
  const measuredRuns = runs.filter((s) => !s.warmup);
  const counted = (measuredRuns.length > 0 ? measuredRuns : runs).map((s) => s.records);
  return counted.length === 0 ? 0 : computeStats(counted).median;
}

/**
 * The part of a planned cell that goes into the result: analyzeCells spreads its input into each
 * CellResult, and the plan's URLs, site handle and runner are not part of the result format.
 */
function measuredCell(cell: PlannedCell): MeasuredCell {
  const { id, mode, strategy, concurrency, parse, samples } = cell;
  return { id, mode, strategy, concurrency, parse, samples };
}

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

/**
 * Runs the matrix: every cell `warmup + runs` times, interleaved across cells (A B C D A B C D …)
 * so that drift on a noisy machine hits every strategy alike. Each crawl runs in a fresh process;
 * the fixture sites run in processes of their own. Measuring never prints: progress goes to
 * `hooks.onProgress`.
 */
export async function runBench(options: BenchOptions, hooks: BenchHooks): Promise<BenchResult> {
  const resolved = resolveBenchOptions(options);
  const sites: FixtureSiteProcess[] = [];
  const runners: CrawlRunner[] = [];
  const track = (runner: CrawlRunner): CrawlRunner => {
    runners.push(runner);
    return runner;
  };
  const queueWorkers: QueueWorkers[] = [];
  const trackWorkers = (workers: QueueWorkers): QueueWorkers => {
    queueWorkers.push(workers);
    return workers;
  };
  const startSite = async (w: WorkloadSettings): Promise<FixtureSiteProcess> => {
    const site = await startFixtureSiteProcess({
      pages: w.pages,
      latencyMs: w.latencyMs,
      pageKb: w.pageKb,
      links: w.links,
    });
    sites.push(site);
    return site;
  };
  try {
    const cells: PlannedCell[] = [];
    for (const mode of resolved.modes) {
      const w = resolved.workloads[mode];
      const site = resolved.list ? null : await startSite(w);
      // Following links, the embedded site is crawled from its first page (which links on to the
      // next, so every page is reachable); a list's URLs are the seeds.
      const urls = resolved.list
        ? resolved.list.urls
        : resolved.depth === null
          ? site!.urlList()
          : [site!.urls().next().value!];
      for (const strategy of resolved.strategies) {
        for (const concurrency of resolved.concurrency[strategy]) {
          const id = `${mode}/${strategy}/${concurrency}${resolved.parse ? '' : '/fetch-only'}`;
          cells.push({
            id,
            mode,
            strategy,
            concurrency,
            parse: resolved.parse,
            urls,
            follow: resolved.depth === null ? null : followOptionsOf(resolved.depth),
            site,
            cpuWork: w.cpuWork,
            samples: [],
            runner: track(new CrawlRunner()),
            queueWorkers:
              strategy === 'distributed'
                ? trackWorkers(await startQueueWorkers(concurrency, resolved.redis!))
                : null,
          });
        }
      }
    }
    let rawSite: FixtureSiteProcess | null = null;
    const loadSamples: number[] = [];
    if (resolved.rawCeiling) {
      rawSite = await startSite(RAW_CEILING_WORKLOAD);
      const c = RAW_CEILING_CONCURRENCY;
      cells.push({
        id: `raw/async/${c}/fetch-only`,
        mode: 'io',
        strategy: 'async',
        concurrency: c,
        parse: false,
        urls: rawSite.urlList(),
        // A fetch-only crawl of the whole list, whatever the bench's workload: it measures the harness.
        follow: null,
        site: rawSite,
        cpuWork: 0,
        samples: [],
        runner: track(new CrawlRunner()),
        queueWorkers: null,
      });
    }

    const rounds = resolved.warmup + resolved.runs;
    const perRound = cells.length + (rawSite ? 1 : 0);
    const failures: BenchResult['failures'][number][] = [];
    let step = 0;
    let interrupted = false;
    outer: for (let round = 0; round < rounds; round++) {
      const warmup = round < resolved.warmup;
      for (const [index, cell] of cells.entries()) {
        if (hooks.signal?.aborted) {
          interrupted = true;
          break outer;
        }
        const siteBefore = await readSite(cell.site);
        const workersBefore = await cell.queueWorkers?.usage();
        await cell.queueWorkers?.resume();
        const m = await cell.runner.measure(
          cell.urls,
          {
            ...resolved.crawl,
            strategy: cell.strategy,
            mode: cell.mode,
            cpuWork: cell.cpuWork,
            parse: cell.parse,
            // A distributed cell's concurrency is its number of queue workers; `concurrency` would
            // be the coordinator's bound on queued tasks, left at its default.
            ...(cell.strategy === 'distributed'
              ? { redis: resolved.redis! }
              : { concurrency: cell.concurrency }),
          },
          cell.follow,
        );
        await cell.queueWorkers?.pause();
        const workersAfter = await cell.queueWorkers?.usage();
        const workersCpuMs = workersAfter && workersBefore ? workersAfter.cpuMs - workersBefore.cpuMs : 0;
        const siteAfter = await readSite(cell.site);
        const answered = siteAfter.answered - siteBefore.answered;
        const s = m.summary;
        cell.samples.push({
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
        });
        if (!warmup) {
          for (const f of m.failures)
            if (failures.length < MAX_FAILURES) failures.push({ cellId: cell.id, ...f });
        }
        hooks.onProgress?.({
          step: ++step,
          steps: rounds * perRound,
          cellId: cell.id,
          cell: index + 1,
          cells: perRound,
          run: round + 1,
          runs: rounds,
          warmup,
          pagesPerSecond: s.pagesPerSecond,
        });
      }
      if (rawSite && !hooks.signal?.aborted) {
        const load = await measureLoadGenerator({
          url: `${rawSite.url}/page/0`,
          connections: RAW_CEILING_CONCURRENCY,
          durationMs: RAW_CEILING_DURATION_MS,
        });
        if (!warmup) loadSamples.push(load.requestsPerSecond);
        hooks.onProgress?.({
          step: ++step,
          steps: rounds * perRound,
          cellId: LOAD_GENERATOR_ID,
          cell: perRound,
          cells: perRound,
          run: round + 1,
          runs: rounds,
          warmup,
          pagesPerSecond: load.requestsPerSecond,
        });
      }
    }

    const environment = describeEnvironment(hooks.env, hooks.cwd);
    const workloads = resolved.modes.map((mode) => {
      const serial = cells.find(
        (c) => c.mode === mode && c.strategy === 'serial' && c.parse && !c.id.startsWith('raw/'),
      );
      const measured = serial?.samples.filter((s) => !s.warmup) ?? [];
      const cores =
        measured.length === 0
          ? null
          : computeStats(measured.map((s) => s.cpuUserMs + s.cpuSystemMs)).median /
            computeStats(measured.map((s) => s.wallMs)).median;
      const seeds = resolved.list?.urls.length ?? 1;
      return workloadOf(mode, resolved, cores, pagesCrawled(mode, cells, resolved), seeds);
    });
    const analysed = analyzeCells(
      cells.filter((c) => !c.id.startsWith('raw/')).map(measuredCell),
      workloads,
      environment.cores,
    );
    const rawCell = cells.find((c) => c.id.startsWith('raw/'));
    // A zero-latency, fetch-only crawl is CPU-bound by design: that is no news worth a flag.
    const rawAnalysed = (rawCell ? analyzeCells([measuredCell(rawCell)], [], environment.cores) : []).map(
      (c) => ({
        ...c,
        flags: c.flags.filter((f) => f !== 'cpu-bound-in-io-mode'),
      }),
    );
    let rawCeiling: RawCeiling | null = null;
    // No ratio without runs on both sides (an interrupt) or with a load generator that got nothing.
    const requestsPerSecond = computeStats(loadSamples);
    if (rawCell && rawAnalysed[0] && rawAnalysed[0].wallMs.n > 0 && requestsPerSecond.mean > 0) {
      rawCeiling = {
        tool: 'autocannon',
        connections: RAW_CEILING_CONCURRENCY,
        durationMs: RAW_CEILING_DURATION_MS,
        requestsPerSecond,
        cellId: rawCell.id,
        ratio: ratio(rawAnalysed[0].pagesPerSecond, requestsPerSecond),
        site: { pages: RAW_CEILING_WORKLOAD.pages, pageKb: RAW_CEILING_WORKLOAD.pageKb, latencyMs: 0 },
      };
    }
    const verdicts: Partial<Record<CrawlMode, string>> = {};
    for (const mode of resolved.modes) {
      const v = verdict(mode, analysed);
      if (v) verdicts[mode] = v;
    }
    return {
      schema: BENCH_SCHEMA,
      schemaVersion: BENCH_SCHEMA_VERSION,
      createdAt: new Date().toISOString(),
      state: interrupted ? 'interrupted' : 'completed',
      environment,
      options: {
        strategies: resolved.strategies,
        modes: resolved.modes,
        concurrency: resolved.concurrency,
        warmup: resolved.warmup,
        runs: resolved.runs,
        list: resolved.list?.name ?? null,
        depth: resolved.depth,
      },
      workloads,
      cells: [...analysed, ...rawAnalysed],
      rawCeiling,
      queueOverheads: queueOverheads(analysed, workloads),
      verdicts,
      failures,
    };
  } finally {
    await Promise.all([
      ...runners.map((r) => r.close()),
      ...queueWorkers.map((w) => w.close()),
      ...sites.map((site) => site.close()),
    ]);
  }
}
