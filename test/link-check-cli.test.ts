import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PageRecord } from '../dist/index.js';
import { runCli } from './helpers/cli.js';
import { type LinkCheckSite, startLinkCheckSite } from './helpers/link-check-site.js';

const dir = mkdtempSync(join(tmpdir(), 'crawlbench-link-cli-'));
let site: LinkCheckSite;
let n = 0;
const path = (name: string): string => join(dir, `${++n}-${name}`);

beforeEach(async () => {
  site = await startLinkCheckSite();
});

afterEach(async () => {
  await site.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const records = (stdout: string): PageRecord[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PageRecord);

/** `crawlbench crawl - --check-links ...` with `seeds` on stdin (no step summary unless given). */
function check(seeds: readonly string[], args: readonly string[], env: Record<string, string> = {}) {
  return runCli(['crawl', '-', '--check-links', '--retries', '0', ...args], {
    stdin: seeds.join('\n'),
    env: { GITHUB_STEP_SUMMARY: '', ...env },
  });
}

describe('crawlbench crawl --check-links', () => {
  it('writes a record per URL checked, and a summary naming the broken links; exit 0 without --strict', async () => {
    const r = await check([`${site.site}/`], ['--depth', '3']);
    expect(r.code).toBe(0);
    const out = records(r.stdout);
    expect(out).toHaveLength(17);
    expect(out.every((x) => x.check !== undefined)).toBe(true);
    const gone = out.find((x) => x.url === `${site.ext}/gone`);
    expect(gone).toMatchObject({ status: 404, check: { kind: 'link', outcome: 'broken', method: 'HEAD' } });
    expect(r.stderr).toMatch(
      /links: 17 URLs checked \(11 pages crawled, 6 links and 0 resources only checked\): ok 8, redirected 3/,
    );
    expect(r.stderr).toMatch(/broken 5 \(HTTP_4XX 4, CONN_REFUSED 1\), excluded 1/);
    expect(r.stderr).toContain(`broken: ${site.site}/missing (404) linked from ${site.site}/ and 1 more`);
    expect(r.stderr).toContain(`broken: ${site.dead}/ (CONN_REFUSED) linked from ${site.site}/`);
  });

  it('--strict exits 1 on a broken link, 0 when every link is accepted (a PDF, a 403 with --accept)', async () => {
    const broken = await check([`${site.site}/`], ['--depth', '1', '--strict', '-q']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe('');
    // A PDF is no failure of a link check, whatever the crawl's NOT_HTML says.
    const pdf = await check([`${site.site}/report.pdf`, `${site.site}/docs/`], ['--strict', '-q']);
    expect(records(pdf.stdout).find((x) => x.url.endsWith('.pdf'))).toMatchObject({
      error: { code: 'NOT_HTML' },
    });
    expect(pdf.code).toBe(0);
    const forbidden = await check([`${site.site}/forbidden`], ['--strict', '-q']);
    expect(forbidden.code).toBe(1);
    const accepted = await check([`${site.site}/forbidden`], ['--strict', '-q', '--accept', '200..=299,403']);
    expect(accepted.code).toBe(0);
    // Without --check-links, --strict still fails on any failed record: the PDF's NOT_HTML.
    const plain = await runCli(['crawl', '-', '--strict', '-q'], { stdin: `${site.site}/report.pdf` });
    expect(plain.code).toBe(1);
  });

  it('--report writes Markdown and JSON by extension; the Markdown is appended to GITHUB_STEP_SUMMARY in one piece', async () => {
    const md = path('links.md');
    const json = path('links.json');
    const summaryFile = path('step-summary.md');
    writeFileSync(summaryFile, '# an earlier step\n');
    const r = await check(
      [`${site.site}/`],
      [
        '--depth',
        '3',
        '--check-fragments',
        '--report',
        md,
        '--report',
        json,
        '-q',
        '-o',
        path('records.jsonl'),
      ],
      { GITHUB_STEP_SUMMARY: summaryFile },
    );
    expect(r.code).toBe(0);
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toMatch(/^## crawlbench link check\n/);
    expect(markdown).toContain('### Broken links by page');
    expect(markdown).toContain('### Missing fragments');
    expect(readFileSync(summaryFile, 'utf8')).toBe(`# an earlier step\n${markdown}\n`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { schema: string; totals: { broken: number } };
    expect(report).toMatchObject({ schema: 'crawlbench-link-report', totals: { broken: 5 } });
  });

  it('a report or job summary it cannot write is one line and exit 3', async () => {
    const out = path('links.md');
    mkdirSync(out); // a directory where the report goes
    const r = await check([`${site.site}/`], ['--report', out, '-q', '-o', path('records.jsonl')]);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `crawlbench: cannot write report ${JSON.stringify(out)}: EISDIR`,
    ]);
    const full = await check(
      [`${site.site}/`],
      ['--report', path('links.json'), '-q', '-o', path('records.jsonl')],
      {
        GITHUB_STEP_SUMMARY: '/dev/full',
      },
    );
    expect(full.code).toBe(3);
    expect(full.stderr.trimEnd().split('\n')).toEqual([
      'crawlbench: cannot write GITHUB_STEP_SUMMARY "/dev/full": ENOSPC',
    ]);
  });

  it('--json: the summary has the link-check totals and the cache, not the findings (those are the report)', async () => {
    const r = await check([`${site.site}/`], ['--depth', '1', '--json', '-o', path('records.jsonl')]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { linkCheck: Record<string, unknown> };
    expect(summary.linkCheck).toMatchObject({ accept: '200..=299', maxReferrers: 20, cache: null });
    expect(summary.linkCheck).toHaveProperty('totals.broken');
    expect(summary.linkCheck).not.toHaveProperty('findings');
  });

  it('--format csv adds the check columns', async () => {
    const r = await check([`${site.site}/docs/`], ['--format', 'csv', '-q']);
    const [header, row] = r.stdout.split('\n');
    expect(
      header?.endsWith(',error_code,error_message,check_kind,check_outcome,check_method,check_cache'),
    ).toBe(true);
    expect(row?.endsWith(',page,ok,GET,')).toBe(true);
  });

  it('--cache: a second run answers fresh links from the file; a cut file is a warning, not a failure', async () => {
    const cache = path('links-cache.json');
    const first = await check([`${site.site}/`], ['--depth', '3', '--cache', cache, '-o', path('a.jsonl')]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /cache .*links-cache\.json: 0 loaded, 0 fresh, 0 revalidated \(0 unchanged\), \d+ stored/,
    );
    site.clearLog();
    const second = await check(
      [`${site.site}/`],
      ['--depth', '3', '--cache', cache, '--cache-max-age', '1h', '-o', path('b.jsonl')],
    );
    expect(second.stderr).toMatch(/cached 4/);
    expect(second.stderr).toMatch(/4 fresh, 5 revalidated \(5 unchanged\)/);
    expect(site.requests('ext').sort()).toEqual(['GET /elsewhere', 'HEAD /gone']);
    truncateSync(cache, Math.floor(statSync(cache).size / 3));
    const third = await check([`${site.site}/`], ['--depth', '3', '--cache', cache, '-o', path('c.jsonl')]);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(
      /crawlbench: warning: cache .*links-cache\.json is corrupt \(checksum mismatch/,
    );
  });

  it.each([
    [['--report', 'links.html'], /Expected a report file ending in \.md or \.json, got `"links\.html"`/],
    [['--accept', 'fine'], /Expected `accept` to be status codes and ranges/],
    [['--cache-max-age', 'soon'], /expected a duration like 1d, 12h, 30m, 45s or 250ms, got "soon"/],
  ])('usage error %j exits 2 with a one-line reason', async (args, reason) => {
    const r = await check([`${site.site}/`], args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(reason);
  });

  it.each([
    [['--report', 'links.md'], /--report writes the link report: give it with --check-links/],
    [['--check-resources'], /`checkResources` applies to link checking/],
    [['--cache', 'x.json'], /`cache` applies to link checking/],
  ])('without --check-links, %j exits 2', async (args, reason) => {
    const r = await runCli(['crawl', '-', ...args], { stdin: `${site.site}/` });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(reason);
  });
});
