import { csvReporter } from './csv.js';
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { markdownReporter } from './markdown.js';
import type { BenchReporter, ReportFormat } from './reporter.js';

// The names alone, without loading a renderer: what the CLI needs to define its options.
export { REPORT_FORMATS, reportFileName } from './formats.js';

/** Every reporter, by format name. */
export const REPORTERS: Readonly<Record<ReportFormat, BenchReporter>> = Object.freeze({
  md: markdownReporter,
  json: jsonReporter,
  csv: csvReporter,
  html: htmlReporter,
});
