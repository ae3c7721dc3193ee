import { assembleResult } from './assemble.js';
import { describeEnvironment } from './environment.js';
import { measureCells, type MeasureHooks } from './measure.js';
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

/**
 * Runs the matrix: plans the cells (starting their fixture sites, runners and queue workers),
 * measures every cell `warmup + runs` times in interleaved rounds, and assembles the result.
 * Each crawl runs in a process of its own cell; the fixture sites run in processes of their own.
 * Measuring never prints: progress goes to `hooks.onProgress`. Every helper process is closed
 * before it returns or throws.
 */
export async function runBench(options: BenchOptions, hooks: BenchHooks): Promise<BenchResult> {
  const resolved = resolveBenchOptions(options);
  const helpers = new BenchHelpers();
  try {
    const cells = await planCells(resolved, helpers);
    const measurement = await measureCells(cells, resolved, hooks);
    return assembleResult(resolved, measurement, describeEnvironment(hooks.env, hooks.cwd), new Date());
  } finally {
    await helpers.close();
  }
}
