import type { LinkReport } from './report.js';

// The contract of the link report's renderers, as reports/reporter.ts is the bench's: the renderers
// import it, the registry imports them, so the imports stay one-way.

/** The formats a link report is written in, named by a report file's extension. */
export type LinkReportFormat = 'md' | 'json';

export interface LinkRenderOptions {
  /** What the Markdown may weigh, in UTF-8 bytes (a job summary takes 1 MiB). */
  readonly budgetBytes?: number;
  /** The JSON report's file, named where the Markdown is cut ("N more in the JSON report"). */
  readonly jsonReport?: string | null;
}

/** Renders a link report in one format. Pure: returns the text, the caller writes it. */
export interface LinkReporter {
  readonly name: LinkReportFormat;
  render(report: LinkReport, options?: LinkRenderOptions): string;
}
