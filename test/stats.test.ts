import { describe, expect, it } from 'vitest';
import {
  coefficientOfVariation,
  computeStats,
  medianConfidenceInterval,
  medianRelativeError,
  pairedRatio,
  percentile,
  ratio,
  slowFirstRun,
} from '../dist/bench/stats.js';
import { cellsForExtraRound, needsMoreRuns } from '../dist/bench/measure.js';
import { CrawlbenchError } from '../dist/crawler/errors.js';

// Reference values from Python's statistics module, computed independently of simple-statistics:
// python3 -c "import statistics as s; x=[3,1,4,1,5,9,2,6]; print(s.mean(x), s.stdev(x), s.median(x), s.stdev(x)/s.mean(x))"
//   -> 3.875 2.748376143938713 3.5 0.7092583597261195
// python3 -c "import statistics as s; y=[2.5,7,1,8.25,3]; print(s.mean(y), s.stdev(y), s.median(y))"
//   -> 4.35 3.110466202999158 3

describe('computeStats', () => {
  it('matches the reference for an even count', () => {
    const s = computeStats([3, 1, 4, 1, 5, 9, 2, 6]);
    expect(s.n).toBe(8);
    expect(s.mean).toBeCloseTo(3.875, 12);
    expect(s.stddev).toBeCloseTo(2.748376143938713, 12);
    expect(s.median).toBe(3.5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(9);
  });

  it('matches the reference for an odd count', () => {
    const s = computeStats([2.5, 7, 1, 8.25, 3]);
    expect(s).toMatchObject({ n: 5, median: 3, min: 1, max: 8.25 });
    expect(s.mean).toBeCloseTo(4.35, 12);
    expect(s.stddev).toBeCloseTo(3.110466202999158, 12);
  });

  it('gives stddev 0 for a single value and zeros with n 0 for no values', () => {
    expect(computeStats([42])).toEqual({ n: 1, mean: 42, stddev: 0, median: 42, min: 42, max: 42 });
    expect(computeStats([])).toEqual({ n: 0, mean: 0, stddev: 0, median: 0, min: 0, max: 0 });
  });

  it('refuses NaN and infinite values', () => {
    expect(() => computeStats([1, Number.NaN])).toThrow(/finite numbers, got `NaN` \(number\) at index 1/);
    expect(() => computeStats([Infinity])).toThrow(CrawlbenchError);
  });
});

describe('coefficientOfVariation', () => {
  it('is stddev / mean, and 0 for a zero mean', () => {
    expect(coefficientOfVariation(computeStats([3, 1, 4, 1, 5, 9, 2, 6]))).toBeCloseTo(
      0.7092583597261195,
      12,
    );
    expect(coefficientOfVariation(computeStats([0, 0]))).toBe(0);
    expect(coefficientOfVariation(computeStats([]))).toBe(0);
  });
});

describe('percentile', () => {
  // Type 7, as Python's quantiles(method='inclusive'):
  // python3 -c "import statistics as s; print(s.quantiles([15,20,35,40,50], n=100, method='inclusive')[89], s.quantiles([3,1,4,1,5,9,2,6], n=4, method='inclusive'))"
  //   -> 46.0 [1.75, 3.5, 5.25]
  it('interpolates linearly between closest ranks', () => {
    expect(percentile([15, 20, 35, 40, 50], 90)).toBeCloseTo(46, 12);
    expect(percentile([3, 1, 4, 1, 5, 9, 2, 6], 25)).toBeCloseTo(1.75, 12);
    expect(percentile([3, 1, 4, 1, 5, 9, 2, 6], 75)).toBeCloseTo(5.25, 12);
    expect(percentile([3, 1, 4], 0)).toBe(1);
    expect(percentile([3, 1, 4], 100)).toBe(4);
  });

  it('refuses an empty sample and p outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(CrawlbenchError);
    expect(() => percentile([1], 101)).toThrow(/from 0 to 100, got `101`/);
    expect(() => percentile([1], Number.NaN)).toThrow(CrawlbenchError);
  });
});

describe('ratio', () => {
  // python3 -c "import statistics as s, math; a=[10,12,14]; b=[20,22,24]; r=s.mean(a)/s.mean(b);
  //   print(r, r*math.sqrt((s.stdev(a)/s.mean(a))**2+(s.stdev(b)/s.mean(b))**2))"
  //   -> 0.5454545454545454 0.10355342219951791
  it('divides the means and propagates the relative deviations (hyperfine)', () => {
    const r = ratio(computeStats([10, 12, 14]), computeStats([20, 22, 24]));
    expect(r.value).toBeCloseTo(0.5454545454545454, 12);
    expect(r.sigma).toBeCloseTo(0.10355342219951791, 12);
  });

  it('has sigma 0 when neither side varies', () => {
    expect(ratio(computeStats([6]), computeStats([3]))).toEqual({ value: 2, sigma: 0 });
  });

  it('handles zero means without NaN', () => {
    const zero = computeStats([0, 0, 0]);
    expect(ratio(computeStats([1, 2, 3]), zero)).toEqual({ value: Infinity, sigma: 0 });
    expect(ratio(zero, zero)).toEqual({ value: 1, sigma: 0 });
    // Numerator mean 0 with spread: sigma = a.stddev / b.mean = 1 / 4.
    const r = ratio(computeStats([-1, 0, 1]), computeStats([4, 4]));
    expect(r.value).toBe(0);
    expect(r.sigma).toBeCloseTo(0.25, 12);
  });
});

describe('slowFirstRun', () => {
  it('flags a first run far above the median of the rest', () => {
    // rest [100,101,99,100]: median 100, MAD 0.5, so the 25% floor rules: threshold 125.
    expect(slowFirstRun([200, 100, 101, 99, 100])).toBe(true);
    expect(slowFirstRun([126, 100, 101, 99, 100])).toBe(true);
    expect(slowFirstRun([120, 100, 101, 99, 100])).toBe(false);
    expect(slowFirstRun([90, 100, 101, 99, 100])).toBe(false);
  });

  it('widens the margin for noisy runs (3 x 1.4826 x MAD)', () => {
    // rest [100,130,70,120,80]: median 100, |deviations| [0,30,30,20,20], MAD 20,
    // threshold 100 + 3 * 1.4826 * 20 = 188.956.
    expect(slowFirstRun([180, 100, 130, 70, 120, 80])).toBe(false);
    expect(slowFirstRun([190, 100, 130, 70, 120, 80])).toBe(true);
  });

  it('needs at least 3 samples', () => {
    expect(slowFirstRun([])).toBe(false);
    expect(slowFirstRun([1000])).toBe(false);
    expect(slowFirstRun([1000, 1])).toBe(false);
    expect(slowFirstRun([1000, 1, 1])).toBe(true);
  });
});

describe('medianRelativeError', () => {
  it('is sqrt(pi / 2) * s / sqrt(n) over the median (reference values)', () => {
    // [1..5]: s = sqrt(2.5), so sqrt(pi / 2) * sqrt(2.5) / sqrt(5) = sqrt(pi) / 2 = 0.886227; / 3.
    expect(medianRelativeError([1, 2, 3, 4, 5])).toBeCloseTo(Math.sqrt(Math.PI) / 2 / 3, 12);
    expect(medianRelativeError([1, 2, 3, 4, 5])).toBeCloseTo(0.295409, 6);
    // The same spread around 100: ±0.89%, within a 2% target.
    expect(medianRelativeError([100, 102, 98, 101, 99])).toBeCloseTo(0.00886227, 8);
    // Four times the runs of the same spread, about half the error: s^2 = 4 * 10 / 19.
    const twenty = [100, 102, 98, 101, 99].flatMap((v) => [v, v, v, v]);
    expect(medianRelativeError(twenty)).toBeCloseTo(
      (Math.sqrt(Math.PI / 2) * Math.sqrt(40 / 19)) / Math.sqrt(20) / 100,
      12,
    );
    expect(medianRelativeError(twenty)).toBeCloseTo(0.004066, 6);
  });

  it('is 0 for identical runs and Infinity when it cannot be told', () => {
    expect(medianRelativeError([7, 7, 7])).toBe(0);
    expect(medianRelativeError([])).toBe(Infinity);
    expect(medianRelativeError([5])).toBe(Infinity);
    expect(medianRelativeError([-1, 0, 0, 1])).toBe(Infinity);
    expect(() => medianRelativeError([1, NaN])).toThrow(/finite/);
  });
});

describe('needsMoreRuns', () => {
  const strategy = { kind: 'strategy' } as const;
  const at = (targetErrorPct: number, maxRuns = 20) => ({ targetErrorPct, maxRuns });
  // [100, 102, 98, 101, 99]: ±0.89%; [100, 110, 90, 105, 95]: ±4.43% (five times the spread).
  const steady = [100, 102, 98, 101, 99];
  const noisy = [100, 110, 90, 105, 95];

  it('asks for another round while a median is less certain than the target and runs are left', () => {
    expect(needsMoreRuns(strategy, [steady], at(2))).toBe(false);
    expect(needsMoreRuns(strategy, [noisy], at(2))).toBe(true);
    expect(needsMoreRuns(strategy, [noisy], at(4.5))).toBe(false);
    expect(needsMoreRuns(strategy, [steady], at(0.8))).toBe(true);
    // At --max-runs, however noisy.
    expect(needsMoreRuns(strategy, [noisy], at(2, 5))).toBe(false);
  });

  it('asks for it when either build of an A/B bench needs it', () => {
    expect(needsMoreRuns(strategy, [steady, noisy], at(2))).toBe(true);
    expect(needsMoreRuns(strategy, [noisy, steady], at(2))).toBe(true);
    expect(needsMoreRuns(strategy, [steady, steady], at(2))).toBe(false);
  });

  it('never for the raw ceiling, whose ratio pairs each crawl with a round of autocannon', () => {
    expect(needsMoreRuns({ kind: 'raw-ceiling' }, [noisy], at(0))).toBe(false);
  });
});

describe('cellsForExtraRound', () => {
  const walls = { steady: [100, 102, 98, 101, 99], noisy: [100, 110, 90, 105, 95] };
  const target = { targetErrorPct: 2, maxRuns: 20 };

  it('takes every cell of a mode in which some median needs more runs, and only those', () => {
    const cells = [
      { kind: 'strategy', mode: 'io' },
      { kind: 'strategy', mode: 'io' },
      { kind: 'strategy', mode: 'cpu' },
      { kind: 'strategy', mode: 'cpu' },
      { kind: 'raw-ceiling', mode: 'io' },
    ] as const;
    // cpu's second cell is noisy: both cpu cells go, so cpu's ratios stay side by side; io stays.
    const wallMs = (i: number) => [i === 3 ? walls.noisy : walls.steady];
    expect(cellsForExtraRound(cells, wallMs, target)).toEqual([2, 3]);
    // A noisy io cell takes io's strategy cells, never the raw ceiling's crawl.
    const ioNoisy = (i: number) => [i === 0 || i === 4 ? walls.noisy : walls.steady];
    expect(cellsForExtraRound(cells, ioNoisy, target)).toEqual([0, 1]);
    expect(cellsForExtraRound(cells, () => [walls.steady], target)).toEqual([]);
    // At --max-runs nothing goes, however noisy.
    expect(cellsForExtraRound(cells, () => [walls.noisy], { ...target, maxRuns: 5 })).toEqual([]);
  });
});

describe('pairedRatio', () => {
  it('takes the median of the per-pair ratios and their standard deviation (reference values)', () => {
    // Ratios 0.1, 0.2, 0.15: median 0.15; deviations -0.05, 0.05, 0: sample sigma sqrt(0.005 / 2).
    const r = pairedRatio([10, 20, 30], [100, 100, 200])!;
    expect(r.value).toBeCloseTo(0.15, 12);
    expect(r.sigma).toBeCloseTo(0.05, 12);
  });

  it('cancels a drift both sides of each pair share, which the ratio of medians cannot', () => {
    // The machine doubles and triples its speed between rounds; each round's two sides move alike.
    const crawl = [100, 200, 300];
    const load = [1000, 2000, 3000];
    const paired = pairedRatio(crawl, load)!;
    expect(paired.value).toBeCloseTo(0.1, 12);
    expect(paired.sigma).toBeCloseTo(0, 12);
    const unpaired = ratio(computeStats(crawl), computeStats(load));
    expect(unpaired.value).toBeCloseTo(0.1, 12);
    expect(unpaired.sigma).toBeGreaterThan(0.05);
  });

  it('is null without two pairs of positive values', () => {
    expect(pairedRatio([1], [2])).toBeNull();
    expect(pairedRatio([1, 2], [2])).toBeNull();
    expect(pairedRatio([1, 2], [2, 0])).toBeNull();
    expect(pairedRatio([], [])).toBeNull();
  });
});

describe('medianConfidenceInterval', () => {
  // Coverage of [x(k), x(n + 1 - k)]: python3 -c "from math import comb; n, k = 13, 3;
  //   print(1 - 2 * sum(comb(n, j) for j in range(k)) / 2**n)" -> 0.9775390625
  it('takes the innermost order statistics that still hold the median with 95% (reference values)', () => {
    const thirteen = Array.from({ length: 13 }, (_, i) => 13 - i); // unsorted on purpose
    expect(medianConfidenceInterval(thirteen)).toEqual({
      low: 3,
      high: 11,
      confidence: expect.closeTo(0.9775390625, 9),
    });
    const ten = [3.1, -2, 7.5, 0.4, 1.2, 9.9, -4.4, 2.2, 5.0, 0.0];
    // sorted: -4.4 -2 0 0.4 1.2 2.2 3.1 5 7.5 9.9; k = 2 (k = 3 covers 0.890625)
    expect(medianConfidenceInterval(ten)).toEqual({
      low: -2,
      high: 7.5,
      confidence: expect.closeTo(0.978515625, 9),
    });
    // n = 9: k = 2 covers 1 - 2 * 10 / 512 = 0.9609375; n = 8: k = 2 covers only 0.9296875.
    expect(medianConfidenceInterval([1, 2, 3, 4, 5, 6, 7, 8, 9])).toMatchObject({ low: 2, high: 8 });
    expect(medianConfidenceInterval([1, 2, 3, 4, 5, 6, 7, 8])).toMatchObject({ low: 1, high: 8 });
  });

  it('is the range, with the lower coverage it has, when no narrower interval reaches the level', () => {
    expect(medianConfidenceInterval([5, 1, 4, 2, 3])).toEqual({
      low: 1,
      high: 5,
      confidence: expect.closeTo(0.9375, 9),
    });
    expect(medianConfidenceInterval([2, 1])).toEqual({ low: 1, high: 2, confidence: expect.closeTo(0.5, 9) });
    // A lower level takes inner ranks sooner: n = 5, k = 2 covers 1 - 2 * 6 / 32 = 0.625.
    expect(medianConfidenceInterval([5, 1, 4, 2, 3], 0.6)).toEqual({
      low: 2,
      high: 4,
      confidence: expect.closeTo(0.625, 9),
    });
  });

  it('gives null for fewer than two values and refuses NaN and a level outside (0, 1)', () => {
    expect(medianConfidenceInterval([])).toBeNull();
    expect(medianConfidenceInterval([1])).toBeNull();
    expect(() => medianConfidenceInterval([1, Number.NaN])).toThrow(CrawlbenchError);
    expect(() => medianConfidenceInterval([1, 2], 1)).toThrow(/Expected `confidence` to be within \(0, 1\)/);
    expect(() => medianConfidenceInterval([1, 2], 0)).toThrow(CrawlbenchError);
  });
});
