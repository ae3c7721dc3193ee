import type { ReportFormat } from './reporter.js';

/** Every format name, in the order the CLI lists them. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'json', 'csv', 'html'];

const FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  md: 'report.md',
  json: 'result.json',
  csv: 'report.csv',
  html: 'report.html',
};

/**
 * The conventional file name of a format in an output directory: `report.md`, `result.json`,
 * `report.csv`, `report.html`.
 */
export function reportFileName(format: ReportFormat): string {
  return FILE_NAMES[format];
}
