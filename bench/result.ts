import type { CrawlStrategyName } from '../crawler/types.js';
import type { EnvironmentErrorCode } from '../crawler/errors.js';

/**
 * The workloads of a bench: `io` a slow site and a light parse (waiting dominates), `cpu` a fast site
 * and heavy parsing (computing dominates), `mixed` many requests in flight on a slow site with a
 * parse cost per page (both at once: the crawl most people run).
 */
export type BenchMode = 'io' | 'cpu' | 'mixed';
export const BENCH_MODES: readonly BenchMode[] = ['io', 'cpu', 'mixed'];

/**
 * The canonical result of a bench: everything the reports render and `compare` reads. Plain JSON;
 * `schemaVersion` changes whenever a field changes meaning or goes away.
 */
export const BENCH_SCHEMA = 'crawlbench/bench-result';
export const BENCH_SCHEMA_VERSION = 2;
/**
 * Versions this crawlbench reads: 1 (before timelines; it reads as 2 without them) and 2 (adds
 * {@link CellResult.timeline}).
 */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/** Summary statistics of one measured quantity over the runs of a cell (warm-up runs excluded). */
export interface Stats {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 when n < 2. */
  readonly stddev: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** A ratio and its propagated standard deviation, `value ± sigma`. */
export interface Ratio {
  readonly value: number;
  readonly sigma: number;
}

/** One measured crawl: a run of a cell. */
export interface RunSample {
  /** 0-based index among the cell's runs, warm-ups first. */
  readonly index: number;
  /**
   * 1-based position of the run in the whole bench (every cell, every build, the load generator):
   * the order the runs were made in. Absent in results written before it was recorded.
   */
  readonly sequence?: number;
  /**
   * When the run started and ended on the harness's clock, in ms since the bench's first run
   * started (the readings of the site before and after it included). The warm-ups of one round
   * overlap (they go at once); measured runs never do. Absent in results written before they were
   * recorded.
   */
  readonly startMs?: number;
  readonly endMs?: number;
  readonly warmup: boolean;
  readonly wallMs: number;
  readonly pagesPerSecond: number;
  readonly records: number;
  readonly errors: number;
  /** CPU of the crawler: its process, its worker threads and its child processes. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** Peak RSS of the crawler's own process. */
  readonly peakRssBytes: number;
  /** Largest peak RSS of its child processes (processes strategy), else null. */
  readonly childPeakRssBytes: number | null;
  /** CPU the fixture site spent during this run (its own process). */
  readonly siteCpuMs: number;
  /** Mean time the site took to answer a page during this run (its latency as served), or null. */
  readonly siteLatencyMs: number | null;
  readonly latency: { readonly p50Ms: number; readonly p90Ms: number; readonly p99Ms: number };
  /**
   * Steal time of the whole machine during the run, ms summed over its cores: CPU a hypervisor gave
   * other guests while this one had work ready (Linux /proc/stat). null where it cannot be read;
   * absent in results written before it was recorded.
   */
  readonly hostStealMs?: number | null;
  /**
   * Records by depth, index 0 the seeds: the levels of a link-following run (`depth` benches only;
   * absent from list runs).
   */
  readonly pagesByDepth?: readonly number[];
  /** Distributed cells only: where the run's CPU went on the queue's side. */
  readonly queue?: QueueRunCpu;
}

/** The CPU of one distributed run, by process: the coordinator, its local workers, Redis. */
export interface QueueRunCpu {
  /** The coordinator (the crawl's own process), user + system, ms. */
  readonly coordinatorCpuMs: number;
  /** All the cell's local queue workers, ms. */
  readonly workersCpuMs: number;
  /** The Redis server (INFO cpu, every client included), ms; null when it could not be read. */
  readonly redisCpuMs: number | null;
}

/** What limited a cell, judged from CPU utilisation of the crawler and of the site. */
export interface Bound {
  /** Crawler CPU time / wall time, in cores. */
  readonly crawlerCores: number;
  /** Cores the crawler could use: min(threads of execution it has, machine cores). */
  readonly usableCores: number;
  /** Site CPU time / wall time, in cores (the site is single-threaded: 1 is saturation). */
  readonly siteCores: number;
  /** `cpu`: the crawler used most of the CPU it could; `site`: the site was saturated; `io`: neither. */
  readonly by: 'cpu' | 'site' | 'io';
}

export type CellFlag =
  /** Coefficient of variation of wall time above 10%. */
  | 'noisy'
  /** The first measured run was much slower than the rest. */
  | 'slow-first-run'
  /** An `io` workload whose crawler was in fact CPU-bound. */
  | 'cpu-bound-in-io-mode'
  /** The fixture site used most of its core: the crawl measured the site, not the crawler. */
  | 'site-saturated'
  /** Some runs had failed pages. */
  | 'errors'
  /** In some measured run the host stole more than 5% of the machine's CPU (steal time). */
  | 'host-steal';

export interface CellResult {
  /** `mode/strategy/concurrency`, stable across runs: `compare` matches cells by it. */
  readonly id: string;
  readonly mode: BenchMode;
  readonly strategy: CrawlStrategyName;
  readonly concurrency: number;
  /** Tasks each pool worker ran at once, when more than one (a hybrid pool: `threads 2×32`). */
  readonly perWorker?: number;
  /** Fetch-only cells (`--no-parse`). */
  readonly parse: boolean;
  readonly samples: readonly RunSample[];
  readonly wallMs: Stats;
  readonly pagesPerSecond: Stats;
  /** Crawler CPU (user + system) per run. */
  readonly cpuMs: Stats;
  /**
   * Speedup against the baseline cell of the same mode (wall time ratio), or null without one: the
   * serial cell, or in a mode without one (`mixed`) the async cell (see `Workload.baseline`).
   */
  readonly vsSerial: Ratio | null;
  /** The ideal wall time of this cell (see {@link Workload}), or null when it cannot be defined. */
  readonly idealWallMs: number | null;
  /** idealWallMs / median wall time: 1 is the physical limit. */
  readonly efficiency: number | null;
  readonly bound: Bound;
  readonly flags: readonly CellFlag[];
  /** What one measured run of the cell did over time (schema 2; absent when not recorded). */
  readonly timeline?: CellTimeline;
  /** Distributed cells only: the local queue-worker processes that shared its concurrency. */
  readonly queueWorkers?: number;
  /**
   * The largest share of the machine's CPU (wall time × cores) the host stole during one of its
   * measured runs (see {@link RunSample.hostStealMs}); absent where steal time was not recorded.
   */
  readonly hostStealShare?: number;
}

/** The most pages a timeline keeps; the rest of a longer run are counted in `truncated`. */
export const TIMELINE_MAX_PAGES = 2000;
/** The most CPU samples a timeline keeps (at the sampling interval, a run of about 100 s). */
export const TIMELINE_MAX_SAMPLES = 2000;

/**
 * One measured run of a cell, page by page and core by core: what the HTML report's timeline and
 * cores-in-use charts draw. Times are milliseconds from the start of the run (the moment the crawl
 * was started); all of one run, so they compare across pages and lanes.
 */
export interface CellTimeline {
  /** The sample (`RunSample.index`) this is the timeline of: the measured run closest to the median. */
  readonly run: number;
  /** The run's wall time, the end of the time axis. */
  readonly wallMs: number;
  /**
   * How many lanes the pages ran on: slots of the async strategy, workers of a pool, worker × slot
   * for a hybrid pool, 1 for serial.
   */
  readonly lanes: number;
  /** Pages in the order they were handed to the strategy, at most {@link TIMELINE_MAX_PAGES}. */
  readonly pages: readonly TimelinePage[];
  /** Pages of the run left out past the cap. */
  readonly truncated: number;
  /** CPU sampled every `cpuIntervalMs` during the run. */
  readonly cpuIntervalMs: number;
  readonly cpu: readonly CpuSample[];
}

/** One page of a timeline. */
export interface TimelinePage {
  /** 0-based lane it ran on (see {@link CellTimeline.lanes}). */
  readonly lane: number;
  /** Handed to the strategy. */
  readonly startMs: number;
  /**
   * Its fetch started: it held its lane (a slot, a worker) from then on. Between `startMs` and
   * this it waited for one (a strategy takes more tasks than it has requests in flight). Absent
   * in results written before it was recorded.
   */
  readonly fetchStartMs?: number;
  /** First byte of the response headers, or null when none came. */
  readonly ttfbMs: number | null;
  /** The fetch ended (body read, or failed). */
  readonly fetchEndMs: number;
  /** The record was made (parse ended); equals `fetchEndMs` when nothing was parsed. */
  readonly endMs: number;
  /** The page's record has an error. */
  readonly failed: boolean;
}

/** Cores in use over one sampling interval. */
export interface CpuSample {
  /** End of the interval, from the start of the run. */
  readonly atMs: number;
  /** CPU time of the crawler (its process, threads and child processes) / the interval. */
  readonly crawlerCores: number;
  /** CPU time of the fixture site / the interval (0 when the bench crawled a list). */
  readonly siteCores: number;
}

/** The workload of a mode: the fixture site it crawls and the parse it does. */
export interface Workload {
  readonly mode: BenchMode;
  /**
   * Pages crawled per run: the list's length, or, when the bench follows links, the pages the
   * crawl reached (median of the runs' records).
   */
  readonly pages: number;
  /** Link-following benches only: hops followed from the seeds. */
  readonly depth?: number;
  /** Link-following benches only: the seeds the links were followed from. */
  readonly seeds?: number;
  /** Link-following benches on the embedded site only: the pages the site has (reached or not). */
  readonly sitePages?: number;
  readonly latencyMs: number;
  readonly pageKb: number;
  readonly links: number;
  readonly cpuWork: number;
  /** What it models, for the report. */
  readonly description: string;
  /**
   * How the ideal wall time is defined: `io` the latency the site served x ceil(pages / pages in
   * flight) (with `depth`: one robots.txt round trip plus the waves of each level, summed);
   * `cpu` serial CPU time / min(workers x serial utilisation, cores).
   */
  readonly ideal: string;
  /** CPU cores the serial crawl kept busy (its CPU time / wall time); used by the `cpu` ideal. */
  readonly serialCores: number | null;
  /** The strategy `vsSerial` is taken against: `serial`, or `async` in a mode without serial. Absent: serial. */
  readonly baseline?: CrawlStrategyName;
}

/** The raw ceiling: a load generator against the same site, next to a fetch-only async crawl. */
export interface RawCeiling {
  readonly tool: 'autocannon';
  readonly connections: number;
  readonly durationMs: number;
  /** Requests per second autocannon reached (median over its runs). */
  readonly requestsPerSecond: Stats;
  /**
   * autocannon's requests/s in each measured round, in order: the crawl's run of the same round is
   * the cell's measured sample of the same position. Absent in results written before it was kept.
   */
  readonly requestsPerSecondByRound?: readonly number[];
  /** The id of the fetch-only async cell it is compared with. */
  readonly cellId: string;
  /**
   * The crawl's pages/s over autocannon's requests/s. Paired by round when both sides have the
   * same rounds (each round's crawl and load ran back to back, so drift over the bench hits both
   * alike): the median of the per-round ratios, with their standard deviation as sigma. Otherwise
   * (and in results written before the pairing) the ratio of the two medians with propagated sigma.
   */
  readonly ratio: Ratio;
  /** The fixture site both ran against: zero latency, small pages. */
  readonly site?: { readonly pages: number; readonly pageKb: number; readonly latencyMs: number };
}

/**
 * The machine's own noise: a fixed CPU job (the crawler's `cpuWork`) on one thread per core at
 * once, once per round between the cells. Only the machine changes from round to round, so its
 * coefficient of variation is the floor under a CPU-bound cell's.
 */
export interface MachineNoise {
  /** Threads the job ran on at once. */
  readonly threads: number;
  /** Rounds of `cpuWork` each thread did per run. */
  readonly rounds: number;
  /** Wall time of a run (until the last thread finished), over the measured rounds, in ms. */
  readonly wallMs: Stats;
  /**
   * The same wall times round by round, in order: how the machine's speed moved during the bench.
   * Absent in results written before they were kept.
   */
  readonly wallMsByRound?: readonly number[];
  /** stddev / mean of `wallMs`. */
  readonly cv: number;
}

/**
 * What the Redis queue adds per task: a `distributed` cell against the `processes` cell with the
 * same mode and number of workers (one task at a time each, on the same machine).
 */
export interface QueueOverhead {
  readonly mode: BenchMode;
  readonly cellId: string;
  readonly baselineId: string;
  /** (median wall of distributed − median wall of processes) / tasks per worker, in µs, ± σ. */
  readonly perTaskUs: Ratio;
}

/**
 * What the queue's side of a distributed cell costs per task, and how far one coordinator goes:
 * the medians of its measured runs.
 */
export interface QueueCost {
  readonly mode: BenchMode;
  readonly cellId: string;
  /** Local queue-worker processes, and the tasks they ran at once in all. */
  readonly workers: number;
  readonly slots: number;
  /** Coordinator CPU (user + system) per task, in ms. */
  readonly coordinatorMsPerTask: Stats;
  /** Tasks per second one coordinator core sustains at that cost: 1000 / the median ms per task (0 if none). */
  readonly tasksPerCoordinatorCore: number;
  /** Coordinator CPU time / wall time: how much of a core it kept busy. */
  readonly coordinatorCores: Stats;
  /** The coordinator's share of the CPU of the run (coordinator + workers + Redis). */
  readonly coordinatorShare: Stats;
  /** The workers' CPU per task, in ms. */
  readonly workersMsPerTask: Stats;
  /** Redis's CPU per task, in ms (the whole server); null when INFO could not be read. */
  readonly redisMsPerTask: Stats | null;
}

export interface Environment {
  readonly crawlbenchVersion: string;
  readonly gitCommit: string | null;
  readonly node: string;
  readonly os: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  /** 'github-actions', 'gitlab-ci', ... or null. */
  readonly ci: string | null;
  /**
   * Node flags the bench gave the processes that crawled (cell runners, queue workers and their
   * pools), from `bench/crawler-flags.ts`; absent in results written before the bench set any.
   */
  readonly crawlerNodeFlags?: readonly string[];
}

export interface BenchOptionsRecord {
  readonly strategies: readonly CrawlStrategyName[];
  readonly modes: readonly BenchMode[];
  /** As given: numbers, and `workers×perWorker` strings (`2x32`) for hybrid pools; `{}` for the defaults. */
  readonly concurrency: Readonly<Partial<Record<CrawlStrategyName, readonly (number | string)[]>>>;
  /** Warm-up runs of the other cells. */
  readonly warmup: number;
  /** Warm-up runs of async and the pools on the io workload; absent: `warmup`. */
  readonly ioWarmup?: number;
  /**
   * Warm-up runs of a cell with workers (threads, processes, distributed) on the cpu and mixed
   * workloads; absent: `warmup`.
   */
  readonly poolWarmup?: number;
  /** Warm-up runs of the raw ceiling's crawl; absent: `warmup`. */
  readonly rawWarmup?: number;
  /**
   * Measured runs of every cell, at least (the raw ceiling's exactly); in results written before
   * `maxRuns`, of every cell exactly.
   */
  readonly runs: number;
  /**
   * Measured runs of a cell, at most: a cell whose median was less certain than `targetErrorPct`
   * ran more rounds, up to this, while `budgetMs` lasted. Absent in results written before the
   * bench ran extra rounds (then every cell ran `runs`); equal to `runs` when `--runs` was given.
   */
  readonly maxRuns?: number;
  /** The relative standard error of a median, in percent, that needed no more runs. */
  readonly targetErrorPct?: number;
  /** The wall time, in ms from the bench's start, that rounds beyond `runs` had to fit in. */
  readonly budgetMs?: number;
  /** The URL list, when the bench ran one instead of the embedded site. */
  readonly list: string | null;
  /**
   * Hops of link following from the seeds (`bench --depth`); null or absent: every run crawled
   * the list (the embedded site's pages, or `list`).
   */
  readonly depth?: number | null;
}

/** The failure that stopped a bench, and where it happened. */
export interface BenchStop {
  /** The cell whose run failed (`raw/autocannon` for the load generator); null for the noise probe. */
  readonly cellId: string | null;
  /** The build whose code ran it, in an A/B bench; null in a plain bench and for the harness's parts. */
  readonly build: 'base' | 'head' | null;
  /** An environment error code (`HARNESS_FAILED`, `REDIS_UNAVAILABLE`, …). */
  readonly code: EnvironmentErrorCode;
  readonly message: string;
}

export interface BenchResult {
  readonly schema: typeof BENCH_SCHEMA;
  /** {@link BENCH_SCHEMA_VERSION} when written; a stored result may be any of {@link READABLE_SCHEMA_VERSIONS}. */
  readonly schemaVersion: number;
  readonly createdAt: string;
  readonly state: 'completed' | 'interrupted';
  /**
   * What stopped an interrupted bench when a failure did rather than a signal: a helper process
   * that died (a cell runner, a fixture site, the load generator, the noise probe's thread), Redis
   * gone.
   * No run started after it; the runs measured before it are all here. Null or absent otherwise
   * (absent in results written before the bench kept them).
   */
  readonly stoppedBy?: BenchStop | null;
  readonly environment: Environment;
  readonly options: BenchOptionsRecord;
  readonly workloads: readonly Workload[];
  /** In matrix order: mode, then strategy, then concurrency. */
  readonly cells: readonly CellResult[];
  readonly rawCeiling: RawCeiling | null;
  /** The machine's own noise over the bench's rounds; absent in results written before it was measured. */
  readonly machineNoise?: MachineNoise | null;
  /** Per-task cost of the distributed queue, for each distributed cell with a processes twin. */
  readonly queueOverheads?: readonly QueueOverhead[];
  /** Per-task CPU of the coordinator, the queue workers and Redis, for each distributed cell. */
  readonly queueCosts?: readonly QueueCost[];
  /** One computed sentence per mode. */
  readonly verdicts: Readonly<Partial<Record<BenchMode, string>>>;
  /**
   * In an A/B bench (`bench --against`), which side this result is: `base` measured the other
   * checkout's code, `head` this one's, interleaved in one run. Absent in a plain bench.
   */
  readonly abRole?: 'base' | 'head';
  /** Per-URL failures seen during the bench (capped), for the report's details. */
  readonly failures: readonly {
    readonly cellId: string;
    readonly url: string;
    readonly code: string;
    readonly message: string;
  }[];
}
