import type { CrawlSummary } from '../crawler/summary.js';
import { appendOutputFile, writeOutputFile } from './output-file.js';
import { buildLinkReport } from '../reports/link-report/report.js';
import { LINK_REPORTERS, linkReportFormatOf } from '../reports/link-report/registry.js';
import type { LinkReportFormat } from '../reports/link-report/reporter.js';

/** A `--report` file and its format (by extension). */
export interface ReportTarget {
  readonly path: string;
  readonly format: LinkReportFormat;
}

/** The `--report` files, their formats checked before anything starts (an unknown extension exits 2). */
export function reportTargets(paths: readonly string[]): ReportTarget[] {
  return paths.map((path) => ({ path, format: linkReportFormatOf(path) }));
}

/**
 * Writes the link report of a finished crawl to each `--report` file and, when `GITHUB_STEP_SUMMARY`
 * names a file, appends the Markdown there in one write (so another step's summary cannot
 * interleave). The Markdown names the first JSON report where it is cut.
 */
export async function writeLinkReports(
  summary: CrawlSummary,
  targets: readonly ReportTarget[],
  stepSummary: string | undefined,
): Promise<void> {
  const report = buildLinkReport(summary);
  const jsonReport = targets.find((t) => t.format === 'json')?.path ?? null;
  let markdown: string | undefined;
  const markdownOf = (): string => (markdown ??= LINK_REPORTERS.md.render(report, { jsonReport }));
  for (const target of targets) {
    const text = target.format === 'md' ? markdownOf() : LINK_REPORTERS[target.format].render(report);
    await writeOutputFile(target.path, text, 'report');
  }
  if (stepSummary) await appendOutputFile(stepSummary, `${markdownOf()}\n`, 'GITHUB_STEP_SUMMARY');
}
