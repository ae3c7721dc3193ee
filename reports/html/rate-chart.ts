import type { CellResult } from '../../bench/result.js';
import { cellLabel, measuredSamples, rate } from '../markdown-format.js';
import { strategyClass } from './strategy-style.js';
import { CHART_WIDTH, linear, niceTicks, svg, tag, text, title, xAxis } from './svg.js';

const ROW = 30;
const TOP = 8;
const LEFT = 168;
const RIGHT = CHART_WIDTH - 64;

// Measured runs of a cell spread a little up and down around its row, so equal values stay
// visible as separate dots (deterministic: by run order, not random jitter).
const JITTER = [0, -5, 5, -2.5, 2.5];

function row(cell: CellResult, y: number, x: (v: number) => number): string {
  const runs = measuredSamples(cell);
  const label = cellLabel(cell);
  const parts = [text(LEFT - 8, y + 4, label, { class: 'label', 'text-anchor': 'end' })];
  if (runs.length === 0) {
    parts.push(text(LEFT + 4, y + 4, 'no measured run', { class: 'note-text' }));
    return tag('g', { class: `cell ${strategyClass(cell.strategy)}`, 'data-cell': cell.id }, parts.join(''));
  }
  const { min, max, median } = cell.pagesPerSecond;
  parts.push(
    tag('line', { class: 'whisker', x1: x(min), x2: x(max), y1: y, y2: y }),
    tag('line', { class: 'whisker', x1: x(min), x2: x(min), y1: y - 5, y2: y + 5 }),
    tag('line', { class: 'whisker', x1: x(max), x2: x(max), y1: y - 5, y2: y + 5 }),
  );
  runs.forEach((s, i) => {
    parts.push(
      tag(
        'circle',
        { class: 'run', cx: x(s.pagesPerSecond), cy: y + JITTER[i % JITTER.length]!, r: 3.5 },
        title(`${label}, run ${s.index}: ${rate(s.pagesPerSecond)} pages/s`),
      ),
    );
  });
  parts.push(
    tag(
      'rect',
      { class: 'median', x: x(median) - 1.5, y: y - 9, width: 3, height: 18 },
      title(`${label}: median ${rate(median)} pages/s (min ${rate(min)}, max ${rate(max)})`),
    ),
    text(CHART_WIDTH - 4, y + 4, rate(median), { class: 'value', 'text-anchor': 'end' }),
  );
  return tag('g', { class: `cell ${strategyClass(cell.strategy)}`, 'data-cell': cell.id }, parts.join(''));
}

/**
 * Pages/s per cell: a row each, the min–max of its measured runs as a whisker, the median as a
 * bar (its value at the right), each run as a dot. The axis starts at 0 so that lengths compare.
 */
export function rateChart(cells: readonly CellResult[]): string {
  const top = Math.max(
    1,
    ...cells.map((c) => (Number.isFinite(c.pagesPerSecond.max) ? c.pagesPerSecond.max : 0)),
  );
  const ticks = niceTicks(top, 6);
  const x = linear(0, ticks[ticks.length - 1]!, LEFT, RIGHT);
  const bottom = TOP + cells.length * ROW;
  const body =
    xAxis(ticks, x, bottom, TOP, 'pages/s') +
    cells.map((c, i) => row(c, TOP + i * ROW + ROW / 2, x)).join('');
  return svg(bottom + 28, 'chart rate', 'pages per second of each cell, with the spread of its runs', body);
}
