import type { LinkReporter } from './reporter.js';

/** The whole report as JSON, pretty (2 spaces), with a trailing newline: every finding kept. */
export const jsonLinkReporter: LinkReporter = {
  name: 'json',
  render: (report) => `${JSON.stringify(report, null, 2)}\n`,
};
