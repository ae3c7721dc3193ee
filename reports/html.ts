import { verdict } from '../bench/analyze.js';
import type { BenchResult, CellResult, BenchMode } from '../bench/result.js';
import { escapeHtml } from './escape.js';
import { describeStop } from './stopped-by.js';
import { coresChart } from './html/cores-chart.js';
import { headline } from './html/headline.js';
import { latencyChart, type RecordedCell } from './html/latency-chart.js';
import { rateChart } from './html/rate-chart.js';
import { setup } from './html/setup.js';
import { lanesPhrase, strategyClass } from './html/strategy-style.js';
import { STYLE } from './html/style.js';
import { cellsTable, details, failuresTable, runsTable, timelineTables } from './html/tables.js';
import { timelineChart } from './html/timeline-chart.js';
import { readTimeline } from './html/timeline-data.js';
import { MODE_TITLES, cellLabel, measuredSamples, modesOf, seconds } from './markdown-format.js';
import type { BenchReporter } from './reporter.js';

// The HTML report: one self-contained file of hand-written SVG and CSS, no script. The policy
// below forbids every request and every script, so even a string that escaped escaping could
// neither run nor phone home; the renderer escapes all of them anyway.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const modeTitle = (mode: BenchMode): string => MODE_TITLES[mode] ?? String(mode);
// Anchors from a fixed set: a mode name from a file never becomes an id.
const modeAnchor = (mode: BenchMode): string =>
  mode === 'io' || mode === 'cpu' || mode === 'mixed' ? `mode-${mode}` : 'mode-other';

function runCaption(cell: CellResult, run: number, pages: number, lanes: number, wallMs: number): string {
  const measured = measuredSamples(cell);
  const at = measured.findIndex((s) => s.index === run);
  const which =
    at === -1 ? `run ${run}` : `measured run ${at + 1} of ${measured.length}, the one closest to the median`;
  return `${which}: ${pages} pages on ${lanesPhrase(cell.strategy, lanes)} in ${seconds(wallMs)} s`;
}

/** The timeline and the cores in use of one cell's recorded run, or a note saying why not. */
function runFigure(cell: CellResult, machineCores: number): string {
  const read = readTimeline(cell);
  const label = escapeHtml(cellLabel(cell));
  if (read.state !== 'ok') {
    const why =
      read.state === 'absent'
        ? 'no timeline was recorded for this cell (a result of schema 1, or a bench that did not record it)'
        : 'its timeline in the result file is malformed, so it is not drawn';
    return `<p class="note"><b>${label}</b>: ${why}.</p>`;
  }
  const t = read.timeline;
  const caption = escapeHtml(runCaption(cell, t.run, t.pages.length, t.lanes, t.wallMs));
  const truncated =
    t.truncated > 0
      ? `<p class="note">Only the first ${t.pages.length} pages of this run were recorded; ${escapeHtml(String(t.truncated))} more are left out of the timeline.</p>`
      : '';
  const key =
    '<span class="sw f"></span> fetch <span class="sw p"></span> parse, or waiting for its thread <span class="sw x"></span> failed';
  const coresKey = '<span class="sw p"></span> crawler <span class="sw site"></span> fixture site';
  return [
    `<figure class="run ${strategyClass(cell.strategy)}" data-cell="${escapeHtml(cell.id)}">`,
    `<figcaption><b>${label}</b>, ${caption}. ${key}</figcaption>`,
    timelineChart(t, cell.strategy),
    `<figcaption>Cores in use, every ${escapeHtml(String(t.cpuIntervalMs))} ms: ${coresKey}</figcaption>`,
    coresChart(t, machineCores),
    truncated,
    '</figure>',
  ].join('\n');
}

function modeSection(result: BenchResult, mode: BenchMode): string {
  // The raw ceiling's fetch-only cell crawls a site of its own: it is in the setup's line.
  const cells = result.cells.filter((c) => c.mode === mode && c.id !== result.rawCeiling?.cellId);
  const workload = result.workloads.find((w) => w.mode === mode);
  const parts = [`<section class="mode"><h2 id="${modeAnchor(mode)}">${escapeHtml(modeTitle(mode))}</h2>`];
  if (workload) parts.push(`<p class="dim">${escapeHtml(workload.description)}</p>`);
  if (cells.length === 0) {
    parts.push('<p class="note">No cell of this mode completed.</p></section>');
    return parts.join('\n');
  }
  parts.push(headline(cells, verdict(mode, cells)));
  parts.push(
    '<h3>Pages per second</h3>',
    `<figure>${rateChart(cells)}<figcaption>Each row is a cell: the whisker spans its fastest and slowest measured run, the bar is the median (its value at the right), each dot a run. Warm-up runs are left out.</figcaption></figure>`,
  );
  const recorded: RecordedCell[] = [];
  for (const cell of cells) {
    const read = readTimeline(cell);
    if (read.state === 'ok' && read.timeline.pages.length > 0)
      recorded.push({ cell, timeline: read.timeline });
  }
  parts.push('<h3>What one run did, page by page</h3>');
  if (cells.every((c) => readTimeline(c).state === 'absent')) {
    // One note for the mode rather than one per cell: a schema 1 result has no timeline at all.
    parts.push(
      '<p class="note">No run of this mode was recorded page by page (a result of schema 1, or a bench that did not record timelines): its timelines, cores in use and latency distribution are left out.</p>',
    );
  } else {
    parts.push(
      '<p class="dim">Each bar is a page, on the lane that ran it (a slot, a worker, or one slot of a worker), from the moment its fetch took the lane to the moment its record was made; the time it waited for a lane after it was handed to the strategy is in its tooltip and in the latency chart. The line above the lanes counts the pages recorded so far: its slope is the rate. Under it, the cores the crawler and the fixture site kept busy.</p>',
      ...cells.map((cell) => runFigure(cell, result.environment.cores)),
      '<h3>Page latency</h3>',
    );
    if (recorded.length === 0) {
      parts.push('<p class="note">No cell of this mode has a recorded page to draw latencies from.</p>');
    } else {
      const chart = latencyChart(recorded);
      parts.push(
        `<figure>${chart.svg}<figcaption>The share of pages of the recorded run done within a latency (handed to the strategy to record made): left is faster, steep is even, a tail to the right is pages that waited for a slot, a worker or the thread that parses.</figcaption>${chart.legend}</figure>`,
      );
    }
  }
  parts.push(
    details(`All measurements: ${modeTitle(mode)}`, cellsTable(cells)),
    details(`Runs: ${modeTitle(mode)}`, runsTable(cells)),
  );
  for (const { cell, timeline } of recorded) {
    parts.push(
      details(
        `Timeline data: ${cellLabel(cell)} (${timeline.pages.length} pages, ${timeline.cpu.length} CPU samples)`,
        timelineTables(cell, timeline),
      ),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/**
 * Renders a bench result as one self-contained HTML page: per mode the verdict and headline
 * table, pages/s with the spread of the runs, each cell's recorded run as a timeline with the
 * cores in use under it, the page-latency distribution, and the raw numbers folded; then the
 * setup and the failures. Deterministic: the same result gives the same bytes.
 */
export function renderHtml(result: BenchResult): string {
  const env = result.environment;
  const modes = modesOf(result);
  const nav = [
    ...modes.map((m) => `<a href="#${modeAnchor(m)}">${escapeHtml(modeTitle(m))}</a>`),
    '<a href="#setup">Setup</a>',
    ...(result.failures.length > 0 ? ['<a href="#failures">Failures</a>'] : []),
  ];
  const body = [
    '<header><h1>crawlbench report</h1>',
    `<p class="dim">${escapeHtml(`Started ${result.createdAt} · crawlbench ${env.crawlbenchVersion} · Node ${env.node} · ${env.cpuModel} × ${env.cores} cores`)}</p>`,
    `<nav>${nav.join('')}</nav></header>`,
  ];
  if (result.state === 'interrupted') {
    const stop = describeStop(result);
    const why = stop === null ? '' : ` by a failure: ${escapeHtml(stop)}`;
    body.push(
      `<p class="warning"><b>Interrupted:</b> the bench was stopped before it finished${why}. Only the cells below completed, and some may have fewer runs than asked for.</p>`,
    );
  }
  for (const mode of modes) body.push(modeSection(result, mode));
  body.push(setup(result));
  if (result.failures.length > 0) {
    body.push(
      `<section><h2 id="failures">Failures</h2>${details(`Failures (${result.failures.length})`, failuresTable(result))}</section>`,
    );
  }
  body.push(
    `<footer>${escapeHtml(`crawlbench bench result, schema version ${result.schemaVersion}. Self-contained: no script, no font, no request.`)}</footer>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`crawlbench report · ${result.createdAt}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The HTML report: charts of what each strategy did over time, in one file a browser opens. */
export const htmlReporter: BenchReporter = {
  name: 'html',
  render: (result) => renderHtml(result),
};
