import { availableParallelism } from 'node:os';
import { BENCH_MODES, type BenchMode } from './result.js';
import { describeValue, InvalidOptionError } from '../crawler/errors.js';
import { CRAWL_STRATEGY_NAMES, type CrawlStrategyName, STRATEGY_NAMES } from '../crawler/types.js';
import { type FollowOptions, resolveFollow } from '../crawler/frontier/options.js';
import type { RunCrawlOptions } from './run-protocol.js';

/** The fixture site and parse of one mode. */
export interface WorkloadSettings {
  /** Pages of the site: all of them are crawled per run, unless the bench follows links (`depth`). */
  readonly pages: number;
  /** Site latency before each response. */
  readonly latencyMs: number;
  readonly pageKb: number;
  readonly links: number;
  /** Extra CPU work per page (0 in io mode). */
  readonly cpuWork: number;
}

/**
 * IO-bound: a slow site (50 ms per response) with 10 KB pages and the plain parse. 8 in flight is
 * 160 pages/s at the ideal rate, well under a tenth of a core of fetch and parse: the crawl stays
 * IO-bound (64 in flight would need more than a core and turn CPU-bound). Larger waves also wait
 * longer for their slowest response on a 2-core machine shared with the site: 8 measured closer to
 * the ideal than 16 or 32. 16 pages are 2 waves of async ×8 and 8 rounds of a pool of 2: enough to
 * show the waves (and serial's N × latency) in about 0.85 s for serial, the slowest run of the bench.
 */
export const DEFAULT_IO_WORKLOAD: WorkloadSettings = {
  pages: 16,
  latencyMs: 50,
  pageKb: 10,
  links: 10,
  cpuWork: 0,
};

/** Requests in flight of the default async cell: see DEFAULT_IO_WORKLOAD. */
export const DEFAULT_ASYNC_CONCURRENCY = 8;

/**
 * Mixed: the crawl most people run. A slow site (50 ms) of ordinary pages (10 KB, 20 links) with a
 * real parse cost on each (150 rounds of extra CPU, about 3 ms), and many requests in flight: 64.
 * One thread cannot keep 64 requests moving and parse them too (async is CPU-bound here), and a
 * classic pool has one request in flight per worker; a hybrid pool has both: many requests in
 * flight, and every core parsing. No serial cell (64 times slower than it needs to be): its
 * baseline is async.
 */
export const DEFAULT_MIXED_WORKLOAD: WorkloadSettings = {
  pages: 128,
  latencyMs: 50,
  pageKb: 10,
  links: 20,
  cpuWork: 150,
};

/** Requests in flight of the mixed workload: async's limit, and workers × tasks per worker of the hybrids. */
export const MIXED_IN_FLIGHT = 64;

/**
 * CPU-bound: a site that answers at once with 200 KB pages, and 700 rounds (about 10 ms) of
 * extra CPU work per page on top of the parse (about 4 ms): fetching is a small part of each
 * page's cost. 32 pages are 16 per worker of a pool of 2: the pool's last page, run alone, costs it
 * about 3% of its wall time.
 */
export const DEFAULT_CPU_WORKLOAD: WorkloadSettings = {
  pages: 32,
  latencyMs: 0,
  pageKb: 200,
  links: 10,
  cpuWork: 700,
};

/**
 * The raw ceiling: zero latency, 10 KB pages (the page size of MEASUREMENTS.md's HTTP figures).
 * autocannon loads one page of the site for RAW_CEILING_DURATION_MS (every page costs the site
 * the same: page heads are cached), and a fetch-only async crawl fetches all of them with as many
 * requests in flight.
 */
export const RAW_CEILING_WORKLOAD: WorkloadSettings = {
  pages: 5000,
  latencyMs: 0,
  pageKb: 10,
  links: 2,
  cpuWork: 0,
};
export const RAW_CEILING_CONCURRENCY = 64;

const POOLED_STRATEGIES: ReadonlySet<CrawlStrategyName> = new Set(['threads', 'processes', 'distributed']);

/**
 * Which default warm-up count a strategy cell takes (see {@link BENCH_DEFAULTS}):
 * - `pool`: its crawl parses in workers (threads, processes, distributed) on a CPU-heavy workload
 *   (cpu, mixed), where each worker's JIT sets the pace: `poolWarmup`.
 * - `io`: many requests at once (async, or a pool) on the io workload: `ioWarmup`.
 * - `plain`: serial anywhere, async on the cpu and mixed workloads: `warmup`.
 */
export type WarmupKind = 'plain' | 'io' | 'pool';

export function warmupKindOf(strategy: CrawlStrategyName, mode: BenchMode): WarmupKind {
  if (strategy === 'serial') return 'plain';
  if (mode === 'io') return 'io';
  return POOLED_STRATEGIES.has(strategy) ? 'pool' : 'plain';
}

/** The warm-up runs of a strategy cell: the count of its {@link WarmupKind}. */
export function warmupOf(
  strategy: CrawlStrategyName,
  mode: BenchMode,
  options: ResolvedBenchOptions,
): number {
  const counts: Record<WarmupKind, number> = {
    plain: options.warmup,
    io: options.ioWarmup,
    pool: options.poolWarmup,
  };
  return counts[warmupKindOf(strategy, mode)];
}

/** The defaults of a bench's run counts, written once (the CLI's `--help` shows them). */
export const BENCH_DEFAULTS = {
  /** Warm-up runs per cell, not measured (serial anywhere, async on the cpu and mixed workloads). */
  warmup: 1,
  /**
   * Warm-up runs of async and the pools on the io workload when `warmup` is not given. A run is 16
   * pages (8 per worker of a pool of 2), and V8 still optimizes the parse path through the third
   * run (`--trace-opt`: 22, 14 and 16 functions in runs 1-3, then 0-2): after two warm-ups, async's
   * first measured run took 1.10-1.14x the others' wall time and twice their CPU in three io
   * benches; after three, 0.96-1.06x (README "Performance").
   */
  ioWarmup: 3,
  /**
   * Warm-up runs of a cell with workers on the cpu and mixed workloads (see {@link warmupKindOf})
   * when `warmup` is not given. Each worker sees only its share of the list: with one warm-up the
   * first measured run took 1.4-1.5x the others. With V8's memory reducer on in the cell processes
   * and the warm-ups in rounds, the CPU per run kept falling over three runs and two warm-ups left
   * 1.14-1.26x; with it off (bench/crawler-flags.ts) and the warm-ups back to back, the second run
   * is steady (0.75-1.24x the measured runs' median CPU in five benches), and after two warm-ups
   * the first measured run took 0.89-1.07x the others' wall time in three (README "Performance").
   */
  poolWarmup: 2,
  /**
   * Warm-up runs of the raw ceiling's crawl when `warmup` is not given: it crawls 5,000 pages a
   * run at full speed, and its CPU per run kept falling over its first runs (1.8x the later runs'
   * wall time in the first measured run after one warm-up, 1.4x in the second).
   */
  rawWarmup: 3,
  /**
   * Measured runs of every cell, at least: five rounds, interleaved across the cells. A mode in
   * which some cell's median is not yet known to `targetErrorPct` then runs more rounds of all its
   * cells, up to `maxRuns`, while the bench's `budgetMs` lasts (see `cellsForExtraRound` in
   * bench/measure.ts).
   */
  runs: 5,
  /**
   * Measured runs of a cell, at most. A cell on the cpu or mixed workload varies by a CV of 3-8%
   * from run to run on the project's 2-core machines: reaching ±2% at 6% takes 14 runs, at 8% 25.
   */
  maxRuns: 20,
  /**
   * The uncertainty of a cell's median (its relative standard error, `medianRelativeError`, in
   * percent) at which the cell stops running more rounds. At ±2% two benches' medians of a cell
   * differ by about 2.8% (sqrt(2) times it), and by more than 5% about one time in thirteen.
   */
  targetErrorPct: 2,
  /**
   * The bench's wall-time budget, in ms from its start: a round beyond the first `runs` starts only
   * when what the bench measured of its cells says it ends in time. The first `runs` rounds always
   * run: a slow machine goes over it rather than measure less.
   */
  budgetMs: 60_000,
} as const;

/**
 * Rounds of the crawler's CPU work each probe thread does per measurement: about 0.1-0.2 s on the
 * project's 2-core machines (10-20 µs a round), long enough that a timer's resolution does not
 * matter, short enough to add little to a bench (one measurement per round). See `NoiseProbe`.
 */
export const NOISE_PROBE_ROUNDS = 10_000;

/**
 * How long autocannon loads the raw ceiling's site per round: about as long as the crawl it is
 * paired with (5,000 pages at 64 in flight: 0.5-0.65 s on the project's machines). autocannon
 * checks for the end of a run only when it takes a sample, once a second by default, so a
 * shorter duration used to run a whole second (0.5 s and 0.75 s both took 1.01-1.06 s); the load
 * generator samples every LOAD_SAMPLE_MS instead (bench/load-generator-process.ts), and a
 * half-second load takes 0.51-0.54 s. Against 1 s loads, alternated eight times each on one
 * site: a median of 23,500 requests/s against 24,600, with the same spread (21,100-26,000 and
 * 22,000-27,300): the 64 connections' start is a little more of a shorter run. Half a second less
 * per round and for the warm-up: 3 s of a default bench.
 */
export const RAW_CEILING_DURATION_MS = 500;

/**
 * Warm-up loads of the raw ceiling's load generator, before its first measured one. What it needs
 * is runs, not seconds: in a fresh autocannon process (a load of 0.5 s, then four measured ones),
 * the first measured load after one warm-up gave 17,200-21,100 requests/s against 23,100-29,200
 * for the later ones, and did so after one warm-up of 1 s or 2 s as well; after two, 22,600-25,200;
 * after three, 24,800-28,700, as the later ones. In default benches with one warm-up load, the
 * first measured round was the slowest load of its five in all five benches.
 */
export const LOAD_GENERATOR_WARMUPS = 3;

/** A hybrid pool's size: workers, each running `perWorker` tasks at once. */
export interface HybridSize {
  readonly workers: number;
  readonly perWorker: number;
}

/** One cell of a mode: a strategy at one concurrency (workers × tasks each, for a hybrid pool). */
export interface MatrixEntry {
  readonly strategy: CrawlStrategyName;
  /** Requests in flight (async), workers (pools), local queue workers (distributed). */
  readonly concurrency: number;
  /** Tasks each pool worker runs at once (1 but for a hybrid pool). */
  readonly perWorker: number;
}

export interface BenchOptions {
  /**
   * Strategies to compare, in every mode. @default io and cpu: serial, async, threads, processes;
   * mixed: async, threads, processes
   */
  readonly strategies?: readonly CrawlStrategyName[];
  /** @default ['io', 'cpu', 'mixed'] */
  readonly modes?: readonly BenchMode[];
  /**
   * Concurrency values per strategy, in every mode: a number, or `{ workers, perWorker }` for a
   * hybrid pool. @default io and cpu: async [8], threads and processes [cores]; mixed: async [64],
   * threads and processes [cores × (64 / cores)] (hybrid)
   */
  readonly concurrency?: Partial<Record<CrawlStrategyName, readonly (number | HybridSize)[]>>;
  /**
   * Warm-up runs of every cell, not measured. @default 1; 3 for async and the pools on the io
   * workload, 2 for a cell with workers on the cpu and mixed workloads and 3 for the raw ceiling's
   * crawl (see {@link BENCH_DEFAULTS})
   */
  readonly warmup?: number;
  /**
   * Measured runs of every cell, exactly: no rounds beyond them (it sets `minRuns` and `maxRuns`).
   * Give it or those two, not both.
   */
  readonly runs?: number;
  /** Measured runs of every cell, at least. @default 5 */
  readonly minRuns?: number;
  /**
   * Measured runs of a cell, at most: the cells of a mode in which some median is less certain
   * than `targetErrorPct` after `minRuns` run more rounds, up to this, while `budgetMs` lasts.
   * @default 20
   */
  readonly maxRuns?: number;
  /**
   * The relative standard error of a cell's median, in percent, that needs no more runs (0: every
   * cell runs `maxRuns`, budget permitting). @default 2
   */
  readonly targetErrorPct?: number;
  /**
   * The bench's wall time, in ms from its start, that rounds beyond `minRuns` must fit in. The
   * first `minRuns` rounds always run. @default 60000
   */
  readonly budgetMs?: number;
  /** A URL list to crawl instead of the embedded site (both modes crawl it). */
  readonly list?: { readonly name: string; readonly urls: readonly string[] };
  /** Overrides of the workloads of the embedded site. */
  readonly io?: Partial<WorkloadSettings>;
  readonly cpu?: Partial<WorkloadSettings>;
  readonly mixed?: Partial<WorkloadSettings>;
  /**
   * Extraction code every crawl runs (a module path or file: URL, as `crawl --extract`): the bench
   * then measures the user's own parse under every strategy.
   */
  readonly extract?: string;
  /** Fetch only, in every cell. @default true (parse) */
  readonly parse?: boolean;
  /** Measure the raw ceiling (autocannon vs fetch-only async). @default true on the embedded site */
  readonly rawCeiling?: boolean;
  /**
   * Measure the machine's own noise: a fixed CPU job on one thread per core, once per round
   * (about 0.1-0.2 s each). @default true
   */
  readonly noiseProbe?: boolean;
  /** Crawl options every run shares (timeouts, retries, ...). */
  readonly crawl?: RunCrawlOptions;
  /** Redis URL for the `distributed` strategy (only needed with it). */
  readonly redis?: string;
  /**
   * Local queue-worker processes of each `distributed` cell, sharing the cell's concurrency (its
   * tasks at once): 64 with 2 workers is 2 processes of 32 tasks each. Set it to find where the
   * coordinator, rather than the workers, becomes the limit.
   * @default the cell's concurrency: one task per worker, to line up with `processes ×N`
   */
  readonly queueWorkers?: number;
  /**
   * Follow links this many hops (at least 1) from the seeds instead of crawling a list: the seed is
   * the fixture site's first page, or the URLs of `list`. Scope same-origin, robots.txt obeyed, and
   * no per-host limit (see {@link followOptionsOf}).
   * @default undefined (crawl the list: every page of the site, or every URL of `list`)
   */
  readonly depth?: number;
}

export interface ResolvedBenchOptions {
  readonly strategies: readonly CrawlStrategyName[];
  readonly modes: readonly BenchMode[];
  /** The concurrency values as given (the record of the options), per strategy. */
  readonly concurrency: Readonly<Partial<Record<CrawlStrategyName, readonly (number | HybridSize)[]>>>;
  /** The cells of each mode, in order. */
  readonly matrix: Readonly<Record<BenchMode, readonly MatrixEntry[]>>;
  /** The extraction module's path, or null. */
  readonly extract: string | null;
  /** Warm-up runs of serial, and of async on the cpu and mixed workloads ({@link warmupKindOf}). */
  readonly warmup: number;
  /** Warm-up runs of async and the pools on the io workload. */
  readonly ioWarmup: number;
  /** Warm-up runs of a cell with workers on the cpu and mixed workloads. */
  readonly poolWarmup: number;
  /** Warm-up runs of the raw ceiling's crawl. */
  readonly rawWarmup: number;
  /** Measured runs of every cell, at least; the raw ceiling runs exactly these. */
  readonly minRuns: number;
  /** Measured runs of a cell, at most (`minRuns` when `runs` was given). */
  readonly maxRuns: number;
  readonly targetErrorPct: number;
  readonly budgetMs: number;
  readonly list: { readonly name: string; readonly urls: readonly string[] } | null;
  readonly workloads: Readonly<Record<BenchMode, WorkloadSettings>>;
  readonly parse: boolean;
  readonly rawCeiling: boolean;
  /** The noise probe's threads (one per core) and rounds of work per thread; null: no probe. */
  readonly noiseProbe: { readonly threads: number; readonly rounds: number } | null;
  readonly crawl: RunCrawlOptions;
  readonly redis: string | null;
  /** Local queue-worker processes of each distributed cell; null: one per task of its concurrency. */
  readonly queueWorkers: number | null;
  /** Hops followed from the seeds; null for a list crawl. */
  readonly depth: number | null;
}

/** The strategies of a mode when none are given. */
export function defaultBenchStrategies(mode: BenchMode): readonly CrawlStrategyName[] {
  return mode === 'mixed' ? ['async', 'threads', 'processes'] : STRATEGY_NAMES;
}

/** The concurrency of a strategy in a mode when none is given. */
export function defaultBenchConcurrencyOf(
  mode: BenchMode,
  strategy: CrawlStrategyName,
): (number | HybridSize)[] {
  if (mode !== 'mixed') return defaultBenchConcurrency(strategy);
  if (strategy === 'async') return [MIXED_IN_FLIGHT];
  if (strategy === 'threads' || strategy === 'processes') {
    const workers = availableParallelism();
    return [{ workers, perWorker: Math.max(1, Math.round(MIXED_IN_FLIGHT / workers)) }];
  }
  return defaultBenchConcurrency(strategy);
}

export function defaultBenchConcurrency(strategy: CrawlStrategyName): number[] {
  switch (strategy) {
    case 'serial':
      return [1];
    case 'async':
      return [DEFAULT_ASYNC_CONCURRENCY];
    // distributed: that many local queue-worker processes of one task each, so it lines up with
    // processes ×N and the difference is what the queue costs.
    case 'threads':
    case 'processes':
    case 'distributed':
      return [availableParallelism()];
  }
}

function count(name: string, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(
      `Expected \`${name}\` to be an integer >= ${min}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** `runs` (exact), or `minRuns` and `maxRuns`, with their defaults. */
function runCounts(options: BenchOptions): { minRuns: number; maxRuns: number } {
  if (options.runs !== undefined) {
    if (options.minRuns !== undefined || options.maxRuns !== undefined) {
      throw new InvalidOptionError('Give `runs` (exact), or `minRuns` and `maxRuns`, not both');
    }
    const runs = count('runs', options.runs, 1, BENCH_DEFAULTS.runs);
    return { minRuns: runs, maxRuns: runs };
  }
  const minRuns = count('minRuns', options.minRuns, 1, BENCH_DEFAULTS.runs);
  const maxRuns = count('maxRuns', options.maxRuns, 1, Math.max(minRuns, BENCH_DEFAULTS.maxRuns));
  if (maxRuns < minRuns) {
    throw new InvalidOptionError(`Expected \`maxRuns\` (${maxRuns}) to be at least \`minRuns\` (${minRuns})`);
  }
  return { minRuns, maxRuns };
}

function percentOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value >= 0 && value < 100)) {
    throw new InvalidOptionError(
      `Expected \`${name}\` to be a percentage from 0 to under 100, got ${describeValue(value)}`,
    );
  }
  return value;
}

function nonEmpty<T>(name: string, values: readonly T[] | undefined, fallback: readonly T[]): readonly T[] {
  if (values === undefined) return fallback;
  if (values.length === 0) throw new InvalidOptionError(`Expected \`${name}\` to list at least one value`);
  return [...new Set(values)];
}

function workload(
  mode: BenchMode,
  base: WorkloadSettings,
  given: Partial<WorkloadSettings> = {},
): WorkloadSettings {
  return {
    pages: count(`${mode}.pages`, given.pages, 1, base.pages),
    latencyMs: count(`${mode}.latencyMs`, given.latencyMs, 0, base.latencyMs),
    pageKb: count(`${mode}.pageKb`, given.pageKb, 1, base.pageKb),
    links: count(`${mode}.links`, given.links, 0, base.links),
    cpuWork: mode === 'io' ? 0 : count(`${mode}.cpuWork`, given.cpuWork, 0, base.cpuWork),
  };
}

/**
 * The per-host limit of the bench's link-following runs: none. The fixture site is one host, so the
 * crawl's default of 2 per host would cap every strategy at 2 requests in flight and leave nothing
 * to compare; each strategy's own concurrency bounds the requests in flight instead. (A limit of
 * the cell's concurrency would do for the local strategies, which pull no more tasks than they run,
 * but not for `distributed`: the frontier counts a task from hand-out to record, so the coordinator
 * could not queue ahead, and its polling for records would idle the workers between tasks.)
 */
export const BENCH_PER_HOST_CONCURRENCY = Number.MAX_SAFE_INTEGER;

/**
 * The link-following options of every run of a `depth` bench: scope same-origin, robots.txt
 * obeyed (the fixture site answers 404: allow all; one request per run) and no per-host limit
 * ({@link BENCH_PER_HOST_CONCURRENCY}): the bench measures the strategies, not politeness.
 */
export function followOptionsOf(depth: number): FollowOptions {
  return { depth, scope: 'same-origin', perHostConcurrency: BENCH_PER_HOST_CONCURRENCY };
}

function depthOf(value: number | undefined, parse: boolean): number | null {
  if (value === undefined) return null;
  count('depth', value, 1, 1);
  // The crawler's own upper bound on depth, with its message.
  resolveFollow({ depth: value }, true);
  if (!parse)
    throw new InvalidOptionError('Following links (`depth`) needs the parse step: links come from it');
  return value;
}

/** A concurrency value, checked: a positive integer, or a hybrid size of a pool strategy. */
function entryOf(strategy: CrawlStrategyName, value: number | HybridSize): MatrixEntry {
  if (typeof value === 'number') {
    count(`concurrency.${strategy}`, value, 1, 1);
    return { strategy, concurrency: strategy === 'serial' ? 1 : value, perWorker: 1 };
  }
  if (strategy !== 'threads' && strategy !== 'processes') {
    throw new InvalidOptionError(
      `Expected a number of \`concurrency.${strategy}\` (workers × tasks is for threads and processes), got ${describeValue(JSON.stringify(value))}`,
    );
  }
  const workers = count(`concurrency.${strategy}.workers`, value.workers, 1, 1);
  const perWorker = count(`concurrency.${strategy}.perWorker`, value.perWorker, 1, 1);
  return { strategy, concurrency: workers, perWorker };
}

/** The cells of each mode: the given strategies and concurrencies everywhere, or each mode's defaults. */
function matrixOf(modes: readonly BenchMode[], options: BenchOptions): Record<BenchMode, MatrixEntry[]> {
  const matrix = { io: [], cpu: [], mixed: [] } as Record<BenchMode, MatrixEntry[]>;
  for (const mode of modes) {
    const strategies = options.strategies ?? defaultBenchStrategies(mode);
    for (const strategy of new Set(strategies)) {
      const values =
        strategy === 'serial'
          ? [1]
          : nonEmpty(
              `concurrency.${strategy}`,
              options.concurrency?.[strategy],
              defaultBenchConcurrencyOf(mode, strategy),
            );
      const seen = new Set<string>();
      for (const value of values) {
        const entry = entryOf(strategy, value);
        const key = `${entry.concurrency}x${entry.perWorker}`;
        if (seen.has(key)) continue;
        seen.add(key);
        matrix[mode].push(entry);
      }
    }
  }
  return matrix;
}

/** Validates bench options once and fills in the defaults. */
export function resolveBenchOptions(options: BenchOptions = {}): ResolvedBenchOptions {
  const strategies = nonEmpty<CrawlStrategyName>('strategies', options.strategies, STRATEGY_NAMES);
  for (const s of strategies) {
    if (!CRAWL_STRATEGY_NAMES.includes(s)) {
      throw new InvalidOptionError(
        `Expected a strategy of ${CRAWL_STRATEGY_NAMES.join(', ')}, got ${describeValue(s)}`,
      );
    }
  }
  if (strategies.includes('distributed') && !options.redis) {
    throw new InvalidOptionError('The distributed strategy needs `redis` (--redis or CRAWLBENCH_REDIS_URL)');
  }
  const modes = nonEmpty<BenchMode>('modes', options.modes, BENCH_MODES);
  for (const m of modes) {
    if (!BENCH_MODES.includes(m)) {
      throw new InvalidOptionError(`Expected a mode of ${BENCH_MODES.join(', ')}, got ${describeValue(m)}`);
    }
  }
  const matrix = matrixOf(modes, options);
  const list = options.list ?? null;
  if (options.extract !== undefined && (typeof options.extract !== 'string' || options.extract === '')) {
    throw new InvalidOptionError(
      `Expected \`extract\` to be a module path, got ${describeValue(options.extract)}`,
    );
  }
  if (list && list.urls.length === 0) throw new InvalidOptionError(`The list ${list.name} has no URLs`);
  return {
    strategies: options.strategies ?? [...new Set(modes.flatMap((m) => matrix[m].map((e) => e.strategy)))],
    modes,
    concurrency: options.concurrency ?? {},
    matrix,
    extract: options.extract ?? null,
    warmup: count('warmup', options.warmup, 0, BENCH_DEFAULTS.warmup),
    // A warm-up count given applies to every cell; the defaults differ by kind of cell.
    ioWarmup: count('warmup', options.warmup, 0, BENCH_DEFAULTS.ioWarmup),
    poolWarmup: count('warmup', options.warmup, 0, BENCH_DEFAULTS.poolWarmup),
    rawWarmup: count('warmup', options.warmup, 0, BENCH_DEFAULTS.rawWarmup),
    ...runCounts(options),
    targetErrorPct: percentOption('targetErrorPct', options.targetErrorPct, BENCH_DEFAULTS.targetErrorPct),
    budgetMs: count('budgetMs', options.budgetMs, 0, BENCH_DEFAULTS.budgetMs),
    list,
    workloads: {
      io: workload('io', DEFAULT_IO_WORKLOAD, options.io),
      cpu: workload('cpu', DEFAULT_CPU_WORKLOAD, options.cpu),
      mixed: workload('mixed', DEFAULT_MIXED_WORKLOAD, options.mixed),
    },
    parse: options.parse ?? true,
    rawCeiling:
      (options.rawCeiling ?? true) &&
      list === null &&
      modes.some((m) => matrix[m].some((e) => e.strategy === 'async')),
    noiseProbe:
      (options.noiseProbe ?? true) ? { threads: availableParallelism(), rounds: NOISE_PROBE_ROUNDS } : null,
    crawl: options.crawl ?? {},
    redis: options.redis ?? null,
    queueWorkers:
      options.queueWorkers === undefined ? null : count('queueWorkers', options.queueWorkers, 1, 1),
    depth: depthOf(options.depth, options.parse ?? true),
  };
}
