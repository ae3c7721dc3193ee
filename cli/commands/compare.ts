import { Command, InvalidArgumentError } from 'commander';
import { CrawlbenchError } from '../../crawler/errors.js';
import {
  compareResults,
  comparisonExitCode,
  parseBenchResult,
  parseThreshold,
  renderComparisonMarkdown,
} from '../../reports/compare.js';
import type { CliIo } from '../io.js';
import { readResultFile } from '../result-file.js';

function threshold(value: string): number {
  try {
    return parseThreshold(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof CrawlbenchError ? error.message : String(error));
  }
}

export function compareCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('compare')
    .description(
      'compare two bench results cell by cell (pages/s); exit 1 only when a cell is slower by more ' +
        'than the threshold beyond its noise',
    )
    .argument('<base>', 'result.json of the base (e.g. the main branch)')
    .argument('<head>', 'result.json of the head (e.g. the pull request)')
    .option('-t, --threshold <percent>', 'slowdown that counts as a regression (10% or 10)', threshold, 10)
    .action(async (basePath: string, headPath: string, o: { threshold: number }) => {
      const base = parseBenchResult(await readResultFile(basePath), basePath);
      const head = parseBenchResult(await readResultFile(headPath), headPath);
      const comparison = compareResults(base, head, { thresholdPct: o.threshold });
      io.stdout.write(renderComparisonMarkdown(comparison));
      setExit(comparisonExitCode(comparison));
    });
}
