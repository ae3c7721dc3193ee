import { Command } from 'commander';
import { DEFAULT_THRESHOLD_PCT } from '../../reports/threshold.js';
import { withDefault } from '../help.js';
import type { CliIo } from '../io.js';
import { thresholdPercent } from '../parsers.js';
import { readResultFile } from '../result-file.js';

export function compareCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('compare')
    .description(
      'compare two bench results cell by cell (pages/s); exit 1 only when a cell is slower by more ' +
        'than the threshold beyond its noise',
    )
    .argument('<base>', 'result.json of the base (e.g. the main branch)')
    .argument('<head>', 'result.json of the head (e.g. the pull request)')
    .option(
      '-t, --threshold <percent>',
      withDefault('change that counts (10% or 10)', `${DEFAULT_THRESHOLD_PCT}%`),
      thresholdPercent,
    )
    .action(async (basePath: string, headPath: string, o: { threshold?: number }) => {
      // Loaded on demand, as every command's working parts are.
      const { compareResults, comparisonExitCode, parseBenchResult, renderComparisonMarkdown } =
        await import('../../reports/compare.js');
      const base = parseBenchResult(await readResultFile(basePath), basePath);
      const head = parseBenchResult(await readResultFile(headPath), headPath);
      const comparison = compareResults(base, head, { thresholdPct: o.threshold ?? DEFAULT_THRESHOLD_PCT });
      io.stdout.write(renderComparisonMarkdown(comparison));
      setExit(comparisonExitCode(comparison));
    });
}
