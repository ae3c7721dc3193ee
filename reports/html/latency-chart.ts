import type { CellResult, CellTimeline } from '../../bench/result.js';
import { escapeHtml } from '../escape.js';
import { cellLabel, millis } from '../markdown-format.js';
import { strategyClass } from './strategy-style.js';
import { CHART_WIDTH, linear, n, niceTicksBetween, svg, tag, text, xAxis } from './svg.js';
import { pageLatencyMs, quantile } from './timeline-data.js';

const LEFT = 44;
const RIGHT = CHART_WIDTH - 12;
const TOP = 8;
const HEIGHT = 200;

// Cells of one strategy share its colour; a dash pattern tells them apart.
const DASHES = [undefined, '7 3', '2 2', '9 3 2 3'];

/** A cell with its recorded timeline, as the latency chart draws it. */
export interface RecordedCell {
  readonly cell: CellResult;
  readonly timeline: CellTimeline;
}

function dashOf(cells: readonly RecordedCell[], i: number): string | undefined {
  const strategy = cells[i]!.cell.strategy;
  const rank = cells.slice(0, i).filter((c) => c.cell.strategy === strategy).length;
  return DASHES[rank % DASHES.length];
}

/**
 * The distribution of page latency (handed to the strategy to record made) in each cell's
 * recorded run, as a cumulative distribution: at x ms, the share of pages done within x ms. A
 * curve to the left is faster pages; a steep one is even pages; a long tail to the right is the
 * pages that waited (for a slot, a worker, or the one thread that parses).
 */
export function latencyChart(cells: readonly RecordedCell[]): { svg: string; legend: string } {
  const sorted = cells.map((c) => c.timeline.pages.map(pageLatencyMs).sort((a, b) => a - b));
  const longest = Math.max(1, ...sorted.map((l) => l[l.length - 1] ?? 0));
  const shortest = Math.min(longest, ...sorted.map((l) => l[0] ?? 0));
  // From 0 unless every page took more than half the longest: then the axis starts near the
  // shortest, or the curves (all of IO mode's pages take the latency and a little) would be
  // squeezed into the right edge. A CDF compares shapes, not lengths from 0, unlike a bar.
  const ticks = niceTicksBetween(shortest > longest / 2 ? shortest : 0, longest, 8);
  const x = linear(ticks[0]!, ticks[ticks.length - 1]!, LEFT, RIGHT);
  const bottom = TOP + HEIGHT;
  const y = linear(0, 1, bottom, TOP);
  const parts = [xAxis(ticks, x, bottom, TOP, 'page latency [ms]')];
  for (const share of [0, 0.5, 0.9, 1]) {
    parts.push(
      tag('line', { class: 'grid', x1: LEFT, x2: RIGHT, y1: y(share), y2: y(share) }),
      text(LEFT - 6, y(share) + 4, `${share * 100}%`, { class: 'tick', 'text-anchor': 'end' }),
    );
  }
  const legend: string[] = [];
  sorted.forEach((latencies, i) => {
    const { cell } = cells[i]!;
    let d = `M${n(x(ticks[0]!))} ${n(y(0))}`;
    latencies.forEach((ms, k) => {
      d += `H${n(x(ms))}V${n(y((k + 1) / latencies.length))}`;
    });
    const dash = dashOf(cells, i);
    const cls = strategyClass(cell.strategy);
    parts.push(tag('path', { class: `cdf ${cls}`, d, 'stroke-dasharray': dash, 'data-cell': cell.id }));
    const swatch = `<svg class="swatch ${cls}" viewBox="0 0 24 8" width="24" height="8" aria-hidden="true"><path d="M0 4H24"${dash === undefined ? '' : ` stroke-dasharray="${dash}"`}/></svg>`;
    const q = (p: number): string => millis(quantile(latencies, p));
    legend.push(
      `<li>${swatch} <b>${escapeHtml(cellLabel(cell))}</b>: p50 ${q(0.5)} ms · p90 ${q(0.9)} · p99 ${q(0.99)} · max ${q(1)} (${latencies.length} pages)</li>`,
    );
  });
  return {
    svg: svg(
      bottom + 30,
      'chart latency',
      'cumulative distribution of page latency per cell',
      parts.join(''),
    ),
    legend: `<ul class="legend">${legend.join('')}</ul>`,
  };
}
