import { assembleResult } from './assemble.js';
import { type BenchBuild, locateBuild, thisBuild } from './builds.js';
import { describeEnvironment } from './environment.js';
import { measureCells, type MeasureHooks } from './measure.js';
import { NoiseProbe } from './noise-probe.js';
import { type BenchOptions, resolveBenchOptions } from './options.js';
import { BenchHelpers, planCells } from './plan.js';
import type { BenchResult } from './result.js';

export type { BenchProgress } from './measure.js';

/** What a bench takes from its caller besides its options. */
export interface BenchHooks extends MeasureHooks {
  /** Environment variables (CI detection, GITHUB_SHA) and the working directory (git commit). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The two results of an A/B bench, measured side by side in one run. */
export interface AbBenchResult {
  /** Measured with the other checkout's code (`bench --against PATH`). */
  readonly base: BenchResult;
  /** Measured with this checkout's code. */
  readonly head: BenchResult;
}

/**
 * Plans the cells once (their fixture sites, and a runner per cell and build), measures every cell
 * with every build, and assembles one result per build, in the order of `builds`.
 */
async function runBuilds(
  options: BenchOptions,
  builds: readonly BenchBuild[],
  hooks: BenchHooks,
): Promise<BenchResult[]> {
  const startedAtMs = hooks.startedAtMs ?? performance.now();
  const resolved = resolveBenchOptions(options);
  const helpers = new BenchHelpers();
  try {
    const cells = await planCells(resolved, helpers, builds);
    const { noiseProbe } = resolved;
    const probe = noiseProbe && helpers.add(new NoiseProbe(noiseProbe.threads, noiseProbe.rounds));
    const measurements = await measureCells(cells, resolved, { ...hooks, startedAtMs }, builds, probe);
    const createdAt = new Date();
    return await Promise.all(
      builds.map(async (build, i) => {
        // The version the build's own runner greeted with: the base's may differ from this one's.
        const hello = await cells[0]?.runners[i]?.ready();
        const environment = describeEnvironment(hooks.env, build.dir, {
          role: build.role,
          ...(hello && { version: hello.crawlbenchVersion }),
        });
        const result = assembleResult(resolved, measurements[i]!, environment, createdAt);
        return builds.length > 1 ? { ...result, abRole: build.role } : result;
      }),
    );
  } finally {
    await helpers.close();
  }
}

/**
 * Runs the matrix: plans the cells (starting their fixture sites, runners and queue workers),
 * measures every cell `warmup + minRuns` times in interleaved rounds (and more for a noisy cell,
 * within the time budget), and assembles the result.
 * Each crawl runs in a process of its own cell; the fixture sites run in processes of their own.
 * Measuring never prints: progress goes to `hooks.onProgress`. Every helper process is closed
 * before it returns or throws. A failure of the environment while it measures (a helper process
 * that dies, Redis gone) does not throw: the bench stops as an aborted signal stops it and
 * returns what it measured, `state: 'interrupted'` with the failure as `stoppedBy`.
 */
export async function runBench(options: BenchOptions, hooks: BenchHooks): Promise<BenchResult> {
  const [result] = await runBuilds(options, [thisBuild(hooks.cwd)], hooks);
  return result!;
}

/**
 * An A/B bench: the same matrix measured with the code of another crawlbench checkout (`baseDir`,
 * installed and built, such as a pull request's base in a `git worktree`) and with this one's, in
 * one run. Every cell has a runner of each build; within a cell the builds alternate A B, B A,
 * round by round (A B B A), so drift on the machine hits both alike. The harness (fixture sites,
 * load generator, statistics) is this checkout's. Compare the two with `compareResults`.
 *
 * @throws {CrawlbenchError} `INCOMPATIBLE_BUILD` when `baseDir` is not a built crawlbench checkout
 *   or its entries speak another run protocol.
 */
export async function runBenchAgainst(
  options: BenchOptions,
  baseDir: string,
  hooks: BenchHooks,
): Promise<AbBenchResult> {
  const base = await locateBuild(baseDir);
  const [baseResult, headResult] = await runBuilds(options, [base, thisBuild(hooks.cwd)], hooks);
  return { base: baseResult!, head: headResult! };
}
