import { extname } from 'node:path';
import { describeValue, InvalidOptionError } from '../../crawler/errors.js';
import { jsonLinkReporter } from './json.js';
import { markdownLinkReporter } from './markdown.js';
import type { LinkReporter, LinkReportFormat } from './reporter.js';

/** Every link report renderer, by format. */
export const LINK_REPORTERS: Readonly<Record<LinkReportFormat, LinkReporter>> = Object.freeze({
  md: markdownLinkReporter,
  json: jsonLinkReporter,
});

/**
 * The format of a report file, by its extension: `.md` (or `.markdown`) or `.json`. Throws
 * `INVALID_OPTION` for any other, saying what was expected and what came.
 */
export function linkReportFormatOf(path: string): LinkReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return 'md';
  if (ext === '.json') return 'json';
  throw new InvalidOptionError(`Expected a report file ending in .md or .json, got ${describeValue(path)}`);
}
