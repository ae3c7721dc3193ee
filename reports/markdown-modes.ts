import type { CellFlag, CellResult, BenchMode } from '../bench/result.js';
import { escapeHtml, escapeMarkdownCell, escapeMarkdownText } from './escape.js';
import {
  NONE,
  NO_SPREAD,
  boundText,
  cellLabel,
  hasSpread,
  cores,
  baselineOf,
  versusHeader,
  measuredSamples,
  median,
  mebibytes,
  millis,
  percent,
  rate,
  ratio,
  seconds,
  strategyLabel,
  MODE_TITLES,
  concurrencyText,
  medianErrorText,
} from './markdown-format.js';

// The headline table: five narrow columns that fit a job summary or a PR comment (~780 px) with
// room to spare; everything else is in the wide table, folded under it.
const headlineHeader = (versus: string): string =>
  [`| Strategy ×N | Pages/s | ${versus} | Efficiency | Bound |`, '| :-- | --: | --: | --: | :-- |'].join(
    '\n',
  );

const tableHeader = (versus: string): string =>
  [
    `| Strategy | Concurrency | Runs (median ±) | Wall median [s] | Mean ± σ [s] | Pages/s | ${versus} | Efficiency | CPU [s] | Peak RSS [MiB] | p50 / p99 [ms] | Errors |`,
    '| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ].join('\n');

// Footnote marks as Unicode superscripts: they read in a terminal and in the raw Markdown, and unlike
// `[^1]` footnotes they stay next to their table instead of moving to the end of the summary.
const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const mark = (n: number): string => [...String(n)].map((d) => SUPERSCRIPT[Number(d)]).join('');

/** One sentence per reason the cell deserves a second look, most important first. */
function cellNotes(cell: CellResult): string[] {
  const notes: string[] = [];
  const flags = new Set<CellFlag>(cell.flags);
  const { bound } = cell;
  // Usable cores are a count of threads of execution: `2`, not `2.00`.
  const usable = Number.isInteger(bound.usableCores) ? String(bound.usableCores) : cores(bound.usableCores);
  const coresUsed = `used ${cores(bound.crawlerCores)} of ${usable} usable core${usable === '1' ? '' : 's'}`;
  // A crawl labelled IO-bound that is really CPU-bound invalidates the lesson the IO table teaches,
  // so it is said in words, in bold, not only as a flag name. A plain CPU bound needs no note: the
  // Bound column says it.
  if (flags.has('cpu-bound-in-io-mode')) {
    notes.push(
      `**CPU-bound in IO mode:** this crawl was labelled IO-bound, but the crawler ${coresUsed}, so it measured CPU, not waiting on the network`,
    );
  }
  if (flags.has('site-saturated') || bound.by === 'site') {
    notes.push(
      `site saturated (${cores(bound.siteCores)} cores): the fixture site, not the crawler, set the pace`,
    );
  }
  if (flags.has('noisy')) {
    const cv = cell.wallMs.mean > 0 ? cell.wallMs.stddev / cell.wallMs.mean : Number.NaN;
    notes.push(`noisy: wall time varied by ${percent(cv)} between runs (coefficient of variation above 10%)`);
  }
  if (flags.has('slow-first-run')) {
    notes.push('the first measured run was much slower than the rest: consider more warm-up runs');
  }
  if (flags.has('host-steal')) {
    notes.push(
      `host steal: the hypervisor took up to ${percent(cell.hostStealShare ?? 0)} of the machine's CPU during a run (steal time): the host, not the crawler, slowed it`,
    );
  }
  if (flags.has('errors')) {
    const errors = measuredSamples(cell).reduce((sum, s) => sum + s.errors, 0);
    notes.push(`${errors} failed page${errors === 1 ? '' : 's'} over the measured runs (see Failures below)`);
  }
  return notes;
}

function vsSerial(cell: CellResult, serial: CellResult | undefined): string {
  if (cell === serial) return '1.00x';
  return cell.vsSerial === null ? NONE : ratio(cell.vsSerial, hasSpread(cell, serial));
}

function headlineRow(cell: CellResult, serial: CellResult | undefined, noteMark: string): string {
  const cells = [
    escapeMarkdownCell(cellLabel(cell)) + noteMark,
    rate(cell.pagesPerSecond.median),
    vsSerial(cell, serial),
    cell.efficiency === null ? NONE : percent(cell.efficiency),
    escapeMarkdownCell(boundText(cell)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function tableRow(cell: CellResult, serial: CellResult | undefined): string {
  const samples = measuredSamples(cell);
  const rss = median(samples.map((s) => Math.max(s.peakRssBytes, s.childPeakRssBytes ?? 0)));
  const p50 = median(samples.map((s) => s.latency.p50Ms));
  const p99 = median(samples.map((s) => s.latency.p99Ms));
  const errors = samples.reduce((sum, s) => sum + s.errors, 0);
  const cells = [
    escapeMarkdownCell(strategyLabel(cell)),
    escapeMarkdownCell(concurrencyText(cell)),
    `${samples.length} (${medianErrorText(cell)})`,
    seconds(cell.wallMs.median),
    `${seconds(cell.wallMs.mean)} ± ${hasSpread(cell) ? seconds(cell.wallMs.stddev) : NO_SPREAD}`,
    rate(cell.pagesPerSecond.median),
    vsSerial(cell, serial),
    cell.efficiency === null ? NONE : percent(cell.efficiency),
    seconds(cell.cpuMs.median),
    mebibytes(rss),
    `${millis(p50)} / ${millis(p99)}`,
    String(errors),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Strips what would end a quoted Mermaid string or start a directive, keeping labels readable. */
function mermaidLabel(text: string): string {
  return text
    .replace(/×/g, 'x')
    .replace(/[^A-Za-z0-9 ()._/+-]/g, '')
    .trim();
}

/**
 * A Mermaid `xychart-beta` bar chart of median pages/s per cell, horizontal so that the cell names
 * fit a narrow column, each labelled with its value (Mermaid draws no value on a bar unless told,
 * and GitHub's may not know how). Elsewhere it degrades to a code block, which is why the numbers
 * are in the tables too.
 */
export function renderChart(mode: BenchMode, cells: readonly CellResult[]): string {
  const values = cells.map((c) => (Number.isFinite(c.pagesPerSecond.median) ? c.pagesPerSecond.median : 0));
  const labels = cells.map((c, i) => {
    const name = mermaidLabel(cellLabel(c).replace(' (fetch only)', ' fetch-only'));
    return `"${name} (${values[i]!.toFixed(1)})"`;
  });
  // Bars start at 0: an axis starting at the smallest bar would exaggerate the differences.
  const top = Math.max(1, Math.ceil(Math.max(0, ...values) * 1.1));
  return [
    '```mermaid',
    'xychart-beta horizontal',
    `    title "${MODE_TITLES[mode]}: pages/s (median)"`,
    `    x-axis [${labels.join(', ')}]`,
    `    y-axis "pages/s" 0 --> ${top}`,
    `    bar [${values.map((v) => v.toFixed(1)).join(', ')}]`,
    '```',
  ].join('\n');
}

/**
 * The section of one mode: heading, its verdict, the headline table with notes under it, the
 * chart, and the wide table folded in `<details>`.
 */
export function renderMode(
  mode: BenchMode,
  cells: readonly CellResult[],
  verdictText: string | null,
): string {
  const heading = `### ${MODE_TITLES[mode]}`;
  if (cells.length === 0) return `${heading}\n\n_No cell of this mode completed._`;
  const serial = baselineOf(cells);
  const headline: string[] = [];
  const legend: string[] = [];
  for (const cell of cells) {
    const notes = cellNotes(cell);
    let noteMark = '';
    if (notes.length > 0) {
      noteMark = ` ${mark(legend.length + 1)}`;
      const what = escapeMarkdownText(cellLabel(cell));
      legend.push(`- ${mark(legend.length + 1)} ${what}: ${notes.join('; ')}.`);
    }
    headline.push(headlineRow(cell, serial, noteMark));
  }
  const parts = [heading];
  if (verdictText !== null) parts.push(`**Verdict:** ${escapeMarkdownText(verdictText)}`);
  parts.push(`${headlineHeader(versusHeader(cells))}\n${headline.join('\n')}`);
  if (legend.length > 0) parts.push(legend.join('\n'));
  parts.push(renderChart(mode, cells));
  const wide = cells.map((c) => tableRow(c, serial)).join('\n');
  // A blank line after <summary> and before </details>: GFM renders the table inside only then.
  parts.push(
    `<details><summary>All measurements: ${escapeHtml(MODE_TITLES[mode])}</summary>\n\n${tableHeader(versusHeader(cells))}\n${wide}\n\n</details>`,
  );
  return parts.join('\n\n');
}
