import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBenchOptions } from '../dist/bench/options.js';
import type { BenchResult } from '../dist/bench/result.js';
import { REPORTERS } from '../dist/reports/registry.js';
import { runBenchJson, runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'crawlbench-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bench matrix', () => {
  it('by default: io and cpu compare the four strategies; mixed compares async ×64 with hybrid pools', () => {
    const o = resolveBenchOptions({});
    expect(o.modes).toEqual(['io', 'cpu', 'mixed']);
    const cores = availableParallelism();
    const classic = [
      { strategy: 'serial', concurrency: 1, perWorker: 1 },
      { strategy: 'async', concurrency: 8, perWorker: 1 },
      { strategy: 'threads', concurrency: cores, perWorker: 1 },
      { strategy: 'processes', concurrency: cores, perWorker: 1 },
    ];
    expect(o.matrix.io).toEqual(classic);
    expect(o.matrix.cpu).toEqual(classic);
    const perWorker = Math.round(64 / cores);
    expect(o.matrix.mixed).toEqual([
      { strategy: 'async', concurrency: 64, perWorker: 1 },
      { strategy: 'threads', concurrency: cores, perWorker },
      { strategy: 'processes', concurrency: cores, perWorker },
    ]);
  });

  it('given strategies and concurrencies apply to every mode; a hybrid size is workers × tasks', () => {
    const o = resolveBenchOptions({
      modes: ['io', 'mixed'],
      strategies: ['async', 'threads'],
      concurrency: { async: [4, 16], threads: [2, { workers: 2, perWorker: 8 }] },
    });
    const expected = [
      { strategy: 'async', concurrency: 4, perWorker: 1 },
      { strategy: 'async', concurrency: 16, perWorker: 1 },
      { strategy: 'threads', concurrency: 2, perWorker: 1 },
      { strategy: 'threads', concurrency: 2, perWorker: 8 },
    ];
    expect(o.matrix.io).toEqual(expected);
    expect(o.matrix.mixed).toEqual(expected);
  });

  it('refuses a hybrid size for a strategy without workers, and a mode it does not know', () => {
    expect(() => resolveBenchOptions({ concurrency: { async: [{ workers: 2, perWorker: 4 }] } })).toThrow(
      /workers × tasks is for threads and processes/,
    );
    expect(() => resolveBenchOptions({ modes: ['io', 'fast' as 'io'] })).toThrow(
      'Expected a mode of io, cpu, mixed, got `"fast"` (string)',
    );
  });
});

describe('bench: a mixed workload of hybrid pools, through the CLI', () => {
  it('runs hybrid cells (threads=2x4), takes the speedups against async, and says so', async () => {
    const out = join(dir, 'mixed');
    const r = await runCli(
      [
        'bench',
        '--modes',
        'mixed',
        '--runs',
        '1',
        '--warmup',
        '0',
        '--mixed-pages',
        '24',
        '--mixed-cpu-work',
        '5',
      ].concat([
        '-c',
        'async=8',
        '-c',
        'threads=2x4',
        '--strategies',
        'async,threads',
        '--no-raw-ceiling',
        '--no-noise-probe',
        '-q',
        '--out',
        out,
      ]),
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
    expect(result.machineNoise).toBeNull();
    expect(result.cells.map((c) => [c.id, c.perWorker ?? 1])).toEqual([
      ['mixed/async/8', 1],
      ['mixed/threads/2x4', 4],
    ]);
    expect(result.cells.every((c) => c.samples.every((s) => s.records === 24 && s.errors === 0))).toBe(true);
    expect(result.cells[0]?.vsSerial).toEqual({ value: 1, sigma: 0 });
    expect(result.workloads[0]).toMatchObject({ mode: 'mixed', baseline: 'async', pages: 24, cpuWork: 5 });
    expect(result.cells[1]?.timeline?.lanes).toBe(8);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('### Mixed: many in flight, with a parse cost');
    expect(md).toContain('| Strategy ×N | Pages/s | vs async | Efficiency | Bound |');
    expect(md).toContain('threads 2×4');
    expect(md).not.toContain('Machine noise');
  });

  type Sample = BenchResult['cells'][number]['samples'][number];
  /** Whether two runs were under way at the same time, on the harness's clock. */
  const overlap = (a: Sample, b: Sample): boolean => a.startMs! < b.endMs! && b.startMs! < a.endMs!;
  /**
   * The schedule every bench keeps: runs numbered 1..N in the order they started, a cell's runs one
   * after another, and each measured run alone (no other run, warm-up or measured, under way
   * meanwhile). `loadRuns`: the raw ceiling's load generator runs, which take numbers of their own.
   */
  const expectSchedule = (result: BenchResult, loadRuns = 0): void => {
    const all = result.cells.flatMap((c) => c.samples);
    const byStart = [...all].sort((a, b) => a.startMs! - b.startMs!);
    const sequences = byStart.map((s) => s.sequence!);
    if (loadRuns === 0) expect(sequences).toEqual(all.map((_, i) => i + 1));
    else {
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(all.length);
      expect(Math.max(...sequences)).toBeLessThanOrEqual(all.length + loadRuns);
    }
    for (const s of all) expect(s.endMs! - s.startMs!).toBeGreaterThanOrEqual(s.wallMs);
    for (const cell of result.cells) {
      expect(cell.samples.map((s) => s.index)).toEqual(cell.samples.map((_, i) => i));
      for (const [i, s] of cell.samples.entries())
        if (i > 0) expect(s.startMs!).toBeGreaterThanOrEqual(cell.samples[i - 1]!.endMs!);
    }
    for (const measured of all.filter((s) => !s.warmup)) {
      expect(all.filter((s) => s !== measured && overlap(s, measured))).toEqual([]);
    }
  };

  /** A tiny bench through the CLI, without the raw ceiling and the noise probe: its JSON result. */
  const benchJson = (args: readonly string[]): Promise<BenchResult> =>
    runBenchJson<BenchResult>([...args, '--no-raw-ceiling', '--no-noise-probe']);

  it('warms a cpu-mode cell with workers up twice by default, others once; all measure in the same rounds', async () => {
    const result = await benchJson(
      ['--modes', 'cpu', '--strategies', 'serial,threads', '-c', 'threads=2', '--runs', '2'].concat([
        '--cpu-pages',
        '4',
        '--cpu-page-kb',
        '10',
        '--cpu-work',
        '1',
      ]),
    );
    expect(result.options).toMatchObject({ warmup: 1, ioWarmup: 3, poolWarmup: 2, rawWarmup: 3, runs: 2 });
    const [serial, threads] = result.cells;
    const shape = (cell: typeof serial) => cell!.samples.map((s) => [s.index, s.warmup, s.sequence]);
    // Both cells start warming up at once, in cell order, and threads runs its second warm-up after
    // its first; then both cells measure in each round, serial first.
    expect(shape(threads)).toEqual([
      [0, true, 2],
      [1, true, 3],
      [2, false, 5],
      [3, false, 7],
    ]);
    expect(shape(serial)).toEqual([
      [0, true, 1],
      [1, false, 4],
      [2, false, 6],
    ]);
    expect(REPORTERS.md.render(result)).toContain(
      'after 1 warm-up run per cell (2 for a cell with workers on the cpu and mixed workloads)',
    );
    // The crawler processes' Node flags are recorded, and both reports say why.
    expect(result.environment.crawlerNodeFlags).toEqual(['--no-memory-reducer']);
    const why = "The crawler processes run with --no-memory-reducer: V8's memory reducer is off";
    expect(REPORTERS.md.render(result)).toContain(why);
    expect(REPORTERS.html.render(result)).toContain(why.replace("'", '&#39;'));
    expectSchedule(result);
    // The two cells' first warm-ups went at once.
    expect(overlap(serial!.samples[0]!, threads!.samples[0]!)).toBe(true);
  });

  /** Two io cells, serial and async ×2, on a 2-page site at zero latency, no warm-up. */
  const TWO_CELLS = ['--modes', 'io', '--strategies', 'serial,async', '-c', 'async=2'].concat([
    '--io-pages',
    '2',
    '--latency',
    '0',
    '--warmup',
    '0',
  ]);
  const measuredRuns = (result: BenchResult): Record<string, number> =>
    Object.fromEntries(result.cells.map((c) => [c.id, c.samples.filter((s) => !s.warmup).length]));

  it('runs a cell whose median is less certain than --target-error more rounds, up to --max-runs; the raw ceiling exactly --min-runs', async () => {
    // A target of 0%: no median of real runs is that certain, so both cells go to --max-runs.
    const result = await runBenchJson<BenchResult>([
      ...TWO_CELLS,
      ...['--min-runs', '2', '--max-runs', '4', '--target-error', '0'],
    ]);
    expect(result.options).toMatchObject({ runs: 2, maxRuns: 4, targetErrorPct: 0, budgetMs: 60_000 });
    expect(measuredRuns(result)).toEqual({
      'io/serial/1': 4,
      'io/async/2': 4,
      'raw/async/64/fetch-only': 2,
    });
    // The load generator pairs the raw ceiling's crawls only; the probe measures every round.
    expect(result.rawCeiling?.requestsPerSecondByRound).toHaveLength(2);
    expect(result.machineNoise?.wallMs.n).toBe(4);
    // The extra rounds stay interleaved: serial, then async, round after round.
    const [serial, async] = result.cells.map((c) => c.samples.map((s) => s.sequence!));
    for (let round = 0; round < 4; round++) {
      expect(serial![round]!).toBeLessThan(async![round]!);
      if (round > 0) expect(async![round - 1]!).toBeLessThan(serial![round]!);
    }
    // The load generator's two measured runs (nothing warms up, so neither does it).
    expectSchedule(result, 2);
    const md = REPORTERS.md.render(result);
    expect(md).toContain('2-4 measured runs after 0 warm-up runs per cell');
    expect(md).toContain(
      "Every cell ran 2 measured runs; then the cells of a mode in which a median was less certain than ±0% (its relative standard error) ran more rounds together, up to 4, while the bench's 60 s budget lasted: 1 of 1 mode did (io: 4 runs);",
    );
    expect(md).toMatch(/\| serial \| 1 \| 4 \(±\d+\.\d%\) \|/);
    expect(REPORTERS.html.render(result)).toContain('<dt>Extra rounds</dt>');
  });

  it.each([
    // Two runs' median is within 99% unless one run took 8.5 times the other (the bound is 125%
    // as one run's time goes to 0): a warm-up run and 50 ms of latency per page keep the first
    // measured run's connection and compilation costs from being most of a run.
    ['a cell within --target-error', ['--target-error', '99', '--warmup', '1', '--latency', '50']],
    // No time left for any round beyond the first two, however uncertain the medians.
    ['a --budget that is spent', ['--target-error', '0', '--budget', '0']],
  ])('runs no extra round for %s', async (_, args) => {
    const result = await benchJson([...TWO_CELLS, '--min-runs', '2', '--max-runs', '4', ...args]);
    expect(measuredRuns(result)).toEqual({ 'io/serial/1': 2, 'io/async/2': 2 });
    expect(REPORTERS.md.render(result)).toMatch(/2 measured runs after [01] warm-up runs? per cell/);
    expectSchedule(result);
  });

  it.each([
    [['--runs', '3', '--min-runs', '2'], /Give `runs` \(exact\), or `minRuns` and `maxRuns`, not both/],
    [['--min-runs', '5', '--max-runs', '3'], /Expected `maxRuns` \(3\) to be at least `minRuns` \(5\)/],
    [['--target-error', '0.5'], /Ambiguous `--target-error`/],
    [['--target-error', '100%'], /Expected `--target-error` to be a percentage from 0 to under 100/],
    [['--budget', 'soon'], /expected a duration like 1d, 12h, 30m, 45s or 250ms, got "soon"/],
  ])('refuses run counts that do not add up with exit 2 %#', async (args, reason) => {
    const r = await runCli(['bench', '-q', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
  });

  it('warms async and a pool up three times on the io workload, serial once', async () => {
    const result = await benchJson(
      [
        '--modes',
        'io',
        '--strategies',
        'serial,async,processes',
        '-c',
        'async=2',
        '-c',
        'processes=2',
      ].concat(['--runs', '1', '--io-pages', '4', '--latency', '0']),
    );
    expect(result.options).toMatchObject({ warmup: 1, ioWarmup: 3, poolWarmup: 2, runs: 1 });
    const shape = (cell: (typeof result.cells)[number]) =>
      cell.samples.map((s) => [s.index, s.warmup, s.sequence]);
    // All three start warming up at once, in cell order; async's and processes' other two warm-ups
    // follow theirs (runs 4-7, in whichever order they start); then the measured round.
    expect(result.cells.map((c) => [c.id, shape(c).map(([index, warmup]) => [index, warmup])])).toEqual([
      [
        'io/serial/1',
        [
          [0, true],
          [1, false],
        ],
      ],
      [
        'io/async/2',
        [
          [0, true],
          [1, true],
          [2, true],
          [3, false],
        ],
      ],
      [
        'io/processes/2',
        [
          [0, true],
          [1, true],
          [2, true],
          [3, false],
        ],
      ],
    ]);
    const [serial, async, processes] = result.cells.map((c) => c.samples);
    expect([serial, async, processes].map((s) => s![0]!.sequence)).toEqual([1, 2, 3]);
    expect([serial![1], async![3], processes![3]].map((s) => s!.sequence)).toEqual([8, 9, 10]);
    expectSchedule(result);
    expect(overlap(serial![0]!, async![0]!) && overlap(async![0]!, processes![0]!)).toBe(true);
    // No pool on the cpu or mixed workloads here: only the io count is named.
    expect(REPORTERS.md.render(result)).toContain(
      'after 1 warm-up run per cell (3 for async and the pools on the io workload), crawling',
    );
  });

  it('--extract runs the module in every cell; a module that does not load exits 2', async () => {
    const summary = fileURLToPath(new URL('./fixtures/extract-summary.mjs', import.meta.url));
    const ok = await runCli(
      ['bench', '--modes', 'io', '--strategies', 'serial,threads', '--runs', '1', '--warmup', '0'].concat([
        '--io-pages',
        '8',
        '--latency',
        '0',
        '--no-raw-ceiling',
        '-q',
        '--format',
        'json',
        '--extract',
        summary,
      ]),
      { timeoutMs: 120_000 },
    );
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout) as BenchResult;
    expect(result.cells.every((c) => c.samples.every((s) => s.errors === 0 && s.records === 8))).toBe(true);
    const none = fileURLToPath(new URL('./fixtures/extract-none.mjs', import.meta.url));
    const bad = await runCli(
      [
        'bench',
        '--modes',
        'io',
        '--strategies',
        'serial',
        '--runs',
        '1',
        '--warmup',
        '0',
        '--io-pages',
        '4',
      ].concat(['--no-raw-ceiling', '-q', '--extract', none]),
      { timeoutMs: 60_000 },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/exports no `extract` function/);
  });
});
