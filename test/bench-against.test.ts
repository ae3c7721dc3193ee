// `bench --against PATH` end to end through the built CLI: a second checkout of this commit (a git
// worktree of HEAD, installed and built) is the base; both builds run a tiny matrix interleaved.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import { runCli } from './helpers/cli.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'crawlbench-against-'));
const base = join(dir, 'base');

const TINY = [
  '--modes',
  'io',
  '--strategies',
  'serial,async',
  '-c',
  'async=4',
  '--io-pages',
  '8',
  '--latency',
  '5',
  '--warmup',
  '1',
  '--runs',
  '5',
  '--no-raw-ceiling',
  '-q',
];

beforeAll(() => {
  // Installed: the same lockfile's node_modules; built: with its own sources, by its own tsconfig.
  execFileSync('git', ['worktree', 'add', '--detach', base, 'HEAD'], { cwd: repo, stdio: 'ignore' });
  symlinkSync(join(repo, 'node_modules'), join(base, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: base,
    stdio: 'inherit',
  });
}, 180_000);

afterAll(() => {
  execFileSync('git', ['worktree', 'remove', '--force', base], { cwd: repo, stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

function readResult(path: string): BenchResult {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchResult;
}

describe('crawlbench bench --against', () => {
  it('runs both builds interleaved A B B A, writes base.json, head.json and compare.md, and exits as compare', async () => {
    const out = join(dir, 'ab');
    const r = await runCli(['bench', '--against', base, '--out', out, '--threshold', '25%', ...TINY], {
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const baseResult = readResult(join(out, 'base.json'));
    const headResult = readResult(join(out, 'head.json'));
    const compareMd = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(r.stdout).toBe(compareMd);
    expect(baseResult.abRole).toBe('base');
    expect(headResult.abRole).toBe('head');
    // Both measured the same commit, the base from its own checkout.
    expect(baseResult.environment.gitCommit).toBe(headResult.environment.gitCommit);
    expect(baseResult.cells.map((c) => c.id)).toEqual(['io/serial/1', 'io/async/4']);
    expect(headResult.cells.map((c) => c.id)).toEqual(baseResult.cells.map((c) => c.id));

    // The run order: within each cell, base then head in even rounds, head then base in odd ones,
    // each pair adjacent; all runs of the bench numbered 1..N once.
    const sequences: number[] = [];
    for (const [i, cell] of baseResult.cells.entries()) {
      const other = headResult.cells[i]!;
      expect(cell.samples.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const [round, sample] of cell.samples.entries()) {
        const a = sample.sequence!;
        const b = other.samples[round]!.sequence!;
        expect(Math.abs(a - b)).toBe(1);
        expect(a < b).toBe(round % 2 === 0);
        sequences.push(a, b);
      }
    }
    expect(sequences.sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));

    // The same code on both sides: nothing may read as a regression or an improvement. Five
    // rounds are the fewest whose paired interval supports a verdict (93.75%, the range).
    const rows = compareMd.split('\n').filter((line) => line.startsWith('| io/'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/\| (unchanged|inconclusive \(too noisy\)) \|$/);
    expect(compareMd).toContain(
      "a distribution-free confidence interval of that median (the sign test's, 93.8% here",
    );
  }, 150_000);

  it('refuses, exit 2 with one line, a base whose cell runner speaks another run protocol', async () => {
    const protocol = join(base, 'dist/bench/run-protocol.js');
    const original = readFileSync(protocol, 'utf8');
    expect(original).toMatch(/RUN_PROTOCOL_VERSION = 1;/);
    writeFileSync(protocol, original.replace(/RUN_PROTOCOL_VERSION = \d+;/, 'RUN_PROTOCOL_VERSION = 999;'));
    try {
      const out = join(dir, 'refused');
      const r = await runCli(['bench', '--against', base, '--out', out, ...TINY], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/speaks run protocol 999, this crawlbench speaks 1/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(existsSync(join(out, 'head.json'))).toBe(false);
    } finally {
      writeFileSync(protocol, original);
    }
  }, 90_000);

  it("keeps both sides when one build's cell runner dies mid-bench, names that build, and exits 3", async () => {
    const entry = join(base, 'dist/bench/run-process.js');
    const original = readFileSync(entry, 'utf8');
    const handler = "process.on('message', (message) => {";
    expect(original).toContain(handler);
    // The base's async runner exits on its third run: its warm-up and first measured run are done.
    const dying = original.replace(
      handler,
      `let runs = 0;\n${handler}\n    if (++runs === 3 && message.options.strategy === 'async') process.exit(3);`,
    );
    writeFileSync(entry, dying);
    try {
      const out = join(dir, 'died');
      const r = await runCli(['bench', '--against', base, '--out', out, ...TINY], { timeoutMs: 120_000 });
      expect(r.code).toBe(3);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /bench stopped: bench runner exited with code 3 \(HARNESS_FAILED\), in a run of io\/async\/4 with the base build; the runs measured before it are kept/,
      );
      for (const side of ['base', 'head'] as const) {
        const result = readResult(join(out, `${side}.json`));
        expect(result.state).toBe('interrupted');
        expect(result.stoppedBy).toMatchObject({
          cellId: 'io/async/4',
          build: 'base',
          code: 'HARNESS_FAILED',
        });
        // io/serial/1 ran its whole warm-up and at least its first measured round on both sides.
        expect(result.cells.find((c) => c.id === 'io/serial/1')!.samples.length).toBeGreaterThanOrEqual(2);
      }
      expect(
        readResult(join(out, 'base.json')).cells.find((c) => c.id === 'io/async/4')!.samples,
      ).toHaveLength(2);
      const compareMd = readFileSync(join(out, 'compare.md'), 'utf8');
      expect(compareMd).toContain(
        'The base bench was interrupted by a failure (bench runner exited with code 3',
      );
    } finally {
      writeFileSync(entry, original);
    }
  }, 150_000);

  it('refuses, exit 2, what is not a built crawlbench checkout, and --against without --out', async () => {
    const notCrawlbench = join(dir, 'other');
    execFileSync('mkdir', ['-p', notCrawlbench]);
    writeFileSync(join(notCrawlbench, 'package.json'), JSON.stringify({ name: 'other' }));
    const cases: Array<[string[], RegExp]> = [
      [['--against', notCrawlbench, '--out', join(dir, 'x')], /package\.json names "other", not crawlbench/],
      [['--against', join(dir, 'missing'), '--out', join(dir, 'x')], /no readable package\.json there/],
      [['--against', base], /give `--out <dir>`/],
      [['--threshold', '5%'], /`--threshold` applies to `--against` only/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['bench', ...args, ...TINY], { timeoutMs: 30_000 });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 90_000);
});
