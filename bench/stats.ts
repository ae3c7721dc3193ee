/**
 * Pure statistics of a bench: no I/O, no clock, never prints. The textbook parts come from
 * simple-statistics; what is ours (the ratio's propagated uncertainty, the slow-first-run rule) is
 * spelled out and checked in `test/stats.test.ts` against reference values.
 */
import {
  binomialDistribution,
  max,
  mean,
  median,
  medianAbsoluteDeviation,
  min,
  quantile,
  sampleStandardDeviation,
} from 'simple-statistics';
import { CrawlbenchError, describeValue } from '../crawler/errors.js';
import type { Ratio, Stats } from './result.js';

/** The Stats of an empty sample: all zeros, so a report never shows NaN; `n: 0` tells it apart. */
const EMPTY_STATS: Stats = { n: 0, mean: 0, stddev: 0, median: 0, min: 0, max: 0 };

function assertFinite(values: readonly number[], name: string): void {
  values.forEach((value, index) => {
    if (!Number.isFinite(value)) {
      throw new CrawlbenchError(
        'INVALID_ARGUMENT',
        `Expected \`${name}\` to hold finite numbers, got ${describeValue(value)} at index ${index}`,
      );
    }
  });
}

/**
 * Summary statistics of a sample: mean, sample standard deviation (n - 1), median, min and max.
 *
 * An empty sample gives all zeros with `n: 0` rather than throwing or NaN: an interrupted bench
 * can leave a cell without measured runs, and its report must still render. Readers check `n`.
 * A single value has `stddev: 0` (the sample deviation is undefined for n < 2).
 *
 * @throws {CrawlbenchError} `INVALID_ARGUMENT` when a value is NaN or infinite (a measurement bug, not data).
 */
export function computeStats(values: readonly number[]): Stats {
  assertFinite(values, 'values');
  if (values.length === 0) return EMPTY_STATS;
  return {
    n: values.length,
    mean: mean(values),
    stddev: values.length < 2 ? 0 : sampleStandardDeviation(values),
    median: median(values),
    min: min(values),
    max: max(values),
  };
}

/** Coefficient of variation, stddev / mean (0.1 is 10%); 0 when the mean is 0. */
export function coefficientOfVariation(s: Stats): number {
  return s.mean === 0 ? 0 : s.stddev / Math.abs(s.mean);
}

/**
 * The `p`-th percentile (0..100) of a sample, by linear interpolation between closest ranks
 * (Hyndman & Fan type 7, the default of numpy.percentile, R's quantile and simple-statistics).
 *
 * @throws {CrawlbenchError} `INVALID_ARGUMENT` on an empty sample, non-finite values or `p` outside [0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new CrawlbenchError(
      'INVALID_ARGUMENT',
      `Expected \`p\` to be a number from 0 to 100, got ${describeValue(p)}`,
    );
  }
  if (values.length === 0)
    throw new CrawlbenchError('INVALID_ARGUMENT', 'Expected `values` to hold at least one number, got none');
  assertFinite(values, 'values');
  return quantile(values, p / 100);
}

/**
 * The ratio of two means, `numerator.mean / denominator.mean`, with its standard deviation
 * propagated as hyperfine's "Relative" column does it (first-order propagation for independent
 * quantities, https://en.wikipedia.org/wiki/Propagation_of_uncertainty#Example_formulas):
 * `sigma = value * sqrt((a.stddev / a.mean)^2 + (b.stddev / b.mean)^2)`.
 * See `compute_relative_speeds` in sharkdp/hyperfine, src/benchmark/relative_speed.rs.
 *
 * Zero means, where that formula divides by zero:
 * - denominator 0, numerator not 0: `{ value: Infinity, sigma: 0 }` (hyperfine also reports an
 *   infinite ratio, without a deviation). `JSON.stringify` writes Infinity as `null`: callers that
 *   store a ratio should store `null` for a zero denominator instead.
 * - both 0: `{ value: 1, sigma: 0 }`, the two quantities are equal.
 * - numerator 0: `{ value: 0, sigma: a.stddev / |b.mean| }`, the limit of the formula above (its
 *   algebraically equal form `sqrt((a.stddev / b.mean)^2 + (a.mean * b.stddev / b.mean^2)^2)`).
 */
export function ratio(numerator: Stats, denominator: Stats): Ratio {
  const a = numerator;
  const b = denominator;
  if (b.mean === 0) return { value: a.mean === 0 ? 1 : Infinity, sigma: 0 };
  const value = a.mean / b.mean;
  if (a.mean === 0) return { value: 0, sigma: a.stddev / Math.abs(b.mean) };
  const sigma = Math.abs(value) * Math.sqrt((a.stddev / a.mean) ** 2 + (b.stddev / b.mean) ** 2);
  return { value, sigma };
}

/** √(π/2): the standard error of a normal sample's median over that of its mean, for large n. */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);

/**
 * How uncertain a sample's median is, relative to it: the asymptotic standard error of the median
 * of a normal sample, `sqrt(pi / 2) * s / sqrt(n)` (s the sample standard deviation), over
 * `|median|`. 0.02 means the median is known to about ±2% (one standard error). It is what the
 * bench's extra rounds aim at (see `BENCH_DEFAULTS.targetErrorPct`): two benches' medians of one
 * cell differ by about sqrt(2) times it. The sample deviation rather than the MAD: with 5 to 20
 * runs, a stray slow run should ask for more runs, not be ignored.
 * Infinity when it cannot be told: fewer than 2 values, or a median of 0.
 *
 * @throws {CrawlbenchError} `INVALID_ARGUMENT` when a value is NaN or infinite.
 */
export function medianRelativeError(values: readonly number[]): number {
  assertFinite(values, 'values');
  if (values.length < 2) return Infinity;
  const middle = median(values);
  if (middle === 0) return Infinity;
  return (MEDIAN_SE_FACTOR * sampleStandardDeviation(values)) / Math.sqrt(values.length) / Math.abs(middle);
}

/** Consistency constant that makes the MAD of a normal sample estimate its standard deviation. */
const MAD_TO_SIGMA = 1.4826;

/**
 * Whether the first measured run (`samples[0]`, e.g. a wall time) was much slower than the rest:
 * a sign that warm-up was too short (JIT, connection pools, worker start-up, disk cache).
 *
 * The rule, with `rest = samples.slice(1)`: true when
 * `first > median(rest) + max(3 * 1.4826 * MAD(rest), 0.25 * median(rest))`.
 * The median and MAD (median absolute deviation; 1.4826 * MAD estimates sigma for normal data)
 * ignore a stray outlier among the rest, so "3 sigma" stays meaningful with few runs; the 25% floor
 * keeps near-identical runs (MAD close to 0) from flagging a first run that is only a little slower.
 * Needs at least 3 samples (a first run and two others to judge it against); fewer give false.
 */
export function slowFirstRun(samples: readonly number[]): boolean {
  if (samples.length < 3) return false;
  assertFinite(samples, 'samples');
  const [first, ...rest] = samples as [number, ...number[]];
  const typical = median(rest);
  const spread = MAD_TO_SIGMA * medianAbsoluteDeviation(rest);
  return first > typical + Math.max(3 * spread, 0.25 * Math.abs(typical));
}

/**
 * The median of `numerators[i] / denominators[i]`, with the ratios' standard deviation as sigma;
 * null unless both have the same number (two or more) of positive values. For pairs measured
 * back to back, so that what drifts between pairs cancels within each.
 */
export function pairedRatio(numerators: readonly number[], denominators: readonly number[]): Ratio | null {
  if (numerators.length < 2 || numerators.length !== denominators.length) return null;
  if (denominators.some((d) => !(d > 0))) return null;
  const ratios = computeStats(numerators.map((n, i) => n / denominators[i]!));
  return { value: ratios.median, sigma: ratios.stddev };
}

/** A confidence interval: its bounds and the probability it has of holding the true value. */
export interface ConfidenceInterval {
  readonly low: number;
  readonly high: number;
  /** Its exact coverage, 0..1: 0.9375 for the range of five values. */
  readonly confidence: number;
}

/**
 * A distribution-free confidence interval of the median of the population a sample came from: the
 * sign test's, the order statistics `[x(k), x(n + 1 - k)]` of the sorted sample (1-based), which
 * hold the median with probability `1 - 2 * P(B <= k - 1)` for B ~ Binomial(n, 1/2) whatever the
 * distribution (W. J. Conover, *Practical Nonparametric Statistics*, 3rd ed., §3.2). It takes the
 * largest k whose coverage is still at least `confidence`, so more values narrow it; when even the
 * whole range (k = 1) covers less (5 values or fewer at 95%: the range of five covers 93.75%, of
 * three 75%), it is the range, and `confidence` says how little it holds. Null for fewer than two
 * values. One stray value moves it by one rank at most, unlike a band of ±2σ.
 *
 * @throws {CrawlbenchError} `INVALID_ARGUMENT` when a value is NaN or infinite, or `confidence`
 *   is not within (0, 1).
 */
export function medianConfidenceInterval(
  values: readonly number[],
  confidence = 0.95,
): ConfidenceInterval | null {
  assertFinite(values, 'values');
  if (!(confidence > 0 && confidence < 1)) {
    throw new CrawlbenchError(
      'INVALID_ARGUMENT',
      `Expected \`confidence\` to be within (0, 1), got ${describeValue(confidence)}`,
    );
  }
  const n = values.length;
  if (n < 2) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // P(B = j); the table stops where its upper tail is negligible, and only the lower one is used.
  const mass = binomialDistribution(n, 0.5) ?? [];
  const coverage = (k: number): number => {
    let below = 0;
    for (let j = 0; j < k; j++) below += mass[j] ?? 0;
    return 1 - 2 * below;
  };
  let k = 1;
  while (k + 1 <= Math.floor(n / 2) && coverage(k + 1) >= confidence) k++;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: coverage(k) };
}
