import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import { LOAD_GENERATOR_WARMUPS, RAW_CEILING_DURATION_MS } from '../dist/bench/options.js';
import { runBenchJson, runCli, startCli } from './helpers/cli.js';
import { childPids, survivors } from './helpers/crawl.js';
import type { Mutable } from './helpers/mutable.js';

const cores = availableParallelism();
const dir = mkdtempSync(join(tmpdir(), 'crawlbench-bench-'));
const fixture = readFileSync(new URL('./fixtures/bench-result.json', import.meta.url), 'utf8');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The fixture result with every cell's pages/s scaled by `factor` and its σ set to `relSigma` × mean. */
function variant(name: string, factor: number, relSigma: number, dropCell?: string): string {
  const result = JSON.parse(fixture) as Mutable<BenchResult>;
  result.cells = result.cells.filter((c) => c.id !== dropCell);
  for (const cell of result.cells) {
    const pps = cell.pagesPerSecond;
    pps.mean *= factor;
    pps.median *= factor;
    pps.min *= factor;
    pps.max *= factor;
    pps.stddev = relSigma * pps.mean;
  }
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(result));
  return path;
}

/**
 * A one-cell bench of 4 pages a crawl on the embedded site (serial, io, 1 ms latency, no raw
 * ceiling), quiet, with `extra` arguments: for the tests of what stops a bench.
 */
function tinyBench(...extra: string[]): string[] {
  return ['bench', '--strategies', 'serial', '--modes', 'io', '--io-pages', '4', '--latency', '1']
    .concat(['--no-raw-ceiling', '-q'])
    .concat(extra);
}

describe('crawlbench compare', () => {
  const base = variant('base', 1, 0.01);

  it('exits 1 on a clear regression and names it', async () => {
    const r = await runCli(['compare', base, variant('slower', 0.7, 0.01), '--threshold', '10%']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('regression');
    expect(r.stdout).toMatch(/-30\.0%/);
  });

  it('exits 0 when the slowdown is within the noise', async () => {
    const r = await runCli(['compare', base, variant('noisy', 0.85, 0.3)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inconclusive (too noisy)');
  });

  it('exits 0 and lists cells present on one side only', async () => {
    const r = await runCli(['compare', base, variant('fewer', 1, 0.01, 'io/serial/1')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('io/serial/1');
  });

  it.each([[['compare', join(dir, 'base.json'), join(dir, 'base.json'), '--threshold', '-5'], /threshold/]])(
    'exits 2 on unusable input %#',
    async (args, reason) => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(reason);
    },
  );

  it('exits 3 (the environment failed) on a result file it cannot read', async () => {
    const r = await runCli(['compare', join(dir, 'missing.json'), join(dir, 'base.json')]);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')[0]).toMatch(/cannot read/);
  });

  it('exits 2 on a file that is not a bench result', async () => {
    const path = join(dir, 'other.json');
    writeFileSync(path, JSON.stringify({ hello: 'world' }));
    const r = await runCli(['compare', base, path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a crawlbench bench result/);
  });
});

describe('crawlbench report', () => {
  it('re-renders a stored result as markdown, csv and json', async () => {
    const path = join(dir, 'stored.json');
    writeFileSync(path, fixture);
    const md = await runCli(['report', path]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| Strategy | Concurrency | Runs (median ±) | Wall median [s] |');
    const csv = await runCli(['report', path, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(/^mode,strategy,concurrency,/);
    const json = await runCli(['report', path, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(fixture));
  });
});

describe('crawlbench bench, end to end on the embedded site', () => {
  it('runs a tiny matrix, writes result.json, report.md, report.csv and report.html, and appends the step summary', async () => {
    const out = join(dir, 'out');
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await runCli(
      [
        'bench',
        '--strategies',
        'serial,async',
        '--modes',
        'io',
        '--runs',
        '2',
        '--warmup',
        '0',
        '--io-pages',
        '6',
        '--latency',
        '5',
        '--no-raw-ceiling',
        '--out',
        out,
      ],
      { env: { GITHUB_STEP_SUMMARY: summary }, timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
    expect(result.schema).toBe('crawlbench/bench-result');
    expect(result.state).toBe('completed');
    expect(result.cells.map((c) => c.id)).toEqual(['io/serial/1', 'io/async/8']);
    for (const cell of result.cells) {
      expect(cell.samples).toHaveLength(2);
      expect(cell.samples.every((s) => s.records === 6 && s.errors === 0)).toBe(true);
      expect(cell.samples.every((s) => s.cpuUserMs > 0 && s.peakRssBytes > 0)).toBe(true);
      // Steal time is read on Linux for every run: a number, never negative.
      expect(cell.samples.every((s) => typeof s.hostStealMs === 'number' && s.hostStealMs >= 0)).toBe(true);
    }
    expect(result.cells[0]?.vsSerial).toEqual({ value: 1, sigma: 0 });
    expect(result.verdicts.io).toMatch(/wins on IO-bound pages/);
    // The noise probe ran once per measured round, on one thread per core.
    const noise = result.machineNoise!;
    expect(noise.threads).toBe(availableParallelism());
    expect(noise.wallMs.n).toBe(2);
    expect(noise.wallMs.min).toBeGreaterThan(0);
    expect(noise.cv).toBeCloseTo(noise.wallMs.stddev / noise.wallMs.mean, 10);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(r.stdout).toBe(md);
    expect(md).toMatch(/\*\*Machine noise:\*\* 10,000 rounds .* on each of \d+ threads? at once/);
    expect(md).toContain('### IO-bound');
    expect(md).toContain('xychart-beta');
    expect(readFileSync(join(out, 'report.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(
      /^<!doctype html>\n[\s\S]*IO-bound[\s\S]*<\/html>\n$/,
    );
    expect(readFileSync(summary, 'utf8')).toBe(`# earlier step\n${md}\n`);
  });

  it('pairs the raw ceiling round by round: the crawl of each round over the load of the same round', async () => {
    const result = await runBenchJson<BenchResult>(
      ['--strategies', 'async', '--modes', 'io', '--runs', '2', '--warmup', '1'].concat([
        '--io-pages',
        '4',
        '--latency',
        '0',
        '--no-noise-probe',
      ]),
      60_000,
    );
    const ceiling = result.rawCeiling!;
    expect(ceiling.durationMs).toBe(RAW_CEILING_DURATION_MS);
    const load = ceiling.requestsPerSecondByRound!;
    expect(load).toHaveLength(2);
    expect(load.every((rps) => rps > 0)).toBe(true);
    const crawl = result.cells.find((c) => c.id === ceiling.cellId)!.samples.filter((s) => !s.warmup);
    expect(crawl).toHaveLength(2);
    const ratios = crawl.map((s, i) => s.pagesPerSecond / load[i]!);
    // The median of two is their mean; their sample sigma is |a - b| / sqrt(2).
    expect(ceiling.ratio.value).toBeCloseTo((ratios[0]! + ratios[1]!) / 2, 10);
    expect(ceiling.ratio.sigma).toBeCloseTo(Math.abs(ratios[0]! - ratios[1]!) / Math.SQRT2, 10);
    // The load generator's runs take the sequence numbers no sample has: its warm-ups (all of
    // them) came before the raw ceiling's last warm-up crawl (so the site has served both kinds of
    // traffic before the first measured round), then one run per measured round, after the crawl
    // of the round.
    const samples = result.cells.flatMap((c) => c.samples);
    const taken = new Set(samples.map((s) => s.sequence!));
    const loadWarmups = LOAD_GENERATOR_WARMUPS;
    const loadRuns = Array.from({ length: samples.length + loadWarmups + 2 }, (_, i) => i + 1).filter(
      (n) => !taken.has(n),
    );
    expect(loadRuns).toHaveLength(loadWarmups + 2);
    const rawRuns = result.cells.find((c) => c.id === ceiling.cellId)!.samples;
    expect(rawRuns[0]!.warmup).toBe(true);
    for (const warmup of loadRuns.slice(0, loadWarmups)) expect(warmup).toBeLessThan(rawRuns[0]!.sequence!);
    const [first, second] = loadRuns.slice(loadWarmups);
    expect(first!).toBeGreaterThan(rawRuns[1]!.sequence!);
    expect(first!).toBeLessThan(rawRuns[2]!.sequence!);
    expect(second!).toBeGreaterThan(rawRuns[2]!.sequence!);
  });

  it('SIGINT stops after the run in progress, reports what it measured and exits 130', async () => {
    const out = join(dir, 'interrupted');
    // Without a TTY the bench prints nothing before its report, so the test serves the list
    // itself. Each run crawls the whole list and runs go one after another: request pages + 1
    // is the first of the second run, sent only once the first run has finished.
    const pages = 10;
    let requests = 0;
    let firstRunDone = (): void => {};
    const firstRun = new Promise<void>((resolve) => (firstRunDone = resolve));
    const server = createServer((_req, res) => {
      if (++requests === pages + 1) firstRunDone();
      // 0.5 s a serial run
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>a page</p>'), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const list = Array.from({ length: pages }, (_, i) => `http://127.0.0.1:${port}/page/${i}\n`).join('');
    const cli = startCli(
      ['bench', '-', '--strategies', 'serial,async', '--modes', 'io', '--runs', '50', '--out', out],
      { stdin: list, timeoutMs: 60_000 },
    );
    // Should the CLI end first (an error), the wait ends with it and the assertions say why.
    await Promise.race([firstRun, cli.result]);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('**Interrupted:**');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
    expect(result.state).toBe('interrupted');
    const runs = result.cells.reduce((n, c) => n + c.samples.length, 0);
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(2 * 51);
    // A list's hosts get one run at a time, warm-ups included (the serial and async warm-ups of
    // round 0 are both here: the second began at request pages + 1 and ended after the signal).
    const samples = result.cells.flatMap((c) => c.samples).sort((a, b) => a.startMs! - b.startMs!);
    expect(samples.filter((s) => s.warmup).length).toBeGreaterThanOrEqual(2);
    for (const [i, s] of samples.slice(1).entries())
      expect(s.startMs!).toBeGreaterThanOrEqual(samples[i]!.endMs!);
  });

  it('a cell runner that dies mid-bench stops it cleanly: what it measured is written, one line, exit 3', async () => {
    const out = join(dir, 'runner-died');
    // 4 pages a crawl: the warm-up extracts pages 1-4, the first measured run 5-8, and the runner
    // exits on page 10, in the second measured run.
    const extract = fileURLToPath(new URL('./fixtures/extract-exit-after.mjs', import.meta.url));
    const r = await runCli(tinyBench('--warmup', '1', '--runs', '5', '--extract', extract, '--out', out), {
      env: { CRAWLBENCH_EXIT_AFTER: '10' },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /bench stopped: bench runner exited with code 70 \(HARNESS_FAILED\), in a run of io\/serial\/1; the runs measured before it are kept \(.*result\.json, state "interrupted"\)/,
    );
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
    expect(result.state).toBe('interrupted');
    expect(result.stoppedBy).toEqual({
      cellId: 'io/serial/1',
      build: null,
      code: 'HARNESS_FAILED',
      message: 'bench runner exited with code 70',
    });
    const cell = result.cells.find((c) => c.id === 'io/serial/1')!;
    expect(cell.samples.map((s) => [s.warmup, s.records])).toEqual([
      [true, 4],
      [false, 4],
    ]);
    for (const report of [r.stdout, readFileSync(join(out, 'report.md'), 'utf8')]) {
      expect(report).toContain(
        '**Interrupted:** the bench was stopped before it finished by a failure: bench runner exited with code 70',
      );
    }
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      'by a failure: bench runner exited with code 70',
    );
  });

  it.each([
    ['Ctrl-C, then Ctrl-C again', ['SIGINT', 'SIGINT'] as const, 130],
    ['SIGTERM', ['SIGTERM'] as const, 143],
  ])(
    'a run that never ends: %s stops the bench now, keeps the runs that ended, and leaves no runner',
    async (_name, signals, exitCode) => {
      const out = join(dir, `endless-${exitCode}`);
      const marker = join(dir, `endless-${exitCode}.started`);
      // 4 pages a crawl: the warm-up ends, and the first measured run never does (page 6).
      const extract = fileURLToPath(new URL('./fixtures/extract-endless.mjs', import.meta.url));
      const cli = startCli(tinyBench('--warmup', '1', '--runs', '5', '--extract', extract, '--out', out), {
        env: { CRAWLBENCH_ENDLESS_AFTER: '6', CRAWLBENCH_ENDLESS_MARKER: marker },
        timeoutMs: 60_000,
      });
      const waitFor = async (ready: () => boolean): Promise<void> => {
        for (let i = 0; i < 600 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      await waitFor(() => existsSync(marker));
      const runners = childPids(cli.child.pid!, 'run-process.js');
      expect(runners).toHaveLength(1);
      for (const [i, signal] of signals.entries()) {
        cli.child.kill(signal);
        // A second signal only once the first is handled (two at once may arrive as one).
        if (i === 0 && signals.length > 1)
          await waitFor(() => cli.stderr().includes('Ctrl-C again to stop now'));
      }
      const r = await cli.result;
      expect(r.code).toBe(exitCode);
      expect(r.stderr).toContain(`stopping (${signals.at(-1)}) now: the runs in progress are dropped`);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
      expect(result.state).toBe('interrupted');
      expect(result.stoppedBy).toBeNull();
      expect(result.cells[0]!.samples.map((s) => [s.warmup, s.records])).toEqual([[true, 4]]);
      expect(await survivors(runners)).toEqual([]);
    },
  );

  it('an output it cannot write is one line and exit 3, result.json written first', async () => {
    const tiny = tinyBench('--warmup', '0', '--runs', '1');
    const out = join(dir, 'unwritable');
    // A directory where report.html goes: writing it fails (EISDIR), as a full disk would.
    mkdirSync(join(out, 'report.html'), { recursive: true });
    const r = await runCli([...tiny, '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `crawlbench: cannot write report ${JSON.stringify(join(out, 'report.html'))}: EISDIR`,
    ]);
    expect((JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult).state).toBe(
      'completed',
    );
    // A full disk under the CI job summary (/dev/full answers every write with ENOSPC).
    const full = await runCli(tiny, { env: { GITHUB_STEP_SUMMARY: '/dev/full' } });
    expect(full.code).toBe(3);
    expect(full.stderr.trimEnd().split('\n')).toEqual([
      'crawlbench: cannot write GITHUB_STEP_SUMMARY "/dev/full": ENOSPC',
    ]);
  });

  it('--depth 1 follows links from the first page: every run crawls the same pages, with no error', async () => {
    const out = join(dir, 'depth');
    // 16 pages of 10 links each: page 0 links to 10 distinct other pages, so depth 1 reaches 11.
    const r = await runCli(
      [
        'bench',
        '--depth',
        '1',
        '--strategies',
        'serial,async,threads',
        '--modes',
        'io',
        '--runs',
        '1',
      ].concat([
        '--warmup',
        '0',
        '--io-pages',
        '16',
        '--latency',
        '5',
        '--no-raw-ceiling',
        '-q',
        '--out',
        out,
      ]),
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as BenchResult;
    expect(result.state).toBe('completed');
    expect(result.options.depth).toBe(1);
    expect(result.workloads).toMatchObject([{ mode: 'io', pages: 11, depth: 1, seeds: 1, sitePages: 16 }]);
    expect(result.cells.map((c) => c.id)).toEqual(['io/serial/1', 'io/async/8', `io/threads/${cores}`]);
    for (const cell of result.cells) {
      expect(cell.samples).toHaveLength(1);
      for (const s of cell.samples) {
        expect({ records: s.records, errors: s.errors, pagesByDepth: s.pagesByDepth }).toEqual({
          records: 11,
          errors: 0,
          pagesByDepth: [1, 10],
        });
      }
      expect(cell.idealWallMs).not.toBeNull();
    }
    expect(r.stdout).toContain('by following links 1 hop deep from its first page');
    expect(r.stdout).toContain('11 pages reached from 1 seed by following links 1 hop deep on a site of 16');
  });

  it.each([
    [['--depth', '0'], /expected a positive integer, got "0"/],
    [['--depth', '1', '--no-parse'], /needs the parse step/],
  ])('rejects an unusable --depth with exit 2 %#', async (args, reason) => {
    const r = await runCli(['bench', '-q', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
  });

  it('rejects a bad matrix with exit 2', async () => {
    const r = await runCli(['bench', '--strategies', 'serial,fibers']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(
      /expected strategies from serial, async, threads, processes, distributed, got "fibers"/,
    );
  });
});
