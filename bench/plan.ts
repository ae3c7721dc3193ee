import type { FollowOptions } from '../crawler/frontier/options.js';
import type { BenchMode } from './result.js';
import type { CrawlStrategyName } from '../crawler/types.js';
import { type FixtureSiteProcess, startFixtureSiteProcess } from './fixture-site-process.js';
import {
  followOptionsOf,
  warmupOf,
  RAW_CEILING_CONCURRENCY,
  RAW_CEILING_WORKLOAD,
  type ResolvedBenchOptions,
  type WorkloadSettings,
} from './options.js';
import type { BenchBuild } from './builds.js';
import { type QueueWorkers, shareSlots, startQueueWorkers } from './queue-workers.js';
import { LoadGenerator } from './load-generator.js';
import { CrawlRunner } from './run-crawl.js';

/** What every planned cell has: where it sits in the matrix and what its runs crawl. */
interface CellBase {
  /**
   * `mode/strategy/concurrency` (plus `/workers-<n>` for a distributed cell on fewer queue workers
   * than tasks, and `/fetch-only`): the id of its CellResult.
   */
  readonly id: string;
  readonly mode: BenchMode;
  readonly strategy: CrawlStrategyName;
  readonly concurrency: number;
  /** Tasks each pool worker runs at once (1 but for a hybrid pool). */
  readonly perWorker: number;
  readonly parse: boolean;
  /** The list, or the seeds when the cell follows links. */
  readonly urls: readonly string[];
  readonly follow: FollowOptions | null;
  readonly cpuWork: number;
  /**
   * Unmeasured runs before its measured ones: `warmup`, `ioWarmup`, `poolWarmup` or `rawWarmup`
   * (see options).
   */
  readonly warmup: number;
  /**
   * Whether its warm-ups run one at a time, after the others, rather than at once with them: a
   * distributed cell's (every cell's queue workers serve the one shared queue, and another cell's
   * or build's workers would take its tasks) and every cell's of a user's list (its hosts get no
   * more requests at once than one run sends them).
   */
  readonly warmsUpAlone: boolean;
  /**
   * The processes that run every crawl of this cell, warm-ups included: one per build, in the
   * order of the bench's builds (one for a plain bench; base and head for an A/B bench).
   */
  readonly runners: readonly CrawlRunner[];
}

/** A cell of the matrix: one strategy at one concurrency, on the workload of one mode. */
export interface StrategyCell extends CellBase {
  readonly kind: 'strategy';
  /** The embedded site of the mode, shared by its cells; null when the bench crawls a list. */
  readonly site: FixtureSiteProcess | null;
  /**
   * The local queue workers of a `distributed` cell, one set per build (aligned with `runners`),
   * started once and kept across its runs; null for other strategies.
   */
  readonly queueWorkers: readonly QueueWorkers[] | null;
}

/**
 * The crawl half of the raw ceiling: a fetch-only async crawl of a site of its own, measured
 * round by round next to the load generator. It is reported apart from the matrix: no speedup,
 * no verdict.
 */
export interface RawCeilingCell extends CellBase {
  readonly kind: 'raw-ceiling';
  readonly mode: 'io';
  readonly strategy: 'async';
  readonly parse: false;
  readonly site: FixtureSiteProcess;
  /** autocannon's process, kept for every round. */
  readonly loadGenerator: LoadGenerator;
}

/** A cell the bench will run `warmup + runs` times. */
export type PlannedCell = StrategyCell | RawCeilingCell;

/** Something a plan started and the bench must close, whatever happens. */
interface Closable {
  close(): Promise<void>;
}

/**
 * The helper processes a plan starts (fixture sites, cell runners, queue workers), recorded as
 * each one starts: planning can fail halfway (Redis unreachable for the third cell), and what
 * started before must still be closed.
 */
export class BenchHelpers {
  readonly #started: Closable[] = [];

  /** Records `helper` for {@link BenchHelpers.close} and hands it back. */
  add<T extends Closable>(helper: T): T {
    this.#started.push(helper);
    return helper;
  }

  /** Closes every helper started so far, all at once. */
  async close(): Promise<void> {
    await Promise.all(this.#started.map((helper) => helper.close()));
  }
}

async function startSite(w: WorkloadSettings, helpers: BenchHelpers): Promise<FixtureSiteProcess> {
  const { pages, latencyMs, pageKb, links } = w;
  return helpers.add(await startFixtureSiteProcess({ pages, latencyMs, pageKb, links }));
}

/** One runner per build, each recorded in `helpers`. */
function runnersOf(builds: readonly BenchBuild[], helpers: BenchHelpers): CrawlRunner[] {
  return builds.map((build) => helpers.add(new CrawlRunner(build)));
}

async function strategyCells(
  mode: BenchMode,
  site: FixtureSiteProcess | null,
  options: ResolvedBenchOptions,
  helpers: BenchHelpers,
  builds: readonly BenchBuild[],
): Promise<StrategyCell[]> {
  const w = options.workloads[mode];
  // Following links, the embedded site is crawled from its first page (which links on to the
  // next, so every page is reachable); a list's URLs are the seeds.
  const urls = options.list
    ? options.list.urls
    : options.depth === null
      ? site!.urlList()
      : [site!.urls().next().value!];
  const cells: StrategyCell[] = [];
  for (const { strategy, concurrency, perWorker } of options.matrix[mode]) {
    // A distributed cell's tasks at once, shared by its queue workers (one each by default).
    const slots =
      strategy === 'distributed' ? shareSlots(concurrency, options.queueWorkers ?? concurrency) : [];
    // Fewer workers than tasks is another cell than the one lined up with processes ×N.
    const split = slots.length > 0 && slots.length < concurrency ? `/workers-${slots.length}` : '';
    const size = perWorker > 1 ? `${concurrency}x${perWorker}` : String(concurrency);
    cells.push({
      kind: 'strategy',
      id: `${mode}/${strategy}/${size}${split}${options.parse ? '' : '/fetch-only'}`,
      mode,
      strategy,
      concurrency,
      perWorker,
      parse: options.parse,
      urls,
      follow: options.depth === null ? null : followOptionsOf(options.depth),
      site,
      cpuWork: w.cpuWork,
      warmup: warmupOf(strategy, mode, options),
      warmsUpAlone: strategy === 'distributed' || options.list !== null,
      runners: runnersOf(builds, helpers),
      queueWorkers:
        strategy === 'distributed'
          ? await Promise.all(
              builds.map(async (build) => helpers.add(await startQueueWorkers(slots, options.redis!, build))),
            )
          : null,
    });
  }
  return cells;
}

function rawCeilingCell(
  site: FixtureSiteProcess,
  options: ResolvedBenchOptions,
  helpers: BenchHelpers,
  builds: readonly BenchBuild[],
): RawCeilingCell {
  const concurrency = RAW_CEILING_CONCURRENCY;
  return {
    kind: 'raw-ceiling',
    id: `raw/async/${concurrency}/fetch-only`,
    mode: 'io',
    strategy: 'async',
    concurrency,
    perWorker: 1,
    parse: false,
    urls: site.urlList(),
    // A fetch-only crawl of the whole list, whatever the bench's workload: it measures the harness.
    follow: null,
    site,
    cpuWork: 0,
    warmup: options.rawWarmup,
    // Its site is the embedded one: never a list.
    warmsUpAlone: false,
    runners: runnersOf(builds, helpers),
    loadGenerator: helpers.add(new LoadGenerator()),
  };
}

/**
 * The cells of a bench, in matrix order (mode, then strategy, then concurrency), the raw ceiling's
 * last. Starts what they need (a fixture site per mode, a runner per cell and build, queue workers
 * per distributed cell and build) and records each in `helpers`, which the caller closes. Resolves
 * once every runner has greeted with this harness's run protocol.
 *
 * @throws {CrawlbenchError} `INCOMPATIBLE_BUILD` when a build's entries speak another protocol.
 */
export async function planCells(
  options: ResolvedBenchOptions,
  helpers: BenchHelpers,
  builds: readonly BenchBuild[],
): Promise<PlannedCell[]> {
  // The sites start at once (each is a process that takes a moment to listen).
  const [rawSite, ...sites] = await Promise.all([
    options.rawCeiling ? startSite(RAW_CEILING_WORKLOAD, helpers) : null,
    ...options.modes.map((mode) => (options.list ? null : startSite(options.workloads[mode], helpers))),
  ]);
  const cells: PlannedCell[] = [];
  for (const [i, mode] of options.modes.entries()) {
    cells.push(...(await strategyCells(mode, sites[i] ?? null, options, helpers, builds)));
  }
  if (rawSite) cells.push(rawCeilingCell(rawSite, options, helpers, builds));
  await Promise.all(cells.flatMap((cell) => cell.runners.map((runner) => runner.ready())));
  return cells;
}
