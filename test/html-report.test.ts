import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult, CellResult } from '../dist/bench/result.js';
import { renderHtml } from '../dist/reports/html.js';
import { REPORTERS } from '../dist/reports/registry.js';
import { runCli } from './helpers/cli.js';
import { editableCopy } from './helpers/mutable.js';

const fixtureText = readFileSync(new URL('./fixtures/bench-result-v2.json', import.meta.url), 'utf8');
const fixture = JSON.parse(fixtureText) as BenchResult;
const v1 = JSON.parse(
  readFileSync(new URL('./fixtures/bench-result.json', import.meta.url), 'utf8'),
) as BenchResult;
const html = renderHtml(fixture);

/** The cells a mode's charts draw: the raw ceiling's own cell is reported in its line instead. */
const modeCells = (r: BenchResult, mode: string): CellResult[] =>
  r.cells.filter((c) => c.mode === mode && c.id !== r.rawCeiling?.cellId);

describe('html report, as text', () => {
  it('is registered as the html format and is deterministic', async () => {
    expect(REPORTERS.html.name).toBe('html');
    expect(REPORTERS.html.render(fixture)).toBe(html);
    expect(renderHtml(editableCopy(fixture))).toBe(html);
    await expect(html).toMatchFileSnapshot('./__snapshots__/report.html');
  });

  it('is one self-contained file: no script, no external resource, a policy that forbids both', () => {
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // Every URL in the page is an in-page anchor or the SVG namespace.
    const urls = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    for (const url of urls) expect(url).toMatch(/^#/);
  });

  it('shows the hostile CPU model, URL and message as text only', () => {
    expect(html).toContain(
      'AMD EPYC 7763 &lt;/title&gt;&lt;script&gt;alert(&quot;cpu&quot;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;',
    );
    expect(html).toContain(
      'page/&lt;/a&gt;&lt;script&gt;alert(&quot;url&quot;)&lt;/script&gt;?q=&quot;x&quot;&amp;y=&#39;z&#39;',
    );
    expect(html).toContain('title &lt;title&gt;&lt;/title&gt;&lt;svg onload=alert(3)&gt;');
    expect(html).not.toMatch(/<svg onload|onerror="/);
  });

  it('escapes every string a result file brings, wherever it lands', () => {
    const evil = '"><script>alert(9)</script><img src=x onerror=alert(9)>';
    const r = editableCopy(fixture);
    r.createdAt = evil;
    r.options.list = evil;
    r.environment = {
      ...r.environment,
      os: evil,
      node: evil,
      ci: evil,
      crawlbenchVersion: evil,
      gitCommit: evil,
    };
    r.workloads = r.workloads.map((w) => ({ ...w, description: evil, ideal: evil }));
    r.cells = r.cells.map((c) => ({ ...c, id: `${c.id}${evil}` }));
    r.failures = r.failures.map((f) => ({ ...f, cellId: evil, code: evil }));
    const out = renderHtml(r);
    expect(out).not.toMatch(/<script|<img/i);
    expect(out).toContain('&quot;&gt;&lt;script&gt;alert(9)&lt;/script&gt;');
  });

  it('omits the charts of a schema 1 result, with one note per mode', () => {
    const out = renderHtml(v1);
    expect(out.match(/No run of this mode was recorded page by page/g)).toHaveLength(2);
    expect(out).not.toContain('class="chart timeline"');
    expect(out).not.toContain('class="chart cores"');
    expect(out).not.toContain('class="chart latency"');
    // The pages/s chart needs no timeline: one per mode.
    expect(out.match(/class="chart rate"/g)).toHaveLength(2);
  });

  it('omits the charts of one cell without a timeline, with a note, and draws the others', () => {
    const r = editableCopy(fixture);
    delete r.cells[0]!.timeline;
    const out = renderHtml(r);
    expect(out).toContain('<p class="note"><b>serial</b>: no timeline was recorded for this cell');
    expect(out.match(/class="chart timeline"/g)).toHaveLength(7);
    expect(out.match(/class="cdf /g)).toHaveLength(7);
  });

  it('says when a timeline was cut at the cap, and refuses a malformed one', () => {
    const r = editableCopy(fixture);
    r.cells[1]!.timeline!.truncated = 1952;
    r.cells[2]!.timeline!.pages[3]!.startMs = 'soon' as unknown as number;
    const out = renderHtml(r);
    expect(out).toContain(
      'Only the first 48 pages of this run were recorded; 1952 more are left out of the timeline.',
    );
    expect(out).toContain(
      '<b>threads ×2</b>: its timeline in the result file is malformed, so it is not drawn.',
    );
  });

  it('is what `crawlbench report --format html` prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crawlbench-html-'));
    try {
      const path = join(dir, 'result.json');
      writeFileSync(path, fixtureText);
      const r = await runCli(['report', path, '--format', 'html']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(html);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A real browser: Debian's chromium (.ci/run installs it). Without it the browser tests are
// skipped on a dev machine and fail under CI=true, so CI can never pass by skipping them.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI !== 'true') {
  console.warn(
    `html report browser tests skipped: no ${CHROMIUM} (apt-get install chromium, or run .ci/run)`,
  );
}
const withChromium = hasChromium || process.env.CI === 'true' ? describe : describe.skip;

// `UPDATE_DOCS_SCREENSHOTS=1` (npm run docs:screenshots) writes the screenshots of the fixture
// over docs/images/; otherwise they go to a temporary directory and are only checked.
const DOCS = new URL('../docs/images/', import.meta.url).pathname;
const updateDocs = process.env.UPDATE_DOCS_SCREENSHOTS === '1';

/**
 * Evaluates `source` in the page. As a string, because the tests are type-checked without the
 * DOM's types (Node's and the DOM's globals disagree), and these few lines are the browser's.
 */
async function inBrowser<T>(page: Page, source: string): Promise<T> {
  return (await page.evaluate(source)) as T;
}

withChromium('html report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];
  const shots = updateDocs ? DOCS : mkdtempSync(join(tmpdir(), 'crawlbench-shots-'));

  beforeAll(async () => {
    // Never a downloaded browser: the system's, with nothing that phones home.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
        '--headless=new',
      ],
    });
    // 780 px: the width of a job summary or a PR comment, the narrowest the report is made for.
    page = await browser.newPage({ viewport: { width: 780, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (!updateDocs) rmSync(shots, { recursive: true, force: true });
  });

  it('loads with no console error and no request at all', () => {
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('has a pages/s chart per mode, one row per cell and one dot per measured run', async () => {
    for (const [i, mode] of ['io', 'cpu'].entries()) {
      const cells = modeCells(fixture, mode);
      const chart = page.locator('section.mode').nth(i).locator('svg.rate');
      await expect(chart.count()).resolves.toBe(1);
      await expect(chart.locator('g.cell').count()).resolves.toBe(cells.length);
      const runs = cells.reduce((n, c) => n + c.samples.filter((s) => !s.warmup).length, 0);
      await expect(chart.locator('circle.run').count()).resolves.toBe(runs);
      await expect(chart.locator('rect.median').count()).resolves.toBe(cells.length);
    }
  });

  it('draws a timeline per cell, one bar per page recorded, and the cores in use under it', async () => {
    const cells = fixture.cells.filter((c) => c.timeline !== undefined);
    expect(cells).toHaveLength(8);
    await expect(page.locator('figure.run').count()).resolves.toBe(cells.length);
    for (const cell of cells) {
      const figure = page.locator(`figure.run[data-cell="${cell.id}"]`);
      const t = cell.timeline!;
      await expect(figure.locator('svg.timeline g.pg').count()).resolves.toBe(t.pages.length);
      await expect(figure.locator('svg.timeline g.pg.x').count()).resolves.toBe(
        t.pages.filter((p) => p.failed).length,
      );
      await expect(figure.locator('svg.timeline path.stairs').count()).resolves.toBe(1);
      await expect(figure.locator('svg.cores path.crawler').count()).resolves.toBe(1);
      await expect(figure.locator('svg.cores path.site').count()).resolves.toBe(1);
      // One horizontal step per CPU sample in the crawler's area.
      const d = await figure.locator('svg.cores path.crawler').getAttribute('d');
      expect(d?.match(/H/g)).toHaveLength(t.cpu.length);
    }
    // Every bar lies inside its chart: the x axis spans the run.
    const outside = await inBrowser<number[]>(
      page,
      `[...document.querySelectorAll('svg.timeline')].map((svg) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('g.pg rect')].filter((r) => {
          const b = r.getBoundingClientRect();
          return b.left < box.left - 0.5 || b.right > box.right + 0.5;
        }).length;
      })`,
    );
    expect(outside.every((n) => n === 0)).toBe(true);
  });

  it('draws a latency CDF per mode, one curve per cell with a timeline', async () => {
    for (const [i, mode] of ['io', 'cpu'].entries()) {
      const recorded = modeCells(fixture, mode).filter((c) => c.timeline !== undefined);
      const chart = page.locator('section.mode').nth(i).locator('svg.latency');
      await expect(chart.locator('path.cdf').count()).resolves.toBe(recorded.length);
    }
  });

  it('puts every number behind a chart in a folded table', async () => {
    const timelines = fixture.cells.filter((c) => c.timeline !== undefined);
    // Per mode: all measurements and runs; per cell: its timeline data. Then the failures.
    await expect(page.locator('details').count()).resolves.toBe(2 * 2 + timelines.length + 1);
    const cell = timelines[1]!;
    const rows = page.locator('details', {
      hasText: `Timeline data: async ×8 (${cell.timeline!.pages.length} pages`,
    });
    await expect(rows.locator('table').first().locator('tbody tr').count()).resolves.toBe(
      cell.timeline!.pages.length,
    );
  });

  it('keeps hostile strings as text: no injected element in the DOM', async () => {
    const injected = await inBrowser<{ elements: number; handlers: number; title: string; text: string }>(
      page,
      `({
        elements: document.querySelectorAll('script, img, iframe, object, embed, link, body svg[onload]').length,
        handlers: [...document.querySelectorAll('*')].filter((e) =>
          [...e.attributes].some((a) => a.name.startsWith('on')),
        ).length,
        title: document.title,
        text: document.body.textContent ?? '',
      })`,
    );
    expect(injected.elements).toBe(0);
    expect(injected.handlers).toBe(0);
    expect(injected.title).toBe(`crawlbench report · ${fixture.createdAt}`);
    expect(injected.text).toContain(fixture.environment.cpuModel);
    expect(injected.text).toContain(fixture.failures[1]!.message);
  });

  it('fits 780 px without scrolling sideways', async () => {
    const overflow = await inBrowser<number>(
      page,
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('renders to a screenshot that is not blank, kept for the README', async () => {
    mkdirSync(shots, { recursive: true });
    // The README's pictures show the fixture with a plain CPU model: the hostile one is tested above.
    const clean = editableCopy(fixture);
    clean.environment.cpuModel = 'AMD EPYC 7763 64-Core Processor';
    const page = await browser.newPage({ viewport: { width: 780, height: 1000 } });
    await page.setContent(renderHtml(clean), { waitUntil: 'load' });
    const clip = async (
      from: string,
      to: string,
    ): Promise<{ x: number; y: number; width: number; height: number }> => {
      const a = (await page.locator(from).first().boundingBox())!;
      const b = (await page.locator(to).first().boundingBox())!;
      return { x: 0, y: a.y - 8, width: 780, height: b.y + b.height - a.y + 16 };
    };
    const io = 'section.mode >> nth=0';
    const cpu = 'section.mode >> nth=1';
    const views = {
      'report-headline.png': await clip('header', `${io} >> svg.rate`),
      'report-io-runs.png': await clip(`${io} >> figure.run >> nth=0`, `${io} >> figure.run >> nth=3`),
      'report-cpu-runs.png': await clip(`${cpu} >> figure.run >> nth=0`, `${cpu} >> figure.run >> nth=3`),
      'report-cpu-latency.png': await clip(`${cpu} >> svg.latency`, `${cpu} >> ul.legend`),
    };
    for (const [name, area] of Object.entries(views)) {
      const png = await page.screenshot({ clip: area, fullPage: true });
      writeFileSync(join(shots, name), png);
      // Decoded by the browser itself (no PNG library here): a blank image has one colour.
      const stats = await pixelStats(png);
      expect(stats.colours, name).toBeGreaterThan(50);
      expect(stats.nonWhite, name).toBeGreaterThan(0.05);
    }
    await page.close();
  });

  /** Distinct colours and the share of non-white pixels of a PNG, counted on a canvas. */
  async function pixelStats(png: Buffer): Promise<{ colours: number; nonWhite: number }> {
    const scratch = await browser.newPage();
    try {
      return await inBrowser<{ colours: number; nonWhite: number }>(
        scratch,
        `(async () => {
          const image = new Image();
          image.src = 'data:image/png;base64,${png.toString('base64')}';
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = image.width;
          canvas.height = image.height;
          const context = canvas.getContext('2d');
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, image.width, image.height).data;
          const colours = new Set();
          let nonWhite = 0;
          for (let i = 0; i < pixels.length; i += 4) {
            const rgb = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
            colours.add(rgb);
            if (rgb !== 0xffffff) nonWhite++;
          }
          return { colours: colours.size, nonWhite: nonWhite / (pixels.length / 4) };
        })()`,
      );
    } finally {
      await scratch.close();
    }
  }
});
