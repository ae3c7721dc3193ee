import type { BenchResult, CellResult, CellTimeline } from '../../bench/result.js';
import { escapeHtml } from '../escape.js';
import {
  NONE,
  NO_SPREAD,
  cores,
  hasSpread,
  baselineOf,
  concurrencyText,
  versusHeader,
  measuredSamples,
  medianErrorText,
  mebibytes,
  median,
  millis,
  percent,
  rate,
  ratio,
  seconds,
  strategyLabel,
} from '../markdown-format.js';
import { laneName } from './strategy-style.js';
import { clip as clipText } from '../clip.js';

// The numbers behind every chart, in folded tables: nothing in the report is only a picture.
// Every cell of every table is escaped here, numbers included (a file may hold a string there).

/** A table; the columns listed in `numeric` are right-aligned. */
function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[],
): string {
  const align = (i: number): string => (numeric.includes(i) ? ' class="num"' : '');
  const head = headers.map((h, i) => `<th${align(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map(
    (r) => `<tr>${r.map((c, i) => `<td${align(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** A folded section. */
export function details(summary: string, body: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>${body}</details>`;
}

/** The wide table of a mode: every statistic of every cell, as in the Markdown report. */
export function cellsTable(cells: readonly CellResult[]): string {
  const serial = baselineOf(cells);
  const rows = cells.map((cell) => {
    const runs = measuredSamples(cell);
    const rss = median(runs.map((s) => Math.max(s.peakRssBytes, s.childPeakRssBytes ?? 0)));
    const vs =
      cell === serial
        ? '1.00x'
        : cell.vsSerial === null
          ? NONE
          : ratio(cell.vsSerial, hasSpread(cell, serial));
    return [
      strategyLabel(cell),
      concurrencyText(cell),
      `${runs.length} (${medianErrorText(cell)})`,
      seconds(cell.wallMs.median),
      `${seconds(cell.wallMs.mean)} ± ${hasSpread(cell) ? seconds(cell.wallMs.stddev) : NO_SPREAD}`,
      rate(cell.pagesPerSecond.median),
      vs,
      cell.efficiency === null ? NONE : percent(cell.efficiency),
      seconds(cell.cpuMs.median),
      `${cores(cell.bound.crawlerCores)} / ${cores(cell.bound.siteCores)}`,
      mebibytes(rss),
      `${millis(median(runs.map((s) => s.latency.p50Ms)))} / ${millis(median(runs.map((s) => s.latency.p99Ms)))}`,
      String(runs.reduce((sum, s) => sum + s.errors, 0)),
    ];
  });
  const headers = [
    'Strategy',
    'Concurrency',
    'Runs (median ±)',
    'Wall median [s]',
    'Mean ± σ [s]',
    'Pages/s',
    versusHeader(cells),
    'Efficiency',
    'CPU [s]',
    'Cores crawler / site',
    'Peak RSS [MiB]',
    'p50 / p99 [ms]',
    'Errors',
  ];
  return table(headers, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
}

/** Every run of the cells, warm-ups included. */
export function runsTable(cells: readonly CellResult[]): string {
  const rows = cells.flatMap((cell) =>
    cell.samples.map((s) => [
      cell.id,
      s.warmup ? `${s.index} (warm-up)` : String(s.index),
      seconds(s.wallMs),
      rate(s.pagesPerSecond),
      String(s.records),
      String(s.errors),
      seconds(s.cpuUserMs + s.cpuSystemMs),
      seconds(s.siteCpuMs),
      mebibytes(Math.max(s.peakRssBytes, s.childPeakRssBytes ?? 0)),
      `${millis(s.latency.p50Ms)} / ${millis(s.latency.p90Ms)} / ${millis(s.latency.p99Ms)}`,
    ]),
  );
  const headers = [
    'Cell',
    'Run',
    'Wall [s]',
    'Pages/s',
    'Records',
    'Errors',
    'CPU [s]',
    'Site CPU [s]',
    'Peak RSS [MiB]',
    'p50 / p90 / p99 [ms]',
  ];
  return table(headers, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/** A recorded run page by page, then its CPU samples: what the timeline and cores charts draw. */
export function timelineTables(cell: CellResult, t: CellTimeline): string {
  const pages = t.pages.map((p, i) => [
    String(i + 1),
    laneName(cell.strategy, p.lane, t.lanes),
    millis(p.startMs),
    p.ttfbMs === null ? NONE : millis(p.ttfbMs),
    millis(p.fetchEndMs),
    millis(p.endMs),
    millis(p.endMs - p.startMs),
    p.failed ? 'failed' : '',
  ]);
  const cpu = t.cpu.map((s) => [millis(s.atMs), cores(s.crawlerCores), cores(s.siteCores)]);
  return (
    table(
      ['Page', 'Lane', 'Start [ms]', 'First byte [ms]', 'Fetch end [ms]', 'Record [ms]', 'Latency [ms]', ''],
      pages,
      [0, 2, 3, 4, 5, 6],
    ) +
    table(
      [`Sample end [ms] (every ${millis(t.cpuIntervalMs)} ms)`, 'Crawler cores', 'Site cores'],
      cpu,
      [0, 1, 2],
    )
  );
}

// A URL or message can be megabytes long (a hostile page, a stack trace); a cell shows the start.
const MAX_CELL_CHARS = 500;
const clip = (value: unknown): string => clipText(String(value), MAX_CELL_CHARS);

/** The per-URL failures of the bench (capped when it ran). */
export function failuresTable(result: BenchResult): string {
  const rows = result.failures.map((f) => [clip(f.cellId), clip(f.url), clip(f.code), clip(f.message)]);
  return table(['Cell', 'URL', 'Code', 'Message'], rows, []);
}
