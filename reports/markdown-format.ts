import { baselineStrategy, cellName } from '../bench/analyze.js';
import type {
  BenchResult,
  CellResult,
  MachineNoise,
  QueueCost,
  Ratio,
  RunSample,
  BenchMode,
} from '../bench/result.js';
import { CRAWLER_FLAG_REASONS } from '../bench/crawler-flags.js';
import { type WarmupKind, warmupKindOf } from '../bench/options.js';
import { coefficientOfVariation, medianRelativeError } from '../bench/stats.js';

// Number formats of the Markdown report, in one place so every table agrees. `toFixed` rather than
// `Intl`: the report must read the same whatever the locale of the machine that rendered it.

/** Shown for a value that does not exist (no serial cell, no ideal) or is not a finite number. */
export const NONE = '—';

const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : NONE;

/** Milliseconds as seconds with 3 decimals: `2.412`. */
export const seconds = (ms: number): string => fixed(ms / 1000, 3);

/** Pages per second with 1 decimal: `962.4`. */
export const rate = (perSecond: number): string => fixed(perSecond, 1);

/** Milliseconds with 1 decimal, for page latencies: `51.3`. */
export const millis = (ms: number): string => fixed(ms, 1);

/** Bytes in MiB (2^20 bytes: what the report labels MiB, never MB) with 1 decimal: `175.3`. */
export const mebibytes = (bytes: number): string => fixed(bytes / 2 ** 20, 1);

/** Bytes in GiB with 1 decimal: `7.8 GiB`. */
export const gibibytes = (bytes: number): string => `${fixed(bytes / 2 ** 30, 1)} GiB`;

/** A fraction as a whole percentage: `96%`. */
export const percent = (fraction: number): string =>
  Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : NONE;

/** Shown for a standard deviation that was not measured: a single run has none, not one of 0. */
export const NO_SPREAD = 'n/a';

/**
 * A ratio with 2 decimals and its sigma: `21.30x ± 0.40`; `21.30x ± n/a` when `spread` is false
 * (a side of the ratio had a single run, so its sigma of 0 means nothing).
 */
export const ratio = (r: Ratio, spread = true): string =>
  `${fixed(r.value, 2)}x ± ${spread ? fixed(r.sigma, 2) : NO_SPREAD}`;

/** A count of cores with 2 decimals, which is what separates "saturated" from "nearly": `0.97`. */
export const cores = (n: number): string => fixed(n, 2);

/** What each mode is called in headings, verdicts and the workload list. */
export const MODE_TITLES: Readonly<Record<BenchMode, string>> = {
  io: 'IO-bound',
  cpu: 'CPU-bound',
  mixed: 'Mixed: many in flight, with a parse cost',
};

/** `async` or `async (fetch only)`: the Strategy column. */
export function strategyLabel(cell: CellResult): string {
  return cell.parse ? cell.strategy : `${cell.strategy} (fetch only)`;
}

/** `async ×64 (fetch only)`, `serial`: how prose names a cell. */
export function cellLabel(cell: CellResult): string {
  const base = cellName(cell);
  return cell.parse ? base : `${base} (fetch only)`;
}

/** The Concurrency column: `8`, or `2×32` for a hybrid pool (workers × tasks each). */
export function concurrencyText(cell: CellResult): string {
  return (cell.perWorker ?? 1) > 1 ? `${cell.concurrency}×${cell.perWorker!}` : String(cell.concurrency);
}

/** The runs that count: warm-ups are shown in the run details but enter no statistic. */
export function measuredSamples(cell: CellResult): readonly RunSample[] {
  return cell.samples.filter((s) => !s.warmup);
}

/** Median of a list; NaN when it is empty so that the formatters print {@link NONE}. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The baseline a mode's `vsSerial` ratios are taken against, among that mode's cells: its serial
 * cell, or its async cell in a mode without serial (mixed).
 */
export function baselineOf(cells: readonly CellResult[]): CellResult | undefined {
  const strategy = baselineStrategy(cells);
  // A baseline left without measured runs (an interrupt) has no ratio: then there is none.
  return cells.find((c) => c.strategy === strategy && c.parse && c.vsSerial !== null);
}

/** The header of the speedup column: `vs serial`, or `vs async` in a mode whose baseline is async. */
export function versusHeader(cells: readonly CellResult[]): string {
  return `vs ${baselineOf(cells)?.strategy ?? 'serial'}`;
}

/** `2`, or `1.25` for a fractional count: usable cores are threads of execution, seldom fractions. */
function coreCount(n: number): string {
  return Number.isInteger(n) ? String(n) : cores(n);
}

/** Whether each side of a cell's ratios had runs enough (2) for a standard deviation. */
export function hasSpread(...cells: readonly (CellResult | undefined)[]): boolean {
  return cells.every((c) => c === undefined || c.wallMs.n >= 2);
}

/**
 * What bound a cell, with the cores behind the judgement: `CPU: 1.90 of 2 cores used` (computing),
 * `waiting: 0.04 of 1 core used` (on the network: the CPU was mostly idle), `site: 0.97 of its
 * core` (the fixture site set the pace). Used by the Markdown and the HTML reports.
 */
export function boundText(cell: CellResult): string {
  const { by, crawlerCores, usableCores, siteCores } = cell.bound;
  if (by === 'site') return `site: ${cores(siteCores)} of its core`;
  const usable = coreCount(usableCores);
  const used = `${cores(crawlerCores)} of ${usable} core${usable === '1' ? '' : 's'} used`;
  return by === 'cpu' ? `CPU: ${used}` : `waiting: ${used}`;
}

/** Modes in the order the bench ran them, plus any that only the cells or workloads mention. */
export function modesOf(result: BenchResult): BenchMode[] {
  const modes = new Set<BenchMode>(result.options.modes);
  for (const w of result.workloads) modes.add(w.mode);
  for (const c of result.cells) modes.add(c.mode);
  return [...modes];
}

/**
 * What the queue side of a distributed cell cost per task, in one line (plain text: the caller
 * escapes it): `io/distributed/64/workers-1 (1 worker, 64 tasks at once): coordinator 0.045 ms per
 * task (22,000 tasks/s per core; 0.12 of a core, 12% of the run's CPU), workers 0.31 ms, Redis
 * 0.11 ms`.
 */
/**
 * The warm-up counts that differ from `warmup`, as a parenthesis for "after N warm-up runs per
 * cell": ` (3 for async and the pools on the io workload, 2 for a cell with workers on the cpu and
 * mixed workloads, 3 for the raw ceiling's crawl)`, or '' when all are alike.
 */
export function otherWarmupsText(result: BenchResult): string {
  const { warmup, ioWarmup = warmup, poolWarmup = warmup, rawWarmup = warmup } = result.options;
  const has = (kind: WarmupKind): boolean =>
    result.cells.some((c) => warmupKindOf(c.strategy, c.mode) === kind);
  const parts = [
    ...(has('io') && ioWarmup !== warmup ? [`${ioWarmup} for async and the pools on the io workload`] : []),
    ...(has('pool') && poolWarmup !== warmup
      ? [`${poolWarmup} for a cell with workers on the cpu and mixed workloads`]
      : []),
    ...(result.rawCeiling !== null && rawWarmup !== warmup
      ? [`${rawWarmup} for the raw ceiling's crawl`]
      : []),
  ];
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Whether the bench could give a cell more runs than `runs` (results since `maxRuns`). */
function ranExtraRounds(result: BenchResult): boolean {
  const { runs, maxRuns } = result.options;
  return typeof maxRuns === 'number' && maxRuns > runs;
}

/** How a cell's median stands: its relative standard error, `±1.4%`; `—` with fewer than 2 runs. */
export function medianErrorText(cell: CellResult): string {
  const pct = medianErrorPct(cell);
  return Number.isFinite(pct) ? `±${pct.toFixed(1)}%` : NONE;
}

/** The relative standard error of a cell's median wall time, in percent (Infinity under two runs). */
function medianErrorPct(cell: CellResult): number {
  return medianRelativeError(measuredSamples(cell).map((s) => s.wallMs)) * 100;
}

/** `5 measured runs`, or `5-14 measured runs` when some cells ran extra rounds. */
export function measuredRunsText(result: BenchResult): string {
  const { runs } = result.options;
  const counts = result.cells.map((c) => measuredSamples(c).length).filter((n) => n > 0);
  const most = Math.max(runs, ...counts);
  return `${most > runs ? `${runs}-${most}` : runs} measured run${most === 1 ? '' : 's'}`;
}

/**
 * The extra rounds, as plain text for the reports to escape: the rule, how many cells ran more,
 * and which ended less certain than the target because the budget or `maxRuns` ended them. Empty
 * when the bench could not run any (`--runs`, or a result from before them).
 */
export function extraRoundsText(result: BenchResult): string {
  if (!ranExtraRounds(result)) return '';
  const { runs, maxRuns, targetErrorPct, budgetMs } = result.options;
  const target = typeof targetErrorPct === 'number' ? targetErrorPct : Number.NaN;
  const budget = typeof budgetMs === 'number' ? `${Math.round(budgetMs / 1000)} s` : 'its';
  const cells = result.cells.filter((c) => c.id !== result.rawCeiling?.cellId);
  const modes = [...new Set(cells.map((c) => c.mode))];
  const extended = modes.flatMap((mode) => {
    const counts = cells.filter((c) => c.mode === mode).map((c) => measuredSamples(c).length);
    const [least, most] = [Math.min(...counts), Math.max(...counts)];
    return most > runs ? [`${mode}: ${least === most ? most : `${least}-${most}`} runs`] : [];
  });
  const short = cells.filter((c) => medianErrorPct(c) > target);
  const name = (c: CellResult): string => `${c.mode} ${cellLabel(c)}`;
  const rule = `Every cell ran ${runs} measured runs; then the cells of a mode in which a median was less certain than ±${target}% (its relative standard error) ran more rounds together, up to ${maxRuns!}, while the bench's ${budget} budget lasted`;
  const did =
    extended.length > 0
      ? `${extended.length} of ${modes.length} mode${modes.length === 1 ? '' : 's'} did (${extended.join(', ')})`
      : short.length === 0
        ? 'no mode needed to'
        : 'none did, as the budget left no time for a round';
  const left =
    short.length === 0
      ? `every median is within ±${target}%`
      : `${short.map((c) => `${name(c)} ended at ${missedErrorText(c, target)}`).join(', ')}`;
  return `${rule}: ${did}; ${left}.`;
}

/**
 * The median's error of a cell that missed the target, with the decimals it takes to show it above
 * the target (±2.04% against ±2%, not ±2.0%).
 */
function missedErrorText(cell: CellResult, targetPct: number): string {
  const pct = medianErrorPct(cell);
  let digits = 1;
  while (digits < 3 && Number(pct.toFixed(digits)) <= targetPct) digits++;
  return `±${pct.toFixed(digits)}%`;
}

/**
 * How the cells ran, as plain text for the reports to escape: in processes of their own, pools warm,
 * and with the Node flags the bench gave the crawler processes, when the result names any.
 */
export function cellProcessesText(result: BenchResult): string {
  const flags = result.environment.crawlerNodeFlags ?? [];
  const how =
    'Each cell runs in a process of its own; the thread and process pools start once per cell and stay warm across its runs, so their wall times are steady state, without pool start-up.';
  if (flags.length === 0) return how;
  const reasons = flags.flatMap((flag) =>
    Object.hasOwn(CRAWLER_FLAG_REASONS, flag) ? [CRAWLER_FLAG_REASONS[flag]!] : [],
  );
  return `${how} The crawler processes run with ${flags.join(' ')}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}.`;
}

/**
 * The noise probe's sentence: its spread, and where the CPU-bound cells' spreads sit against it.
 * Plain text: the caller escapes it for its format.
 */
export function machineNoiseText(noise: MachineNoise, cells: readonly CellResult[]): string {
  // One decimal: a steady machine's CV is a few tenths of a percent.
  const cvText = (cv: number): string => `${fixed(cv * 100, 1)}%`;
  const job = `${noise.rounds.toLocaleString('en-US')} rounds of the cpu workload's extra work on each of ${noise.threads} thread${noise.threads === 1 ? '' : 's'} at once, once per round between the cells`;
  const spread = `median ${millis(noise.wallMs.median)} ms, CV ${cvText(noise.cv)} over ${noise.wallMs.n} measured round${noise.wallMs.n === 1 ? '' : 's'}`;
  const cpuBound = cells.filter((c) => c.bound.by === 'cpu' && c.wallMs.n > 1);
  const cvs = cpuBound.map((c) => coefficientOfVariation(c.wallMs));
  const against =
    cvs.length === 0
      ? ''
      : ` The CPU-bound cells' CVs: ${cvText(Math.min(...cvs))}-${cvText(Math.max(...cvs))}, ${cvs.filter((cv) => cv <= noise.cv).length} of ${cvs.length} at or below the machine's.`;
  return `${job}: ${spread}. Only the machine changes between these runs, so this spread is the floor under a CPU-bound cell's: a cell near it is as steady as this machine allows.${against}`;
}

export function queueCostText(c: QueueCost): string {
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  const workers = `${c.workers} worker${c.workers === 1 ? '' : 's'}, ${c.slots} tasks at once`;
  const perCore = Math.round(c.tasksPerCoordinatorCore).toLocaleString('en-US');
  const redis = c.redisMsPerTask === null ? 'Redis not measured' : `Redis ${ms(c.redisMsPerTask.median)}`;
  return (
    `${c.cellId} (${workers}): coordinator ${ms(c.coordinatorMsPerTask.median)} per task ` +
    `(${perCore} tasks/s per core; ${c.coordinatorCores.median.toFixed(2)} of a core, ` +
    `${Math.round(c.coordinatorShare.median * 100)}% of the run's CPU), ` +
    `workers ${ms(c.workersMsPerTask.median)}, ${redis}`
  );
}
