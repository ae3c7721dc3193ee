import { describe, expect, it } from 'vitest';
import type { BenchResult, CellResult, Environment } from '../dist/bench/result.js';
import { computeStats } from '../dist/bench/stats.js';
import {
  compareResults,
  comparisonExitCode,
  parseBenchResult,
  parseThreshold,
  renderComparisonMarkdown,
  verdictOf,
} from '../dist/reports/compare.js';
import { CrawlbenchError } from '../dist/crawler/errors.js';
import { buildOrder } from '../dist/bench/measure.js';

const ENV: Environment = {
  crawlbenchVersion: '0.1.0',
  gitCommit: null,
  node: 'v20.20.0',
  os: 'linux x64',
  cpuModel: 'Test CPU',
  cores: 2,
  memoryBytes: 8 * 2 ** 30,
  ci: null,
};

/** A valid bench result whose cells have the given pages/s samples (one run per sample). */
function makeResult(
  cells: readonly { id: string; samples: readonly number[] }[],
  environment: Partial<Environment> = {},
): BenchResult {
  const cellResults = cells.map(({ id, samples }): CellResult => {
    const wallMs = samples.map((pps) => (200 / pps) * 1000);
    return {
      id,
      mode: 'io',
      strategy: 'async',
      concurrency: 64,
      parse: true,
      samples: samples.map((pps, index) => ({
        index,
        warmup: false,
        wallMs: wallMs[index] ?? 0,
        pagesPerSecond: pps,
        records: 200,
        errors: 0,
        cpuUserMs: 100,
        cpuSystemMs: 10,
        peakRssBytes: 1e8,
        childPeakRssBytes: null,
        siteCpuMs: 50,
        siteLatencyMs: null,
        latency: { p50Ms: 50, p90Ms: 55, p99Ms: 60 },
      })),
      wallMs: computeStats(wallMs),
      pagesPerSecond: computeStats(samples),
      cpuMs: computeStats(samples.map(() => 110)),
      vsSerial: null,
      idealWallMs: null,
      efficiency: null,
      bound: { crawlerCores: 0.5, usableCores: 1, siteCores: 0.1, by: 'io' },
      flags: [],
    };
  });
  return {
    schema: 'crawlbench/bench-result',
    schemaVersion: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    state: 'completed',
    environment: { ...ENV, ...environment },
    options: {
      strategies: ['async'],
      modes: ['io'],
      concurrency: { serial: [1], async: [64], threads: [2], processes: [2] },
      warmup: 1,
      runs: 5,
      list: null,
    },
    workloads: [
      {
        mode: 'io',
        pages: 200,
        latencyMs: 50,
        pageKb: 10,
        links: 10,
        cpuWork: 0,
        description: 'test',
        ideal: 'test',
        serialCores: null,
      },
    ],
    cells: cellResults,
    rawCeiling: null,
    verdicts: {},
    failures: [],
  };
}

const STEADY = [100, 101, 99, 100, 100];

function compareOne(base: readonly number[], head: readonly number[], thresholdPct = 10) {
  const c = compareResults(
    makeResult([{ id: 'io/async/64', samples: base }]),
    makeResult([{ id: 'io/async/64', samples: head }]),
    {
      thresholdPct,
    },
  );
  const [cell] = c.cells;
  if (cell === undefined) throw new Error('no compared cell');
  return { c, cell };
}

describe('compareResults', () => {
  it('flags a clear regression and exits 1', () => {
    // python3 -c "import statistics as s, math; b=[100,101,99,100,100]; h=[70,71,69,70,70]; r=s.mean(h)/s.mean(b);
    //   print(r-1, r*math.sqrt((s.stdev(h)/s.mean(h))**2+(s.stdev(b)/s.mean(b))**2))"
    //   -> -0.30000000000000004 0.008631338250816035
    const { c, cell } = compareOne(STEADY, [70, 71, 69, 70, 70]);
    expect(cell.change.value).toBeCloseTo(-0.3, 12);
    expect(cell.change.sigma).toBeCloseTo(0.008631338250816035, 12);
    expect(cell.interval.low).toBeCloseTo(-0.3 - 2 * 0.008631338250816035, 12);
    expect(cell.interval.high).toBeCloseTo(-0.3 + 2 * 0.008631338250816035, 12);
    expect(cell.verdict).toBe('regression');
    expect(cell.base.median).toBe(100);
    expect(cell.head.median).toBe(70);
    expect(c.regressions).toBe(1);
    expect(comparisonExitCode(c)).toBe(1);
    expect(c.warnings).toEqual([]);
  });

  it('calls a 15% drop with huge noise inconclusive and exits 0', () => {
    // Same one-liner with b=[100,130,70,100,100], h=[85,125,45,85,85] -> -0.15 ± 0.3354 (1σ):
    // the interval reaches +0.52, far above -10%.
    const { c, cell } = compareOne([100, 130, 70, 100, 100], [85, 125, 45, 85, 85]);
    expect(cell.change.value).toBeCloseTo(-0.15, 12);
    expect(cell.change.sigma).toBeCloseTo(0.33542883000720136, 12);
    expect(cell.verdict).toBe('inconclusive');
    expect(c.regressions).toBe(0);
    expect(c.inconclusive).toBe(1);
    expect(comparisonExitCode(c)).toBe(0);
  });

  it('recognises an improvement, a noisy speed-up and an unchanged cell', () => {
    expect(compareOne(STEADY, [130, 131, 129, 130, 130]).cell.verdict).toBe('improvement');
    expect(compareOne([85, 125, 45, 85, 85], [100, 130, 70, 100, 100]).cell.verdict).toBe('inconclusive');
    const { c, cell } = compareOne(STEADY, [101, 102, 100, 101, 101]);
    expect(cell.verdict).toBe('unchanged');
    expect(comparisonExitCode(c)).toBe(0);
  });

  it('calls a ±45% cell inconclusive at a 10% threshold, even with no change at all', () => {
    // python3 -c "import statistics as s, math; b=[100,160,40,130,70]; h=b; r=s.mean(h)/s.mean(b);
    //   print(r-1, r*math.sqrt(2*(s.stdev(b)/s.mean(b))**2))" -> 0.0 0.6708203932499369
    // The interval, 0 ± 134%, claims nothing about a 10% change: not "unchanged".
    const noisy = [100, 160, 40, 130, 70];
    const { c, cell } = compareOne(noisy, noisy);
    expect(cell.change.value).toBeCloseTo(0, 12);
    expect(cell.change.sigma).toBeCloseTo(0.6708203932499369, 12);
    expect(cell.verdict).toBe('inconclusive');
    expect(comparisonExitCode(c)).toBe(0);
    expect(renderComparisonMarkdown(c)).toMatch(
      /^## crawlbench compare: 0 regressions, 1 inconclusive in 1 cells/,
    );
  });

  it('decides by the whole interval against the threshold, edges included', () => {
    // Interval [low, high] against a 10% threshold (fractions).
    expect(verdictOf(-0.1, 0.1, 0.1)).toBe('unchanged');
    expect(verdictOf(-0.3, -0.11, 0.1)).toBe('regression');
    expect(verdictOf(-0.3, -0.1, 0.1)).toBe('inconclusive');
    expect(verdictOf(-0.15, 0.05, 0.1)).toBe('inconclusive');
    expect(verdictOf(0.05, 0.2, 0.1)).toBe('inconclusive');
    expect(verdictOf(0.11, 0.2, 0.1)).toBe('improvement');
    expect(verdictOf(-0.5, 0.5, 0.1)).toBe('inconclusive');
    // A single run has sigma 0: the interval is a point, judged by the threshold alone.
    expect(verdictOf(-0.05, -0.05, 0.1)).toBe('unchanged');
    expect(verdictOf(0, 0, 0)).toBe('unchanged');
  });

  it('uses the threshold: a 30% drop is within a 40% threshold, a clean 5% drop exceeds 0%', () => {
    expect(compareOne(STEADY, [70, 71, 69, 70, 70], 40).cell.verdict).toBe('unchanged');
    expect(compareOne(STEADY, [95, 96, 94, 95, 95], 0).cell.verdict).toBe('regression');
  });

  it('lists cells found on one side only and matches the rest in base order', () => {
    const base = makeResult([
      { id: 'io/serial/1', samples: STEADY },
      { id: 'io/async/64', samples: STEADY },
      { id: 'io/threads/2', samples: STEADY },
    ]);
    const head = makeResult([
      { id: 'io/async/128', samples: STEADY },
      { id: 'io/threads/2', samples: [101, 100, 99, 100, 100] },
      { id: 'io/async/64', samples: STEADY },
    ]);
    const c = compareResults(base, head, { thresholdPct: 10 });
    expect(c.cells.map((cell) => cell.id)).toEqual(['io/async/64', 'io/threads/2']);
    expect(c.onlyInBase).toEqual(['io/serial/1']);
    expect(c.onlyInHead).toEqual(['io/async/128']);
    expect(c.cells.every((cell) => cell.verdict === 'unchanged')).toBe(true);
    expect(comparisonExitCode(c)).toBe(0);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('Only in base (not compared): io/serial/1');
    expect(md).toContain('Only in head (not compared): io/async/128');
  });

  it('warns, without failing, when the environments differ', () => {
    const base = makeResult([{ id: 'a', samples: STEADY }]);
    const head = makeResult([{ id: 'a', samples: STEADY }], { cpuModel: 'Other CPU', node: 'v22.1.0' });
    const c = compareResults(base, head, { thresholdPct: 10 });
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/cpuModel "Test CPU" vs "Other CPU", node "v20.20.0" vs "v22.1.0"/);
    expect(comparisonExitCode(c)).toBe(0);
    expect(renderComparisonMarkdown(c)).toContain('> **Warning:** The environments differ');
  });

  it('warns when the crawler processes ran with other Node flags, an older result naming none', () => {
    const flagged = { crawlerNodeFlags: ['--no-memory-reducer'] };
    const older = makeResult([{ id: 'a', samples: STEADY }]);
    const head = makeResult([{ id: 'a', samples: STEADY }], flagged);
    const c = compareResults(older, head, { thresholdPct: 10 });
    expect(c.warnings).toEqual([
      'The crawler processes ran with other Node flags (none vs --no-memory-reducer): the benches measured them differently, so part of the change may come from the bench, not the code.',
    ]);
    expect(comparisonExitCode(c)).toBe(0);
    const same = compareResults(makeResult([{ id: 'a', samples: STEADY }], flagged), head, {
      thresholdPct: 10,
    });
    expect(same.warnings).toEqual([]);
  });

  it('says why a bench was interrupted when a failure stopped it, escaped in the Markdown', () => {
    const base = makeResult([{ id: 'a', samples: STEADY }]);
    const head: BenchResult = {
      ...makeResult([{ id: 'a', samples: STEADY }]),
      state: 'interrupted',
      stoppedBy: { cellId: 'a', build: null, code: 'HARNESS_FAILED', message: 'runner <b>died</b>' },
    };
    const c = compareResults(base, head, { thresholdPct: 10 });
    expect(c.warnings).toEqual([
      'The head bench was interrupted by a failure (runner <b>died</b> (HARNESS_FAILED), in a run of a): some cells may be missing.',
    ]);
    expect(renderComparisonMarkdown(c)).not.toContain('<b>');
  });

  it('refuses a threshold out of range', () => {
    const r = makeResult([]);
    expect(() => compareResults(r, r, { thresholdPct: -1 })).toThrow(CrawlbenchError);
    expect(() => compareResults(r, r, { thresholdPct: 100 })).toThrow(CrawlbenchError);
  });
});

describe('compareResults on the two sides of one A/B bench (paired by round)', () => {
  /** The two results of one `bench --against` run: same creation time, base and head roles. */
  function abPair(base: readonly number[], head: readonly number[], createdAt = '2025-01-01T00:00:00.000Z') {
    const b = { ...makeResult([{ id: 'io/async/64', samples: base }]), abRole: 'base' as const };
    const h = { ...makeResult([{ id: 'io/async/64', samples: head }]), abRole: 'head' as const, createdAt };
    return compareResults(b, h, { thresholdPct: 5 });
  }

  it('takes the change round by round: a drift both builds share cancels', () => {
    // The machine halves its speed every other round; the head is 10% faster in every round.
    const c = abPair([100, 200, 100, 200, 100], [110, 220, 110, 220, 110]);
    const cell = c.cells[0]!;
    expect(cell.paired).toBe(true);
    expect(cell.change.value).toBeCloseTo(0.1, 12);
    expect(cell.change.sigma).toBeCloseTo(0, 12);
    expect(cell.verdict).toBe('improvement');
    expect(renderComparisonMarkdown(c)).toContain('the median of the per-round ratios head / base');
    // The same numbers from two separate benches cannot be paired: the drift swamps the change.
    const apart = abPair([100, 200, 100, 200, 100], [110, 220, 110, 220, 110], '2025-01-02T00:00:00.000Z')
      .cells[0]!;
    expect(apart.paired).toBe(false);
    expect(apart.confidence).toBeNull();
    expect(apart.verdict).toBe('inconclusive');
  });

  it("gives the median of the per-round ratios and the sign test's interval of it (reference values)", () => {
    // Seven rounds; the head's per-round ratios 0.90 .. 1.25, one of them a stray round.
    // python3 -c "import math, statistics as s; l=sorted(math.log(x/100) for x in
    //   [90,97,100,103,105,108,125]); print(math.exp(s.median(l))-1, s.stdev(l))"
    //   -> 0.030000000000000027 0.10213445591997518; the range (k = 1) holds the median with
    //   1 - 2 / 2**7 = 0.984375, and k = 2 with 1 - 2 * 8 / 128 = 0.875 < 0.95.
    const cell = abPair([100, 100, 100, 100, 100, 100, 100], [103, 90, 125, 100, 108, 97, 105]).cells[0]!;
    expect(cell.change.value).toBeCloseTo(0.03, 12);
    expect(cell.change.sigma).toBeCloseTo(0.10213445591997518, 12);
    expect(cell.interval.low).toBeCloseTo(-0.1, 12);
    expect(cell.interval.high).toBeCloseTo(0.25, 12);
    expect(cell.confidence).toBeCloseTo(0.984375, 9);
    expect(cell.verdict).toBe('inconclusive');
    // ± 2σ of the logarithms would have reached -15.6% to +27.0%: the stray round widens a band
    // of the spread on both sides, a rank interval only on its own.
  });

  it('narrows the interval as rounds are added, where a band of the spread would not', () => {
    // The same spread of per-round changes (-5% .. +5%, evenly) over 5 and over 20 rounds.
    const rounds = (n: number) => Array.from({ length: n }, (_, i) => 100 * (0.95 + (0.1 * i) / (n - 1)));
    const five = abPair(Array(5).fill(100), rounds(5)).cells[0]!;
    const twenty = abPair(Array(20).fill(100), rounds(20)).cells[0]!;
    expect(five.interval.high - five.interval.low).toBeCloseTo(0.1, 9); // the range: x(1)..x(5)
    expect(five.confidence).toBeCloseTo(0.9375, 9);
    // n = 20: k = 6 (coverage 0.9586), x(6)..x(15): 0.95 + 0.1 * 5/19 .. 0.95 + 0.1 * 14/19.
    expect(twenty.interval.low).toBeCloseTo(0.1 * (5 / 19) - 0.05, 9);
    expect(twenty.interval.high).toBeCloseTo(0.1 * (14 / 19) - 0.05, 9);
    expect(twenty.confidence).toBeCloseTo(0.9586105346679688, 9);
    expect(twenty.interval.high - twenty.interval.low).toBeLessThan(0.05);
  });

  it('calls a paired cell with fewer than 5 rounds inconclusive (too few rounds), whatever its interval', () => {
    // Four rounds 30% faster, every one alike: the range is a point, but holds the median with 87.5% only.
    const c = abPair([100, 100, 100, 100], [130, 130, 130, 130]);
    const cell = c.cells[0]!;
    expect(cell.paired).toBe(true);
    expect(cell.interval.low).toBeCloseTo(0.3, 12);
    expect(cell.confidence).toBeCloseTo(0.875, 9);
    expect(cell.verdict).toBe('inconclusive');
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('| +30.0% | +30.0% to +30.0% | inconclusive (too few rounds) |');
    expect(md).toContain('A paired cell with fewer than 5 rounds is inconclusive whatever its interval');
    // A fifth round gives the verdict.
    expect(abPair([100, 100, 100, 100, 100], [130, 130, 130, 130, 130]).cells[0]!.verdict).toBe(
      'improvement',
    );
  });

  it('falls back to the unpaired change for a cell whose rounds do not match', () => {
    const c = abPair([100, 101, 99], [100, 101]);
    expect(c.cells[0]!.paired).toBe(false);
    expect(c.cells[0]!.change.value).toBeCloseTo(100.5 / 100 - 1, 12);
  });
});

describe('compareResults: the machine itself (the noise probe of each side)', () => {
  /** A result whose noise probe had the given wall times, in ms. */
  function withProbe(wallMs: readonly number[] | null, rounds = 10_000): BenchResult {
    const result = makeResult([{ id: 'cpu/serial/1', samples: STEADY }]);
    const stats = wallMs && computeStats(wallMs);
    return {
      ...result,
      machineNoise: stats && { threads: 2, rounds, wallMs: stats, cv: stats.stddev / stats.mean },
    };
  }

  it('gives the drift of the probe medians as a change of speed, and says it under the table', () => {
    // Medians 300 and 330 ms: the same job took 10% longer, a speed change of 300 / 330 - 1.
    const c = compareResults(withProbe([290, 300, 310]), withProbe([330, 320, 340]), { thresholdPct: 10 });
    expect(c.machine).toEqual({ baseMs: 300, headMs: 330, change: 300 / 330 - 1 });
    // Below the threshold: a line, not a warning.
    expect(c.warnings).toEqual([]);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain(
      '**Machine:** The machine itself was 9.1% slower in head: the noise probe (the same fixed CPU job on every core, once per round) took a median of 300 ms in base and 330 ms in head.',
    );
    const faster = compareResults(withProbe([330]), withProbe([300]), { thresholdPct: 10 });
    expect(faster.machine!.change).toBeCloseTo(0.1, 12);
    expect(renderComparisonMarkdown(faster)).toContain('The machine itself was 10.0% faster in head');
  });

  it('warns when the machine drifted by the threshold or more, and says it once', () => {
    const c = compareResults(withProbe([300]), withProbe([330]), { thresholdPct: 5 });
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/^The machine itself was 9\.1% slower in head/);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('> **Warning:** The machine itself was 9.1% slower in head');
    expect(md.match(/The machine itself/g)).toHaveLength(1);
    expect(md).not.toContain('**Machine:**');
    expect(comparisonExitCode(c)).toBe(0);
  });

  it('says nothing without a probe on both sides, for probes of different sizes, or for one A/B bench', () => {
    const none = (base: BenchResult, head: BenchResult): void => {
      const c = compareResults(base, head, { thresholdPct: 10 });
      expect(c.machine).toBeNull();
      expect(renderComparisonMarkdown(c)).not.toContain('The machine itself');
    };
    none(withProbe([300]), withProbe(null));
    none(makeResult([{ id: 'a', samples: STEADY }]), withProbe([300]));
    none(withProbe([300]), withProbe([330], 20_000));
    // The two sides of one A/B bench share their rounds, their probe and their machine.
    none({ ...withProbe([300]), abRole: 'base' }, { ...withProbe([330]), abRole: 'head' });
  });
});

describe('parseBenchResult', () => {
  const expectInvalid = (json: unknown, message: RegExp): void => {
    try {
      parseBenchResult(json, 'base.json');
      expect.unreachable('parseBenchResult accepted an invalid result');
    } catch (error) {
      expect(error).toBeInstanceOf(CrawlbenchError);
      expect((error as CrawlbenchError).code).toBe('INVALID_RESULT');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  };

  it('accepts a valid result, also after a JSON round trip', () => {
    const result = makeResult([{ id: 'a', samples: STEADY }]);
    expect(parseBenchResult(JSON.parse(JSON.stringify(result)), 'base.json')).toEqual(result);
  });

  it('refuses what is not a bench result', () => {
    expectInvalid(null, /^base\.json: not a crawlbench bench result/);
    expectInvalid([1, 2], /^base\.json: not a crawlbench bench result/);
    expectInvalid('text', /^base\.json: not a crawlbench bench result/);
    expectInvalid(
      { ...makeResult([]), schema: 'x' },
      /^base\.json: not a crawlbench bench result \(schema `"x"` \(string\)\)$/,
    );
    expectInvalid({ ...makeResult([]), schemaVersion: 3 }, /unsupported schemaVersion `3` \(number\)/);
  });

  it('names the broken field', () => {
    const valid = makeResult([{ id: 'a', samples: STEADY }]);
    const cell = valid.cells[0];
    expectInvalid({ ...valid, cells: 'none' }, /`cells` must be an array/);
    expectInvalid(
      { ...valid, cells: [{ ...cell, id: 7 }] },
      /`cells\[0\]\.id` must be a string, got `7` \(number\)/,
    );
    expectInvalid(
      { ...valid, cells: [{ ...cell, pagesPerSecond: { ...cell?.pagesPerSecond, mean: 'fast' } }] },
      /`cells\[0\]\.pagesPerSecond\.mean` must be a finite number/,
    );
    expectInvalid({ ...valid, cells: [cell, cell] }, /cell id `"a"` \(string\) appears twice/);
    expectInvalid({ ...valid, environment: undefined }, /`environment` must be an object/);
    expectInvalid(
      { ...valid, machineNoise: { threads: 2, rounds: 10, wallMs: { n: 1 }, cv: 0 } },
      /`machineNoise\.wallMs\.mean` must be a finite number/,
    );
    expectInvalid({ ...valid, machineNoise: 'quiet' }, /`machineNoise` must be an object/);
    expectInvalid(
      { ...valid, environment: { ...valid.environment, crawlerNodeFlags: '--no-memory-reducer' } },
      /`environment\.crawlerNodeFlags` must be an array/,
    );
    expectInvalid(
      { ...valid, environment: { ...valid.environment, crawlerNodeFlags: [7] } },
      /`environment\.crawlerNodeFlags\[0\]` must be a string/,
    );
    const stop = {
      cellId: 'a',
      build: null,
      code: 'HARNESS_FAILED',
      message: 'bench runner exited with code 3',
    };
    expect(parseBenchResult({ ...valid, stoppedBy: stop }, 'x.json').stoppedBy).toEqual(stop);
    expectInvalid({ ...valid, stoppedBy: 'crash' }, /`stoppedBy` must be an object/);
    expectInvalid({ ...valid, stoppedBy: { ...stop, message: 3 } }, /`stoppedBy\.message` must be a string/);
    expectInvalid(
      { ...valid, stoppedBy: { ...stop, build: 'other' } },
      /`stoppedBy\.build` must be "base", "head" or null/,
    );
  });
});

describe('parseThreshold', () => {
  it('reads percentages with or without the sign', () => {
    expect(parseThreshold('10%')).toBe(10);
    expect(parseThreshold('10')).toBe(10);
    expect(parseThreshold(' 2.5% ')).toBe(2.5);
    expect(parseThreshold('0.5%')).toBe(0.5);
    expect(parseThreshold('0')).toBe(0);
    expect(parseThreshold('99.9%')).toBe(99.9);
  });

  it('refuses negatives, junk, 100% and more, and ambiguous fractions', () => {
    for (const text of ['-5%', '-5', 'abc', '', 'NaN', '10%%', '1e1', '100%', '150', '10 percent']) {
      expect(() => parseThreshold(text), text).toThrow(/Expected `--threshold` to be a percentage/);
    }
    expect(() => parseThreshold('0.1')).toThrow(/Ambiguous `--threshold` `"0.1"` \(string\): write `0.1%`/);
  });
});

describe('renderComparisonMarkdown', () => {
  it('renders one table row per cell with the change, its interval and the verdict', () => {
    const { c } = compareOne(STEADY, [70, 71, 69, 70, 70]);
    const md = renderComparisonMarkdown(c);
    expect(md).toMatch(/^## crawlbench compare: 1 regression in 1 cells \(threshold 10%\)\n/);
    expect(md).toContain('| Cell | Base pages/s | Head pages/s | Change | Interval | Verdict |');
    expect(md).toContain('its interval ± 2σ propagated from both deviations');
    expect(md).toContain('bench both builds in one run, `crawlbench bench --against`');
    // 2σ = 2 * 0.8631% = 1.7%; interval -31.7% to -28.3%.
    expect(md).toContain(
      '| io/async/64 | 100 ± 1 | 70.0 ± 0.7 | -30.0% | -31.7% to -28.3% | **regression** |',
    );
  });

  it('escapes ids that came from the JSON', () => {
    const hostile = 'a|b<script>';
    const c = compareResults(
      makeResult([
        { id: hostile, samples: STEADY },
        { id: '*x*', samples: STEADY },
      ]),
      makeResult([
        { id: hostile, samples: STEADY },
        { id: '_y_', samples: STEADY },
      ]),
      {
        thresholdPct: 10,
      },
    );
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('| a\\|b&lt;script&gt; |');
    expect(md).not.toContain('<script>');
    expect(md).toContain('Only in base (not compared): \\*x\\*');
    expect(md).toContain('Only in head (not compared): \\_y\\_');
    // Every table row keeps its 6 cells: no unescaped `|` inside one.
    const rows = md.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(8);
  });
});

describe('buildOrder (the A B B A interleave of bench --against)', () => {
  it('alternates the builds round by round, so a linear drift adds alike to both', () => {
    const sequence = [0, 1, 2, 3].flatMap((round) => buildOrder(round, 2));
    expect(sequence).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    // Positions 0..7 under a linear drift d·t: build 0 sits at 0+3+4+7, build 1 at 1+2+5+6.
    const drift = (build: number): number => sequence.reduce((sum, b, t) => (b === build ? sum + t : sum), 0);
    expect(drift(0)).toBe(drift(1));
    expect(buildOrder(0, 1)).toEqual([0]);
    expect(buildOrder(1, 1)).toEqual([0]);
  });
});
