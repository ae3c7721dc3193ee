import type { BenchResult } from '../bench/result.js';
import { csvReporter } from './csv.js';
import { jsonReporter } from './json.js';
import { markdownReporter } from './markdown.js';

/** The formats a bench result can be rendered in. */
export type ReportFormat = 'md' | 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'json', 'csv'];

/**
 * Renders a whole bench result in one format. Pure: it returns the text and never writes, so the
 * caller decides where it goes (a file, stdout, `$GITHUB_STEP_SUMMARY`).
 */
export interface BenchReporter {
  readonly name: ReportFormat;
  render(result: BenchResult): string;
}

/** Every reporter, by format name. */
export const REPORTERS: Readonly<Record<ReportFormat, BenchReporter>> = Object.freeze({
  md: markdownReporter,
  json: jsonReporter,
  csv: csvReporter,
});

const FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  md: 'report.md',
  json: 'result.json',
  csv: 'report.csv',
};

/** The conventional file name of a format in an output directory: `report.md`, `result.json`, `report.csv`. */
export function reportFileName(format: ReportFormat): string {
  return FILE_NAMES[format];
}
