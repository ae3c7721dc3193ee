import type { BenchResult } from '../bench/result.js';
import type { BenchReporter } from './reporter.js';

/**
 * The canonical JSON of a bench result: what `compare` reads back. Pretty (2 spaces) so that two
 * results diff well, with a trailing newline like any text file.
 */
export const jsonReporter: BenchReporter = {
  name: 'json',
  render(result: BenchResult): string {
    return `${JSON.stringify(result, null, 2)}\n`;
  },
};
