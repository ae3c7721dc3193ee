import type { CrawlStrategyName } from '../crawler/types.js';
import type {
  Bound,
  CellFlag,
  CellResult,
  QueueOverhead,
  Ratio,
  RunSample,
  Stats,
  Workload,
  BenchMode,
} from './result.js';
import { coefficientOfVariation, computeStats, ratio, slowFirstRun } from './stats.js';

/** A cell before analysis: what it is and what its runs measured. */
export type MeasuredCell = Pick<
  CellResult,
  'id' | 'mode' | 'strategy' | 'concurrency' | 'perWorker' | 'parse' | 'samples' | 'queueWorkers'
>;

export const NOISY_CV = 0.1;
/** Share of its usable cores above which a crawler counts as CPU-bound. */
export const CPU_BOUND_SHARE = 0.8;
/** Share of the machine's CPU (wall time × cores) the host may steal from a run before it is flagged. */
export const HOST_STEAL_SHARE = 0.05;
/** Share of its one core above which the fixture site counts as saturated. */
export const SITE_SATURATED_CORES = 0.85;

const measured = (cell: Pick<MeasuredCell, 'samples'>): RunSample[] => cell.samples.filter((s) => !s.warmup);
const stats = (cell: MeasuredCell, value: (s: RunSample) => number): Stats =>
  computeStats(measured(cell).map(value));

/** The share of the machine's CPU (wall time × cores) the host stole during a run; 0 if unknown. */
export function hostStealShare(sample: Pick<RunSample, 'hostStealMs' | 'wallMs'>, cores: number): number {
  const steal = sample.hostStealMs ?? 0;
  return sample.wallMs > 0 && cores > 0 ? steal / (sample.wallMs * cores) : 0;
}

/** Threads of execution a strategy can keep busy: 1 on the main thread, one per worker in a pool. */
function workers(cell: { strategy: CrawlStrategyName; concurrency: number }): number {
  return cell.strategy === 'serial' || cell.strategy === 'async' ? 1 : cell.concurrency;
}

/**
 * Waves of `inFlight` pages a crawl needs. Each level of a link-following crawl is a barrier (the
 * frontier finishes depth d before it starts d + 1), so a level's last wave may run part-empty:
 * the waves are counted per level and summed. A list is one level.
 */
export function waves(levels: readonly number[], inFlight: number): number {
  return levels.reduce((sum, pages) => sum + Math.ceil(pages / inFlight), 0);
}

/**
 * The levels of a link-following cell (records by depth) from its measured run with the median
 * page count; null for list runs (or a cell without measured runs). The set of pages a crawl
 * reaches does not depend on the strategy or on timing, so its runs agree unless pages failed.
 */
export function levelsOf(cell: Pick<MeasuredCell, 'samples'>): readonly number[] | null {
  const runs = measured(cell).filter((s) => s.pagesByDepth !== undefined);
  if (runs.length === 0) return null;
  const sorted = [...runs].sort((a, b) => a.records - b.records);
  return sorted[(sorted.length - 1) >> 1]!.pagesByDepth!;
}

/**
 * The ideal wall time of a cell. io: every wave of `concurrency` pages costs one latency (transfer
 * on loopback is negligible next to it); a link-following crawl (`levels` given: its records by
 * depth) adds the robots.txt round trip before its first page and counts waves per level (see
 * {@link waves}). cpu: the serial crawl's CPU time spread over the cores the cell can keep busy,
 * where one worker keeps as many cores busy as the serial crawl did (a Node thread also runs GC on
 * helper threads, ~1.25 cores), capped by the machine's cores.
 */
export function idealWallMs(
  cell: InFlightShape,
  workload: Workload,
  serial: { cpuMs: number } | null,
  cores: number,
  servedLatencyMs: number | null = null,
  levels: readonly number[] | null = null,
  leastCpuMs: number | null = null,
): number | null {
  if (workload.mode === 'mixed') {
    // Both limits at once: the round trips its requests in flight allow, and the least CPU any
    // design of the mode needed, spread over every core of the machine.
    const inFlight = requestsInFlight(cell);
    const roundTrips = levels === null ? waves([workload.pages], inFlight) : 1 + waves(levels, inFlight);
    const network = (servedLatencyMs ?? workload.latencyMs) * roundTrips;
    return Math.max(network, leastCpuMs === null ? 0 : leastCpuMs / cores);
  }
  if (workload.mode === 'io') {
    if (workload.latencyMs === 0) return null;
    // Pages in flight at once: the async limit, or one per pool worker. The latency is the one the
    // site measured itself serving (its timers fire up to ~1 ms late), so the crawler is not
    // charged for the site's own lateness.
    const inFlight = requestsInFlight(cell);
    const roundTrips = levels === null ? waves([workload.pages], inFlight) : 1 + waves(levels, inFlight);
    return (servedLatencyMs ?? workload.latencyMs) * roundTrips;
  }
  // Levels are barriers here too (a pool idles at the end of each level), which this ideal leaves
  // out: with a handful of levels of tens of pages it is a small part, and the ideal a lower bound.
  if (serial === null || workload.serialCores === null) return null;
  return serial.cpuMs / Math.min(workers(cell) * workload.serialCores, cores);
}

function bound(cell: MeasuredCell, wallMs: number, cpuMs: number, cores: number): Bound {
  const siteMs = computeStats(measured(cell).map((s) => s.siteCpuMs)).median;
  const crawlerCores = wallMs > 0 ? cpuMs / wallMs : 0;
  const siteCores = wallMs > 0 ? siteMs / wallMs : 0;
  const usableCores = Math.min(workers(cell), cores);
  const by =
    siteCores >= SITE_SATURATED_CORES ? 'site' : crawlerCores >= CPU_BOUND_SHARE * usableCores ? 'cpu' : 'io';
  return { crawlerCores, usableCores, siteCores, by };
}

/** Turns measured cells into analysed ones: statistics, speedups, efficiency, bounds and flags. */
export function analyzeCells(
  cells: readonly MeasuredCell[],
  workloads: readonly Workload[],
  cores: number,
): CellResult[] {
  // The baseline of each mode: its serial cell, or its async one where there is no serial.
  const serialOf = new Map<BenchMode, MeasuredCell>();
  const leastCpuOf = new Map<BenchMode, number>();
  for (const mode of new Set(cells.map((c) => c.mode))) {
    const ofMode = cells.filter((c) => c.mode === mode);
    const strategy = baselineStrategy(ofMode);
    const baseline = ofMode.find((c) => c.strategy === strategy && c.parse);
    if (baseline) serialOf.set(mode, baseline);
    const cpu = ofMode
      .filter((c) => c.parse && measured(c).length > 0)
      .map((c) => stats(c, (s) => s.cpuUserMs + s.cpuSystemMs).median);
    if (cpu.length > 0) leastCpuOf.set(mode, Math.min(...cpu));
  }
  return cells.map((cell) => {
    const wallMs = stats(cell, (s) => s.wallMs);
    const cpuMs = stats(cell, (s) => s.cpuUserMs + s.cpuSystemMs);
    const serial = serialOf.get(cell.mode);
    const serialWall = serial ? stats(serial, (s) => s.wallMs) : null;
    const serialCpu = serial ? stats(serial, (s) => s.cpuUserMs + s.cpuSystemMs).median : null;
    const workload = workloads.find((w) => w.mode === cell.mode);
    let vsSerial: Ratio | null = null;
    // A cell (or its serial) left without measured runs by an interrupt has no ratio to give.
    if (serialWall && serialWall.n > 0 && wallMs.n > 0 && cell.parse) {
      vsSerial = cell === serial ? { value: 1, sigma: 0 } : ratio(serialWall, wallMs);
    }
    const served = measured(cell).flatMap((s) => (s.siteLatencyMs === null ? [] : [s.siteLatencyMs]));
    const ideal =
      workload && cell.parse
        ? idealWallMs(
            cell,
            workload,
            serialCpu === null ? null : { cpuMs: serialCpu },
            cores,
            served.length > 0 ? computeStats(served).median : null,
            levelsOf(cell),
            leastCpuOf.get(cell.mode) ?? null,
          )
        : null;
    const b = bound(cell, wallMs.median, cpuMs.median, cores);
    const flags: CellFlag[] = [];
    if (coefficientOfVariation(wallMs) > NOISY_CV) flags.push('noisy');
    if (slowFirstRun(measured(cell).map((s) => s.wallMs))) flags.push('slow-first-run');
    if (cell.mode === 'io' && b.by === 'cpu') flags.push('cpu-bound-in-io-mode');
    if (b.by === 'site') flags.push('site-saturated');
    if (measured(cell).some((s) => s.errors > 0)) flags.push('errors');
    const stolen = measured(cell).filter((s) => typeof s.hostStealMs === 'number');
    const stealShare = stolen.length > 0 ? Math.max(...stolen.map((s) => hostStealShare(s, cores))) : null;
    if (stealShare !== null && stealShare > HOST_STEAL_SHARE) flags.push('host-steal');
    const { perWorker, ...rest } = cell;
    return {
      ...rest,
      ...(perWorker !== undefined && perWorker > 1 && { perWorker }),
      wallMs,
      pagesPerSecond: stats(cell, (s) => s.pagesPerSecond),
      cpuMs,
      vsSerial,
      idealWallMs: ideal,
      efficiency: ideal === null || wallMs.median === 0 ? null : ideal / wallMs.median,
      bound: b,
      flags,
      ...(stealShare !== null && { hostStealShare: stealShare }),
    };
  });
}

const label = (cell: CellResult): string => cellName(cell);

/** What sets a cell's requests in flight. */
export interface InFlightShape {
  readonly strategy: CrawlStrategyName;
  readonly concurrency: number;
  readonly perWorker?: number;
}

/**
 * Pages a cell has in flight at once: 1 for serial, the async limit, one per pool worker (a
 * worker of the thread, process or queue pools runs one task at a time), workers × tasks each for
 * a hybrid pool.
 */
export function requestsInFlight(cell: InFlightShape): number {
  return cell.strategy === 'serial' ? 1 : cell.concurrency * (cell.perWorker ?? 1);
}

/**
 * The strategy a mode's speedups are taken against: serial when the mode has a serial cell, else
 * async (the mixed workload, where serial would take 64 times too long), else none.
 */
export function baselineStrategy(
  cells: readonly { strategy: CrawlStrategyName; parse: boolean }[],
): CrawlStrategyName | null {
  if (cells.some((c) => c.strategy === 'serial' && c.parse)) return 'serial';
  if (cells.some((c) => c.strategy === 'async' && c.parse)) return 'async';
  return null;
}

/** The name of a cell in prose and tables: `serial`, `async ×8`, `threads ×2`, `threads 2×32`. */
export function cellName(cell: InFlightShape): string {
  if (cell.strategy === 'serial') return 'serial';
  if ((cell.perWorker ?? 1) > 1) return `${cell.strategy} ${cell.concurrency}×${cell.perWorker!}`;
  return `${cell.strategy} ×${cell.concurrency}`;
}

// With a single run a cell has no measured spread: its σ is 0 by construction, not by evidence,
// so a ratio involving it is given without one rather than as a reassuring "± 0.00".
const spreadKnown = (...cells: CellResult[]): boolean => cells.every((c) => c.wallMs.n >= 2);
// A σ below 0.005 gets a third decimal: "1.01x ± 0.00, within the noise" would read as a contradiction.
function x(r: Ratio, known: boolean): string {
  if (!known) return `${r.value.toFixed(2)}x`;
  const digits = r.sigma > 0 && r.sigma < 0.005 ? 3 : 2;
  return `${r.value.toFixed(digits)}x ± ${r.sigma.toFixed(digits)}`;
}

/** `a`, `a and b`, `a, b and c`. */
function list(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/**
 * The sentence that says a ranking is not a like-for-like race, or null when it is: the cells
 * other than serial (the baseline, 1 in flight by definition) had different numbers of requests
 * in flight. On IO-bound pages that number sets the pace whatever runs the requests, so async ×8
 * beating threads ×2 says 8 beats 2, not that threads are bad at IO.
 */
function fairness(mode: BenchMode, ranked: readonly CellResult[]): string | null {
  const byCount = new Map<number, string[]>();
  for (const cell of ranked) {
    if (cell.strategy === 'serial') continue;
    const n = requestsInFlight(cell);
    byCount.set(n, [...(byCount.get(n) ?? []), label(cell)]);
  }
  if (byCount.size < 2) return null;
  const groups = [...byCount.entries()].sort(([a], [b]) => b - a);
  const had = groups.map(
    ([n, labels], i) => `${list(labels)} had ${n}${i === 0 ? ' requests in flight' : ''}`,
  );
  // On CPU-bound pages the cores a cell can use (its bound) matter more than its requests in
  // flight, but the race is still not like-for-like, so it is said there too.
  const why =
    mode === 'io'
      ? 'and on IO-bound pages the number in flight sets the pace, whatever runs them'
      : mode === 'cpu'
        ? 'though on CPU-bound pages the cores a cell can use matter more (see its bound)'
        : 'and on these pages both the number in flight and the cores a cell can use set the pace';
  return `Not a like-for-like race: ${had.join(', ')}, ${why}; to compare the strategies, bench them at one concurrency (a single -c value).`;
}

/**
 * The verdict of a mode, computed from the cells: which strategy won, by how much against serial,
 * how sure that is against the runner-up, and what bound the winner; then, when the cells had
 * different numbers of requests in flight, a second sentence that says the race was not
 * like-for-like. With one run per cell no spread is claimed (no "± 0.00", no "within the noise").
 */
/** How a verdict names the pages of a mode. */
const MODE_PAGES: Readonly<Record<BenchMode, string>> = {
  io: 'IO-bound pages',
  cpu: 'CPU-bound pages',
  mixed: 'pages with many requests in flight and a parse cost',
};

export function verdict(mode: BenchMode, cells: readonly CellResult[]): string | null {
  const ranked = cells
    .filter((c) => c.mode === mode && c.parse)
    .sort((a, b) => b.pagesPerSecond.median - a.pagesPerSecond.median);
  const [best, second] = ranked;
  if (!best) return null;
  // The baseline: serial, or async in a mode without serial (mixed).
  const baseline = baselineStrategy(ranked);
  const serial = ranked.find((c) => c.strategy === baseline);
  const parts = [`${label(best)} wins on ${MODE_PAGES[mode]}`];
  const againstSerial = best.vsSerial !== null && serial !== undefined && best !== serial;
  if (againstSerial) {
    parts[0] += `: ${x(best.vsSerial!, spreadKnown(best, serial))} faster than ${label(serial)}`;
  }
  if (best.efficiency !== null) parts[0] += ` at ${Math.round(best.efficiency * 100)}% of the ideal`;
  // A runner-up that is the serial baseline would repeat the speedup just given.
  if (second && !(againstSerial && second === serial)) {
    const lead = ratio(second.wallMs, best.wallMs);
    if (!spreadKnown(best, second)) {
      parts.push(`${x(lead, false)} ahead of ${label(second)}`);
    } else {
      const clear = lead.value - 2 * lead.sigma > 1;
      parts.push(
        clear
          ? `${x(lead, true)} ahead of ${label(second)}`
          : `not clearly ahead of ${label(second)} (${x(lead, true)}, within the noise)`,
      );
    }
  }
  if (best.flags.includes('cpu-bound-in-io-mode')) {
    parts.push(`and CPU-bound, not IO-bound: it used ${best.bound.crawlerCores.toFixed(2)} cores`);
  } else if (best.bound.by === 'site') {
    parts.push(`but the fixture site was saturated (${best.bound.siteCores.toFixed(2)} cores)`);
  }
  const sentences = [`${parts.join(', ')}.`];
  if (!spreadKnown(...ranked.slice(0, 2), ...(serial ? [serial] : []))) {
    sentences.push('One run per cell: the run-to-run noise was not measured.');
  }
  const unfair = fairness(mode, ranked);
  if (unfair !== null) sentences.push(unfair);
  return sentences.join(' ');
}

/**
 * The per-task cost of the queue: each distributed cell against the processes cell of the same mode
 * and size. Both run `concurrency` workers of one task at a time, so the difference of their wall
 * times, spread over the tasks each worker ran (per level, when the bench follows links), is what
 * going through Redis adds to a task.
 */
export function queueOverheads(
  cells: readonly CellResult[],
  workloads: readonly Workload[],
): QueueOverhead[] {
  return cells.flatMap((cell) => {
    if (cell.strategy !== 'distributed' || cell.wallMs.n === 0) return [];
    // Workers running several tasks each are no lineup with processes of one task each.
    if (cell.queueWorkers !== undefined && cell.queueWorkers < cell.concurrency) return [];
    const twin = cells.find(
      (c) =>
        c.strategy === 'processes' &&
        c.mode === cell.mode &&
        c.concurrency === cell.concurrency &&
        c.parse === cell.parse,
    );
    const pages = workloads.find((w) => w.mode === cell.mode)?.pages;
    if (!twin || twin.wallMs.n === 0 || pages === undefined) return [];
    const tasksPerWorker = waves(levelsOf(cell) ?? [pages], cell.concurrency);
    const value = ((cell.wallMs.median - twin.wallMs.median) / tasksPerWorker) * 1000;
    const sigma = (Math.hypot(cell.wallMs.stddev, twin.wallMs.stddev) / tasksPerWorker) * 1000;
    return [{ mode: cell.mode, cellId: cell.id, baselineId: twin.id, perTaskUs: { value, sigma } }];
  });
}
