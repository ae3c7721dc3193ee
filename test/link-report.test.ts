import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlSummary } from '../dist/index.js';
import { buildLinkReport, type LinkReport } from '../dist/reports/link-report/report.js';
import { renderLinkMarkdown } from '../dist/reports/link-report/markdown.js';
import { LINK_REPORTERS, linkReportFormatOf } from '../dist/reports/link-report/registry.js';
import { collect } from './helpers/crawl.js';
import { type LinkCheckSite, startLinkCheckSite } from './helpers/link-check-site.js';

let site: LinkCheckSite;
let summary: CrawlSummary;

beforeAll(async () => {
  site = await startLinkCheckSite();
  // Serial and without retries: one fixed crawl, whose report the snapshot below pins down.
  const run = await collect([`${site.site}/`], {
    checkLinks: true,
    checkResources: true,
    checkFragments: true,
    depth: 3,
    retries: 0,
    strategy: 'serial',
  });
  summary = run.summary;
});

afterAll(async () => {
  await site.close();
});

/** The report with what differs between runs pinned: ports, times (the slowest pages, by URL). */
function fixed(report: LinkReport): LinkReport {
  return {
    ...report,
    createdAt: '2026-01-01T00:00:00.000Z',
    wallMs: 1234,
    slowest: [...report.slowest]
      .sort((a, b) => (a.url < b.url ? -1 : 1))
      .map((page, i) => ({ ...page, totalMs: 100 - i, ttfbMs: 10 + i })),
  };
}

function withoutPorts(text: string): string {
  return text
    .replaceAll(site.site, 'http://site.test')
    .replaceAll(site.ext, 'http://ext.test')
    .replaceAll(site.dead, 'http://dead.test')
    .replace(/127\.0\.0\.(\d):\d+/g, '127.0.0.$1:PORT');
}

describe('the link report', () => {
  it('renders a fixed crawl as Markdown: totals, broken links by page and by URL, fragments, redirects, slow pages', async () => {
    const markdown = withoutPorts(
      renderLinkMarkdown(fixed(buildLinkReport(summary)), { jsonReport: 'links.json' }),
    );
    await expect(markdown).toMatchFileSnapshot('./__snapshots__/link-report.md');
  });

  it('escapes hostile titles, link texts and URLs: no raw HTML, no broken table row', () => {
    const markdown = renderLinkMarkdown(buildLinkReport(summary));
    expect(markdown).not.toMatch(/<script|<\/details>|<img|<\/td>|\u202e/);
    expect(markdown).toContain('&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).toContain('\\*\\*bold\\*\\* \\[x\\](javascript:alert(1))');
    expect(markdown).toContain(
      '\\`code\\` &lt;/td&gt;&lt;img src=x onerror=alert(1)&gt; \\| \\~\\~gone\\~\\~',
    );
    // Every table row has as many unescaped cell separators as its header.
    for (const table of markdown.split('\n\n').filter((block) => block.startsWith('| '))) {
      const rows = table.split('\n').filter((row) => row !== '');
      const cells = (row: string): number => row.replace(/\\\|/g, '').split('|').length;
      for (const row of rows) expect(cells(row), row).toBe(cells(rows[0]!));
    }
  });

  it('stays under its budget, and says how many more the JSON report has', () => {
    const report = buildLinkReport(summary);
    const full = renderLinkMarkdown(report);
    for (const budget of [2_500, 3_000, 4_000]) {
      const cut = renderLinkMarkdown(report, { budgetBytes: budget, jsonReport: 'out/links.json' });
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(budget);
      expect(cut).toMatch(/… \d+ more [A-Za-z ]+ in the JSON report \(out\/links\.json\)\./);
      expect(cut.length).toBeLessThan(full.length);
    }
    expect(full).not.toContain('more broken');
    // A huge report (100,000 broken links) stays under the 1 MiB a GitHub job summary takes.
    const link = report.broken[0]!;
    const huge: LinkReport = {
      ...report,
      broken: Array.from({ length: 100_000 }, (_, i) => ({ ...link, url: `${link.url}/${i}` })),
    };
    const big = renderLinkMarkdown(huge, { jsonReport: 'links.json' });
    expect(Buffer.byteLength(big)).toBeLessThan(1024 * 1024);
    expect(big).toMatch(/… \d+ more broken URLs in the JSON report \(links\.json\)\./);
  });

  it('the JSON report has every finding, sorted, and reads back as it was written', () => {
    const report = buildLinkReport(summary);
    const parsed = JSON.parse(LINK_REPORTERS.json.render(report)) as LinkReport;
    expect(parsed).toEqual(report);
    expect(parsed).toMatchObject({ schema: 'crawlbench-link-report', schemaVersion: 1, state: 'completed' });
    const urls = parsed.broken.map((b) => b.url);
    expect(urls).toEqual([...urls].sort());
    expect(parsed.broken).toHaveLength(summary.linkCheck!.totals.broken);
    // Permanent redirects first.
    expect(parsed.redirects.map((r) => r.statuses[0])).toEqual([301, 308, 302]);
  });

  it('picks the format by extension, and refuses any other', () => {
    expect(linkReportFormatOf('out/links.md')).toBe('md');
    expect(linkReportFormatOf('LINKS.JSON')).toBe('json');
    expect(() => linkReportFormatOf('links.html')).toThrow(
      /Expected a report file ending in \.md or \.json, got `"links.html"`/,
    );
  });
});
