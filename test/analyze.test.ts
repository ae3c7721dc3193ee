import { describe, expect, it } from 'vitest';
import {
  analyzeCells,
  hostStealShare,
  idealWallMs,
  levelsOf,
  type MeasuredCell,
  requestsInFlight,
  verdict,
  waves,
} from '../dist/bench/analyze.js';
import { readHostStealMs } from '../dist/bench/host-steal.js';
import type { RunSample, Workload } from '../dist/bench/result.js';

const io: Workload = {
  mode: 'io',
  pages: 48,
  latencyMs: 50,
  pageKb: 10,
  links: 10,
  cpuWork: 0,
  description: '',
  ideal: '',
  serialCores: null,
};

function sample(wallMs: number, cpuMs: number, extra: Partial<RunSample> = {}): RunSample {
  return {
    index: 0,
    warmup: false,
    wallMs,
    pagesPerSecond: 48 / (wallMs / 1000),
    records: 48,
    errors: 0,
    cpuUserMs: cpuMs,
    cpuSystemMs: 0,
    peakRssBytes: 1,
    childPeakRssBytes: null,
    siteCpuMs: 10,
    siteLatencyMs: 50,
    latency: { p50Ms: 50, p90Ms: 51, p99Ms: 52 },
    ...extra,
  };
}

function cell(
  strategy: MeasuredCell['strategy'],
  concurrency: number,
  walls: number[],
  cpuMs: number,
): MeasuredCell {
  return {
    id: `io/${strategy}/${concurrency}`,
    mode: 'io',
    strategy,
    concurrency,
    parse: true,
    samples: walls.map((w, index) => ({ ...sample(w, cpuMs), index })),
  };
}

describe('idealWallMs', () => {
  it('io: latency × ceil(pages / pages in flight)', () => {
    expect(idealWallMs({ strategy: 'serial', concurrency: 1 }, io, null, 2)).toBe(2400);
    expect(idealWallMs({ strategy: 'async', concurrency: 16 }, io, null, 2)).toBe(150);
    expect(idealWallMs({ strategy: 'async', concurrency: 20 }, io, null, 2)).toBe(150);
    expect(idealWallMs({ strategy: 'threads', concurrency: 2 }, io, null, 2)).toBe(1200);
    expect(idealWallMs({ strategy: 'async', concurrency: 16 }, io, null, 2, 50.5)).toBeCloseTo(151.5);
  });

  it('io, following links: one robots.txt round trip plus the waves of each level', () => {
    // The default io site at depth 2: 1 seed, 10 pages at depth 1, 34 at depth 2.
    const levels = [1, 10, 34];
    expect(waves(levels, 8)).toBe(1 + 2 + 5);
    expect(waves([45], 8)).toBe(6);
    const follow = { ...io, pages: 45, depth: 2, seeds: 1, sitePages: 48 };
    expect(idealWallMs({ strategy: 'serial', concurrency: 1 }, follow, null, 2, null, levels)).toBe(50 * 46);
    expect(idealWallMs({ strategy: 'async', concurrency: 8 }, follow, null, 2, null, levels)).toBe(50 * 9);
    expect(idealWallMs({ strategy: 'threads', concurrency: 2 }, follow, null, 2, 51, levels)).toBe(51 * 24);
  });

  it('levelsOf takes the measured run with the median page count; null for list runs', () => {
    const runs = [
      sample(100, 1, { warmup: true, records: 3, pagesByDepth: [1, 2] }),
      sample(100, 1, { records: 11, pagesByDepth: [1, 10] }),
      sample(100, 1, { records: 9, pagesByDepth: [1, 8] }),
      sample(100, 1, { records: 11, pagesByDepth: [1, 10] }),
    ];
    expect(levelsOf({ samples: runs })).toEqual([1, 10]);
    expect(levelsOf({ samples: [sample(100, 1)] })).toBeNull();
  });

  it('cpu: serial CPU over the cores the cell can keep busy, capped by the machine', () => {
    const cpu: Workload = { ...io, mode: 'cpu', latencyMs: 0, serialCores: 1.25 };
    expect(idealWallMs({ strategy: 'serial', concurrency: 1 }, cpu, { cpuMs: 1250 }, 2)).toBe(1000);
    expect(idealWallMs({ strategy: 'threads', concurrency: 2 }, cpu, { cpuMs: 1250 }, 2)).toBe(625);
    expect(idealWallMs({ strategy: 'processes', concurrency: 8 }, cpu, { cpuMs: 1250 }, 2)).toBe(625);
    expect(
      idealWallMs({ strategy: 'threads', concurrency: 2 }, { ...cpu, serialCores: null }, null, 2),
    ).toBeNull();
  });
});

describe('analyzeCells and verdict', () => {
  const cells = [
    cell('serial', 1, [2500, 2510, 2490], 100),
    cell('async', 8, [320, 330, 325], 60),
    cell('async', 64, [100, 140, 60], 95),
  ];
  const [serial, async8, async64] = analyzeCells(cells, [io], 2);

  it('computes speedups against serial with propagated uncertainty, and efficiency', () => {
    expect(serial?.vsSerial).toEqual({ value: 1, sigma: 0 });
    expect(async8?.vsSerial?.value).toBeCloseTo(2500 / 325, 5);
    expect(async8?.vsSerial?.sigma).toBeGreaterThan(0);
    expect(async8?.efficiency).toBeCloseTo(300 / 325, 5);
    expect(serial?.efficiency).toBeCloseTo(2400 / 2500, 5);
  });

  it('flags a noisy cell and an io cell that became CPU-bound', () => {
    expect(async8?.flags).toEqual([]);
    expect(async64?.flags).toContain('noisy');
    expect(async64?.flags).toContain('cpu-bound-in-io-mode');
    expect(async64?.bound.by).toBe('cpu');
    expect(async8?.bound.by).toBe('io');
  });

  it('says who won, by how much, and that the winner was CPU-bound', () => {
    const text = verdict('io', [serial!, async8!, async64!]);
    expect(text).toMatch(/^async ×64 wins on IO-bound pages: \d+\.\d\dx ± \d+\.\d\d faster than serial/);
    expect(text).toContain('CPU-bound, not IO-bound');
    expect(verdict('cpu', [serial!, async8!])).toBeNull();
  });

  it('says the race was not like-for-like when the cells had different requests in flight', () => {
    const text = verdict('io', [serial!, async8!, async64!])!;
    expect(text).toContain(
      'Not a like-for-like race: async ×64 had 64 requests in flight, async ×8 had 8, and on IO-bound pages the number in flight sets the pace',
    );
    expect(requestsInFlight({ strategy: 'serial', concurrency: 1 })).toBe(1);
    expect(requestsInFlight({ strategy: 'threads', concurrency: 2 })).toBe(2);
  });
});

describe('verdict wording', () => {
  const analysed = (cells: MeasuredCell[]) => analyzeCells(cells, [io], 2);

  it('names the cells by requests in flight, and says nothing of fairness when they match', () => {
    const unequal = analysed([
      cell('serial', 1, [2500, 2510, 2490], 100),
      cell('async', 8, [320, 330, 325], 60),
      cell('threads', 2, [1250, 1260, 1240], 80),
      cell('processes', 2, [1270, 1260, 1280], 90),
    ]);
    expect(verdict('io', unequal)).toContain(
      'Not a like-for-like race: async ×8 had 8 requests in flight, threads ×2 and processes ×2 had 2, and on IO-bound pages',
    );
    const equal = analysed([
      cell('serial', 1, [2500, 2510, 2490], 100),
      cell('async', 8, [320, 330, 325], 60),
      cell('threads', 8, [330, 335, 340], 80),
    ]);
    expect(verdict('io', equal)).not.toContain('like-for-like');
  });

  it('does not repeat the speedup when the runner-up is serial', () => {
    const text = verdict(
      'io',
      analysed([cell('serial', 1, [2500, 2510, 2490], 100), cell('async', 8, [320, 330, 325], 60)]),
    )!;
    expect(text).toMatch(
      /^async ×8 wins on IO-bound pages: \d+\.\d\dx ± \d+\.\d\d faster than serial at \d+% of the ideal\.$/,
    );
    expect(text).not.toContain('ahead of');
  });

  it('with one run per cell, claims no spread: no ± and no "within the noise"', () => {
    const text = verdict(
      'io',
      analysed([cell('serial', 1, [2500], 100), cell('async', 8, [320], 60), cell('async', 16, [330], 60)]),
    )!;
    expect(text).toMatch(
      /^async ×8 wins on IO-bound pages: \d+\.\d\dx faster than serial at \d+% of the ideal, 1\.03x ahead of async ×16\./,
    );
    expect(text).not.toContain('±');
    expect(text).not.toContain('noise,');
    expect(text).toContain('One run per cell: the run-to-run noise was not measured.');
  });
});

describe('host steal time', () => {
  it('is read from /proc/stat as ms over all cores, and null where the figure is missing', () => {
    const stat = (line: string) => () => `${line}\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;
    expect(readHostStealMs(stat('cpu  113997 0 9919 136286 286 0 2747 6091 0 0'))).toBe(60_910);
    expect(readHostStealMs(stat('cpu  1 2 3 4 5 6 7'))).toBeNull();
    expect(readHostStealMs(stat('intr 1 2 3 4 5 6 7 8 9'))).toBeNull();
    expect(
      readHostStealMs(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
    // On this Linux machine: a real, non-negative figure that never goes back.
    const first = readHostStealMs();
    expect(first).not.toBeNull();
    expect(first).toBeGreaterThanOrEqual(0);
    expect(readHostStealMs()!).toBeGreaterThanOrEqual(first!);
  });

  it('flags a cell when the host stole more than 5% of the machine in one of its measured runs', () => {
    const runs = (steal: (number | null)[]): MeasuredCell => ({
      ...cell('async', 8, [320, 330, 325], 60),
      samples: steal.map((hostStealMs, index) => ({ ...sample(325, 60, { hostStealMs }), index })),
    });
    // 2 cores × 325 ms = 650 core-ms: 5% is 32.5 ms.
    const [calm, stolen, unknown] = analyzeCells(
      [runs([0, 10, 30]), runs([0, 40, 10]), runs([null, null])],
      [io],
      2,
    );
    expect(calm?.flags).not.toContain('host-steal');
    expect(calm?.hostStealShare).toBeCloseTo(30 / 650, 5);
    expect(stolen?.flags).toContain('host-steal');
    expect(stolen?.hostStealShare).toBeCloseTo(40 / 650, 5);
    expect(unknown?.flags).not.toContain('host-steal');
    expect(unknown?.hostStealShare).toBeUndefined();
    expect(hostStealShare({ hostStealMs: 65, wallMs: 325 }, 2)).toBeCloseTo(0.1, 5);
  });
});
