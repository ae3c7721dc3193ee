/**
 * Comparison of two bench results, the library half of `crawlbench compare base.json head.json`:
 * parse and validate both, match cells by id, judge each pages/s change against a threshold and the
 * run-to-run noise, render the verdicts as Markdown. The CLI reads the files and sets the exit code.
 */
import { computeStats, medianConfidenceInterval, ratio } from '../bench/stats.js';
import {
  BENCH_SCHEMA,
  READABLE_SCHEMA_VERSIONS,
  type BenchResult,
  type CellResult,
  type Environment,
  type MachineNoise,
  type Ratio,
  type Stats,
  type BenchMode,
} from '../bench/result.js';
import type { CrawlStrategyName } from '../crawler/types.js';
import { CrawlbenchError, describeValue, InvalidOptionError } from '../crawler/errors.js';
import { escapeMarkdownCell, escapeMarkdownText } from './escape.js';
import { describeStop } from './stopped-by.js';

export { DEFAULT_THRESHOLD_PCT, parseThreshold } from './threshold.js';

// ---------------------------------------------------------------------------------------------
// Parsing

type Json = Record<string, unknown>;

/** The fields that make two environments or two workloads the same for a comparison. */
const ENVIRONMENT_FIELDS = ['cpuModel', 'cores', 'os', 'node'] as const;
const WORKLOAD_SIZES = ['pages', 'latencyMs', 'pageKb', 'links', 'cpuWork'] as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one bench result file; every failure is one line naming the file and the field. */
class ResultReader {
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  fail(message: string): never {
    throw new CrawlbenchError('INVALID_RESULT', `${this.#source}: ${message}`);
  }

  object(value: unknown, path: string): Json {
    if (!isObject(value)) this.fail(`\`${path}\` must be an object, got ${describeValue(value)}`);
    return value;
  }

  array(value: unknown, path: string): readonly unknown[] {
    if (!Array.isArray(value)) this.fail(`\`${path}\` must be an array, got ${describeValue(value)}`);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(`\`${path}\` must be a string, got ${describeValue(value)}`);
    return value;
  }

  number(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(`\`${path}\` must be a finite number, got ${describeValue(value)}`);
    }
    return value;
  }

  stats(value: unknown, path: string): void {
    const stats = this.object(value, path);
    for (const key of ['n', 'mean', 'stddev', 'median', 'min', 'max'] as const) {
      this.number(stats[key], `${path}.${key}`);
    }
  }
}

/**
 * Checks that `json` (already `JSON.parse`d) is a crawlbench bench result this version can compare,
 * and returns it typed. Checked: `schema`, `schemaVersion`, `environment` (cpuModel, cores, node,
 * os), `workloads` (mode and sizes) and every cell's `id`, `mode`, `strategy`, `concurrency` and
 * `pagesPerSecond` stats; cell ids must be unique, since cells are matched by id. Other fields are
 * trusted, as `compare` does not read them.
 *
 * @param source names the input in messages, e.g. the file name.
 * @throws {CrawlbenchError} with code `INVALID_RESULT` and a one-line message.
 */
export function parseBenchResult(json: unknown, source: string): BenchResult {
  // The explicit type lets `r.fail` (returns never) narrow `json`, as TypeScript requires for it.
  const r: ResultReader = new ResultReader(source);
  if (!isObject(json))
    r.fail(`not a crawlbench bench result (expected an object, got ${describeValue(json)})`);
  if (json.schema !== BENCH_SCHEMA) {
    r.fail(`not a crawlbench bench result (schema ${describeValue(json.schema)})`);
  }
  if (typeof json.schemaVersion !== 'number' || !READABLE_SCHEMA_VERSIONS.includes(json.schemaVersion)) {
    r.fail(
      `unsupported schemaVersion ${describeValue(json.schemaVersion)}; this crawlbench reads ${READABLE_SCHEMA_VERSIONS.join(' and ')}`,
    );
  }
  const env = r.object(json.environment, 'environment');
  r.string(env.cpuModel, 'environment.cpuModel');
  r.number(env.cores, 'environment.cores');
  r.string(env.node, 'environment.node');
  r.string(env.os, 'environment.os');
  if (env.crawlerNodeFlags !== undefined) {
    r.array(env.crawlerNodeFlags, 'environment.crawlerNodeFlags').forEach((flag, i) =>
      r.string(flag, `environment.crawlerNodeFlags[${i}]`),
    );
  }
  r.array(json.workloads, 'workloads').forEach((value, i) => {
    const workload = r.object(value, `workloads[${i}]`);
    r.string(workload.mode, `workloads[${i}].mode`);
    for (const key of WORKLOAD_SIZES) r.number(workload[key], `workloads[${i}].${key}`);
  });
  const ids = new Set<string>();
  r.array(json.cells, 'cells').forEach((value, i) => {
    const cell = r.object(value, `cells[${i}]`);
    const id = r.string(cell.id, `cells[${i}].id`);
    if (ids.has(id)) r.fail(`cell id ${describeValue(id)} appears twice`);
    ids.add(id);
    r.string(cell.mode, `cells[${i}].mode`);
    r.string(cell.strategy, `cells[${i}].strategy`);
    r.number(cell.concurrency, `cells[${i}].concurrency`);
    r.stats(cell.pagesPerSecond, `cells[${i}].pagesPerSecond`);
  });
  // The noise probe (absent before it existed, null when a bench ran without it): compare reads
  // its size and median wall time.
  if (json.machineNoise !== undefined && json.machineNoise !== null) {
    const noise = r.object(json.machineNoise, 'machineNoise');
    r.number(noise.threads, 'machineNoise.threads');
    r.number(noise.rounds, 'machineNoise.rounds');
    r.stats(noise.wallMs, 'machineNoise.wallMs');
  }
  // What stopped an interrupted bench (absent before it was kept, null when nothing failed):
  // compare names it in its warning.
  if (json.stoppedBy !== undefined && json.stoppedBy !== null) {
    const stop = r.object(json.stoppedBy, 'stoppedBy');
    if (stop.cellId !== null) r.string(stop.cellId, 'stoppedBy.cellId');
    if (stop.build !== null && stop.build !== 'base' && stop.build !== 'head') {
      r.fail(`\`stoppedBy.build\` must be "base", "head" or null, got ${describeValue(stop.build)}`);
    }
    r.string(stop.code, 'stoppedBy.code');
    r.string(stop.message, 'stoppedBy.message');
  }
  return json as unknown as BenchResult;
}

// ---------------------------------------------------------------------------------------------
// Comparing

/**
 * What a cell's interval of the change says against the threshold T (each claim is only made
 * when the whole interval supports it):
 * - `regression`: the whole interval is below -T: slower by more than T, beyond the noise.
 * - `improvement`: the whole interval is above +T.
 * - `unchanged`: the whole interval is within ±T: any change is smaller than T.
 * - `inconclusive`: the interval straddles -T or +T (or both, when it is wider than 2T): the runs
 *   were too noisy to tell a change of T from none. Its point change still shows the direction.
 *   Also a paired cell with too few rounds for its interval to mean much (fewer than
 *   {@link MIN_PAIRED_ROUNDS}).
 */
export type CellVerdict = 'regression' | 'improvement' | 'unchanged' | 'inconclusive';

/** One cell present in both results: its pages/s on each side, the change and the verdict. */
export interface CellComparison {
  readonly id: string;
  readonly mode: BenchMode;
  readonly strategy: CrawlStrategyName;
  readonly concurrency: number;
  /** Pages/s of the cell in the base result (its median and stddev are what the table shows). */
  readonly base: Stats;
  readonly head: Stats;
  /**
   * Relative change of pages/s as a fraction (-0.123 is 12.3% slower). Unpaired: `value` is
   * head mean / base mean - 1 and `sigma` the propagated standard deviation of that ratio. Paired
   * (see `paired`): `value` is the median of the per-round ratios head / base, minus 1, and
   * `sigma` the standard deviation of their logarithms.
   */
  readonly change: Ratio;
  /**
   * As fractions. Unpaired: `change.value ∓ 2 * change.sigma`, a band of the runs' spread, which
   * more runs do not narrow. Paired: a distribution-free confidence interval of the median
   * per-round ratio, minus 1 (`medianConfidenceInterval` at 95%, the sign test's), which more
   * rounds do narrow; `confidence` is its coverage.
   */
  readonly interval: { readonly low: number; readonly high: number };
  /**
   * Paired: the probability that `interval` holds the median per-round change, 0..1 (0.9375 with
   * 5 rounds, 0.95 or more from 6). Unpaired: null, the ±2σ band is not a confidence interval.
   */
  readonly confidence: number | null;
  /**
   * Whether the change was taken round by round: both results come from one A/B bench (`bench
   * --against`), where each round ran the two builds back to back, so what drifts between rounds
   * cancels within each pair.
   */
  readonly paired: boolean;
  readonly verdict: CellVerdict;
}

/**
 * How fast the machine itself was on each side: the medians of the noise probe, the same fixed CPU
 * job on every core once per round (`BenchResult.machineNoise`), of two separate benches.
 */
export interface MachineDrift {
  /** Median wall time of the probe in the base and head benches, in ms. */
  readonly baseMs: number;
  readonly headMs: number;
  /**
   * The machine's own change of speed as a fraction, in the sense of a cell's change: base ms /
   * head ms - 1 (-0.1: the machine did the same job 10% slower in head's bench).
   */
  readonly change: number;
}

/** The whole comparison of a base and a head result, as {@link renderComparisonMarkdown} renders it. */
export interface Comparison {
  /** The threshold the verdicts used, in percent. */
  readonly thresholdPct: number;
  readonly base: { readonly createdAt: string; readonly environment: Environment };
  readonly head: { readonly createdAt: string; readonly environment: Environment };
  /** The cells present in both results, in the base result's order. */
  readonly cells: readonly CellComparison[];
  /** Ids of cells only the base result has, in its order: listed, never matched by guesswork. */
  readonly onlyInBase: readonly string[];
  /** Ids of cells only the head result has, in its order. */
  readonly onlyInHead: readonly string[];
  /** Number of cells whose verdict is `regression`. */
  readonly regressions: number;
  /** Number of cells whose verdict is `inconclusive`: too noisy to tell. */
  readonly inconclusive: number;
  /**
   * The machine's own speed on each side, when both are separate benches that ran the same noise
   * probe; null otherwise (no probe on a side, probes of different sizes, or the two sides of one
   * A/B bench, which share their probe and their machine).
   */
  readonly machine: MachineDrift | null;
  /**
   * Reasons to distrust the comparison that do not fail it: different machines or Node versions,
   * different workloads, an interrupted bench. One sentence each.
   */
  readonly warnings: readonly string[];
}

/** Options of {@link compareResults}. */
export interface CompareOptions {
  /** How large a change of pages/s must be to count, in percent (10 means 10%). */
  readonly thresholdPct: number;
}

/**
 * The band of an unpaired change (two separate benches), and why ±2σ: if the ratio of means is
 * roughly normal, ±1.96σ holds 95% of its distribution, and 2σ (95.4%) is the usual round
 * figure. Sigma is propagated from the per-run standard deviations (as hyperfine does), not from
 * standard errors of the means, so the band is the runs' spread, wider than a 95% confidence
 * interval of the mean, and more runs do not narrow it. On purpose: the machine drifts between
 * two benches by more than either's standard errors say (see the README's Performance section),
 * so an interval built from them would call that drift a regression. A regression must stand
 * clear of the run-to-run noise, which errs towards no false alarms in CI, as a gate that fails
 * builds should. The two sides of one A/B bench, where the drift cancels round by round, get a
 * confidence interval instead (`PAIRED_CONFIDENCE`).
 */
const SIGMAS = 2;

/** The coverage a paired cell's interval aims at (see `medianConfidenceInterval`). */
const PAIRED_CONFIDENCE = 0.95;

/**
 * The fewest paired rounds whose interval supports a verdict: the bench's least, whose range holds
 * the median with 93.75%. With fewer (the range of 4 holds it with 87.5%) the cell is inconclusive
 * whatever its interval.
 */
const MIN_PAIRED_ROUNDS = 5;

/** The coverage of the range of n values as an interval of their median: 1 - 2 / 2^n. */
function rangeCoverage(n: number): number {
  return 1 - 2 ** (1 - n);
}

/**
 * The fewest rounds whose paired interval is narrower than their range (9 at 95%): below it, more
 * rounds raise the range's coverage rather than narrow it.
 */
const ROUNDS_FOR_INNER_RANKS = ((): number => {
  let n = 2;
  while (medianConfidenceInterval([...Array(n).keys()], PAIRED_CONFIDENCE)!.low === 0) n++;
  return n;
})();

/** See {@link CellVerdict}; `low` and `high` bound the interval, `threshold` is a fraction. */
export function verdictOf(low: number, high: number, threshold: number): CellVerdict {
  if (high < -threshold) return 'regression';
  if (low > threshold) return 'improvement';
  if (low >= -threshold && high <= threshold) return 'unchanged';
  return 'inconclusive';
}

/**
 * The per-round log ratios ln(head / base) of a cell both sides of one A/B bench measured in the
 * same rounds (matched by sample index), or null when they cannot be paired (fewer than 2 rounds
 * in common, a round missing on one side, a run with no pages/s).
 */
function pairedLogRatios(base: CellResult, head: CellResult): number[] | null {
  const measured = (cell: CellResult): Map<number, number> =>
    new Map(cell.samples.filter((s) => !s.warmup).map((s) => [s.index, s.pagesPerSecond]));
  const b = measured(base);
  const h = measured(head);
  if (b.size < 2 || b.size !== h.size) return null;
  const logs: number[] = [];
  for (const [index, basePps] of b) {
    const headPps = h.get(index);
    if (headPps === undefined || !(basePps > 0) || !(headPps > 0)) return null;
    logs.push(Math.log(headPps / basePps));
  }
  return logs;
}

function compareCell(base: CellResult, head: CellResult, threshold: number, abRun: boolean): CellComparison {
  const logs = abRun ? pairedLogRatios(base, head) : null;
  let change: Ratio;
  let interval: { low: number; high: number };
  let confidence: number | null = null;
  let verdict: CellVerdict;
  if (logs !== null) {
    const { median, stddev } = computeStats(logs);
    // pairedLogRatios gives two or more rounds, so there is an interval.
    const ci = medianConfidenceInterval(logs, PAIRED_CONFIDENCE)!;
    change = { value: Math.exp(median) - 1, sigma: stddev };
    interval = { low: Math.exp(ci.low) - 1, high: Math.exp(ci.high) - 1 };
    confidence = ci.confidence;
    verdict =
      logs.length < MIN_PAIRED_ROUNDS ? 'inconclusive' : verdictOf(interval.low, interval.high, threshold);
  } else {
    const r = ratio(head.pagesPerSecond, base.pagesPerSecond);
    change = { value: r.value - 1, sigma: r.sigma };
    interval = { low: change.value - SIGMAS * change.sigma, high: change.value + SIGMAS * change.sigma };
    verdict = verdictOf(interval.low, interval.high, threshold);
  }
  return {
    id: base.id,
    mode: base.mode,
    strategy: base.strategy,
    concurrency: base.concurrency,
    base: base.pagesPerSecond,
    head: head.pagesPerSecond,
    change,
    interval,
    confidence,
    paired: logs !== null,
    verdict,
  };
}

/** Whether two results are the two sides of one A/B bench (`bench --against`). */
function isAbPair(base: BenchResult, head: BenchResult): boolean {
  return base.abRole === 'base' && head.abRole === 'head' && base.createdAt === head.createdAt;
}

/** See {@link Comparison.machine}. */
function machineDriftOf(base: BenchResult, head: BenchResult, abRun: boolean): MachineDrift | null {
  const b: MachineNoise | null = base.machineNoise ?? null;
  const h: MachineNoise | null = head.machineNoise ?? null;
  if (abRun || b === null || h === null || b.threads !== h.threads || b.rounds !== h.rounds) return null;
  const baseMs = b.wallMs.median;
  const headMs = h.wallMs.median;
  if (!(baseMs > 0) || !(headMs > 0)) return null;
  return { baseMs, headMs, change: baseMs / headMs - 1 };
}

/** A machine that drifted by the threshold or more can make a verdict by itself: a warning. */
function driftWarns(drift: MachineDrift, thresholdPct: number): boolean {
  return Math.abs(drift.change) >= thresholdPct / 100;
}

/**
 * What the machine's drift means for the comparison, in one sentence: the probe's medians and how
 * much slower or faster the machine itself was in head's bench.
 */
function machineSentence(drift: MachineDrift): string {
  const { baseMs, headMs, change } = drift;
  const speed =
    Math.abs(change) < 0.0005
      ? 'as fast in both'
      : `${Math.abs(change * 100).toFixed(1)}% ${change < 0 ? 'slower' : 'faster'} in head`;
  return (
    `The machine itself was ${speed}: the noise probe (the same fixed CPU job on every core, once ` +
    `per round) took a median of ${baseMs.toFixed(0)} ms in base and ${headMs.toFixed(0)} ms in head. ` +
    'A CPU-bound cell that moved by about as much moved with the machine, not with the code; ' +
    'an A/B bench (bench --against) measures both builds in one run, where such drift cancels.'
  );
}

function warningsOf(base: BenchResult, head: BenchResult): string[] {
  const warnings: string[] = [];
  const envDiffs = ENVIRONMENT_FIELDS.filter((key) => base.environment[key] !== head.environment[key]).map(
    (key) => `${key} ${JSON.stringify(base.environment[key])} vs ${JSON.stringify(head.environment[key])}`,
  );
  if (envDiffs.length > 0) {
    warnings.push(
      `The environments differ (${envDiffs.join(', ')}): the change may come from the machine, not the code.`,
    );
  }
  const flags = (env: Environment): string => (env.crawlerNodeFlags ?? []).join(' ') || 'none';
  if (flags(base.environment) !== flags(head.environment)) {
    warnings.push(
      `The crawler processes ran with other Node flags (${flags(base.environment)} vs ${flags(head.environment)}): the benches measured them differently, so part of the change may come from the bench, not the code.`,
    );
  }
  for (const workload of base.workloads) {
    const other = head.workloads.find((w) => w.mode === workload.mode);
    const diffs: string[] = WORKLOAD_SIZES.filter(
      (key) => other !== undefined && other[key] !== workload[key],
    );
    // A list crawl (no depth) against a link-following one (`bench --depth`), or two depths.
    if (other !== undefined && (other.depth ?? null) !== (workload.depth ?? null)) diffs.push('depth');
    if (diffs.length > 0) {
      warnings.push(
        `The ${workload.mode} workloads differ (${diffs.join(', ')}): its cells measured different crawls.`,
      );
    }
  }
  for (const [name, result] of [
    ['base', base],
    ['head', head],
  ] as const) {
    if (result.state !== 'completed') {
      const stop = describeStop(result);
      const why = stop === null ? '' : ` by a failure (${stop})`;
      warnings.push(`The ${name} bench was ${String(result.state)}${why}: some cells may be missing.`);
    }
  }
  return warnings;
}

/**
 * Compares the pages/s of every cell present in both results (matched by `id`) and counts the
 * regressions; see {@link CellVerdict} for the rules, `SIGMAS` above for why an unpaired band is
 * ±2σ and `medianConfidenceInterval` for a paired cell's interval. An unpaired cell with fewer
 * than 2 runs has sigma 0 on its side, so only the threshold protects it.
 *
 * @throws {InvalidOptionError} when `thresholdPct` is not a number from 0 to under 100.
 */
export function compareResults(base: BenchResult, head: BenchResult, options: CompareOptions): Comparison {
  const { thresholdPct } = options;
  if (!(thresholdPct >= 0 && thresholdPct < 100)) {
    throw new InvalidOptionError(
      `Expected \`thresholdPct\` to be a number from 0 to under 100, got ${describeValue(thresholdPct)}`,
    );
  }
  const headById = new Map(head.cells.map((cell) => [cell.id, cell]));
  const baseIds = new Set(base.cells.map((cell) => cell.id));
  const cells: CellComparison[] = [];
  const onlyInBase: string[] = [];
  const abRun = isAbPair(base, head);
  const machine = machineDriftOf(base, head, abRun);
  for (const cell of base.cells) {
    const other = headById.get(cell.id);
    if (other === undefined) onlyInBase.push(cell.id);
    else cells.push(compareCell(cell, other, thresholdPct / 100, abRun));
  }
  return {
    thresholdPct,
    base: { createdAt: base.createdAt, environment: base.environment },
    head: { createdAt: head.createdAt, environment: head.environment },
    cells,
    onlyInBase,
    onlyInHead: head.cells.filter((cell) => !baseIds.has(cell.id)).map((cell) => cell.id),
    regressions: cells.filter((cell) => cell.verdict === 'regression').length,
    inconclusive: cells.filter((cell) => cell.verdict === 'inconclusive').length,
    machine,
    warnings: [
      ...warningsOf(base, head),
      ...(machine && driftWarns(machine, thresholdPct) ? [machineSentence(machine)] : []),
    ],
  };
}

/**
 * The exit code policy of `crawlbench compare`: 1 when any cell regressed beyond the threshold
 * and its noise, else 0. An inconclusive cell does not fail the build: it says the bench could
 * not tell, which the report shows rather than the exit code guessing.
 */
export function comparisonExitCode(c: Comparison): 0 | 1 {
  return c.regressions > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const VERDICT_WORDS: Readonly<Record<CellVerdict, string>> = {
  regression: '**regression**',
  improvement: 'improvement',
  unchanged: 'unchanged',
  inconclusive: 'inconclusive (too noisy)',
};

/** A paired cell whose rounds are too few for its interval to support a verdict. */
function tooFewRounds(cell: CellComparison): boolean {
  return cell.paired && cell.base.n < MIN_PAIRED_ROUNDS;
}

function verdictWords(cell: CellComparison): string {
  return tooFewRounds(cell) ? 'inconclusive (too few rounds)' : VERDICT_WORDS[cell.verdict];
}

/** A coverage as a percentage, to one decimal when it has one: `93.8%`, `75%`. */
function formatConfidence(confidence: number): string {
  const pct = Math.round(confidence * 1000) / 10;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/**
 * The note under the table: how the change and its interval were taken (paired round by round
 * for the two sides of one A/B bench, else from the means and their spread), what the verdicts
 * claim, and what would narrow an interval that is too wide.
 */
function howChangeWasTaken(c: Comparison): string {
  const t = c.thresholdPct;
  const paired = c.cells.filter((cell) => cell.paired);
  const unpaired =
    'ratio of the mean pages/s, head / base - 1, and its interval ± 2σ propagated from both deviations';
  const sentences: string[] = [];
  if (paired.length === 0) {
    sentences.push(
      `Change: ${unpaired}: the runs' spread, not a confidence interval of the means, since two benches also ` +
        'differ by how much the machine drifted between them; more runs do not narrow it.',
    );
  } else {
    const confidences = [...new Set(paired.map((cell) => cell.confidence ?? 0))].sort((a, b) => a - b);
    const coverage =
      confidences.length === 1
        ? formatConfidence(confidences[0]!)
        : `${formatConfidence(confidences[0]!)}-${formatConfidence(confidences.at(-1)!)}`;
    sentences.push(
      `Change${paired.length === c.cells.length ? '' : ` (in the ${paired.length} cells measured round by round on both sides)`}: ` +
        'the two builds ran each round back to back (one A/B bench), so it is taken round by round, where drift ' +
        'between rounds cancels within each pair: the median of the per-round ratios head / base, - 1, and its ' +
        `interval a distribution-free confidence interval of that median (the sign test's, ${coverage} here: ` +
        `the range of the per-round changes up to ${ROUNDS_FOR_INNER_RANKS - 1} rounds, inner ones from ` +
        `${ROUNDS_FOR_INNER_RANKS} rounds on, narrower as rounds are added).`,
    );
    if (paired.length < c.cells.length) sentences.push(`Other cells: ${unpaired}.`);
  }
  sentences.push(
    `A verdict holds for the whole interval: a regression is slower by more than ${t}% across all of it, ` +
      `unchanged stays within ±${t}%, and inconclusive straddles ${t}%: those runs were too noisy to tell a ` +
      'change of that size from none.',
  );
  if (paired.some(tooFewRounds)) {
    sentences.push(
      `A paired cell with fewer than ${MIN_PAIRED_ROUNDS} rounds is inconclusive whatever its interval (its ` +
        `range holds the median with ${formatConfidence(rangeCoverage(MIN_PAIRED_ROUNDS - 1))} or less).`,
    );
  }
  sentences.push(
    paired.length > 0
      ? `To narrow an interval: ${ROUNDS_FOR_INNER_RANKS} rounds or more (\`--min-runs ${ROUNDS_FOR_INNER_RANKS}\`, or ` +
          '`--runs`), or a quieter machine.'
      : 'To narrow an interval: bench both builds in one run, `crawlbench bench --against` (its rounds are paired ' +
          'and more of them narrow the interval), or on a quieter machine.',
  );
  return sentences.join(' ');
}

function formatRate(s: Stats): string {
  const digits = s.median < 100 ? 1 : 0;
  return `${s.median.toFixed(digits)} ± ${s.stddev.toFixed(digits)}`;
}

/** A signed percentage with one decimal: `+4.2%`, `-30.0%`. */
function formatPct(fraction: number): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? '+∞%' : '-∞%';
  const text = `${(fraction * 100).toFixed(1)}%`;
  return fraction >= 0 ? `+${text}` : text;
}

function describeEnvironment(env: Environment): string {
  return `${env.cpuModel} × ${env.cores}, ${env.os}, Node ${env.node}`;
}

function headingOf(c: Comparison): string {
  const counts = [`${c.regressions} ${c.regressions === 1 ? 'regression' : 'regressions'}`];
  if (c.inconclusive > 0) counts.push(`${c.inconclusive} inconclusive`);
  return `## crawlbench compare: ${counts.join(', ')} in ${c.cells.length} cells (threshold ${c.thresholdPct}%)`;
}

/**
 * Renders a comparison as GitHub-flavoured Markdown: a heading with the count of regressions (and
 * of inconclusive cells), one table row per matched cell (pages/s as median ± stddev, the change,
 * its interval and the verdict), a note on how the change and its interval were taken, then the
 * cells found on one side only and the warnings. Everything that came from the JSON files is escaped.
 */
export function renderComparisonMarkdown(c: Comparison): string {
  const lines = [
    headingOf(c),
    '',
    `Base: ${escapeMarkdownText(`${c.base.createdAt}, ${describeEnvironment(c.base.environment)}`)}  `,
    `Head: ${escapeMarkdownText(`${c.head.createdAt}, ${describeEnvironment(c.head.environment)}`)}`,
    '',
    ...c.warnings.map((warning) => `> **Warning:** ${escapeMarkdownText(warning)}\n`),
  ];
  if (c.cells.length > 0) {
    lines.push('| Cell | Base pages/s | Head pages/s | Change | Interval | Verdict |');
    lines.push('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const cell of c.cells) {
      const change = formatPct(cell.change.value);
      const interval = `${formatPct(cell.interval.low)} to ${formatPct(cell.interval.high)}`;
      const row = [
        escapeMarkdownCell(cell.id),
        formatRate(cell.base),
        formatRate(cell.head),
        change,
        interval,
      ];
      lines.push(`| ${row.join(' | ')} | ${verdictWords(cell)} |`);
    }
    lines.push('', `Pages/s: median ± standard deviation over the runs. ${howChangeWasTaken(c)}`);
  }
  // The machine's drift, unless it is among the warnings.
  if (c.machine !== null && !driftWarns(c.machine, c.thresholdPct)) {
    lines.push('', `**Machine:** ${escapeMarkdownText(machineSentence(c.machine))}`);
  }
  const ids = (list: readonly string[]): string => list.map((id) => escapeMarkdownText(id)).join(', ');
  if (c.onlyInBase.length > 0) lines.push('', `Only in base (not compared): ${ids(c.onlyInBase)}`);
  if (c.onlyInHead.length > 0) lines.push('', `Only in head (not compared): ${ids(c.onlyInHead)}`);
  return `${lines.join('\n')}\n`;
}
