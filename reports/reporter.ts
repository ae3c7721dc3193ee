import type { BenchResult } from '../bench/result.js';

// The contract every reporter implements, and nothing else: the reporters import it and the
// registry (registry.ts) imports the reporters, so the imports stay one-way.

/** The formats a bench result can be rendered in. */
export type ReportFormat = 'md' | 'json' | 'csv' | 'html';

/**
 * Renders a whole bench result in one format. Pure: it returns the text and never writes, so the
 * caller decides where it goes (a file, stdout, `$GITHUB_STEP_SUMMARY`).
 */
export interface BenchReporter {
  readonly name: ReportFormat;
  render(result: BenchResult): string;
}
