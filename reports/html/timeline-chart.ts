import type { CellTimeline, TimelinePage } from '../../bench/result.js';
import type { CrawlStrategyName } from '../../crawler/types.js';
import { millis } from '../markdown-format.js';
import { laneName, laneNoun } from './strategy-style.js';
import { CHART_WIDTH, linear, n, niceTicks, svg, tag, text, title, xAxis } from './svg.js';
import { timelineEndMs } from './timeline-data.js';

/** Left gutter of the run charts (lane and core labels); the cores chart shares it to align. */
export const RUN_LEFT = 84;
export const RUN_RIGHT = CHART_WIDTH - 12;

const STAIRS_HEIGHT = 44;
const LANES_MAX_HEIGHT = 132;
const LANE_MAX = 22;

/**
 * The time axis of a run: from 0 to its end exactly (a timeline that stops short of the axis'
 * end would look like an idle tail), with round ticks inside it.
 */
export function timeAxis(endMs: number): { ticks: number[]; x: (ms: number) => number } {
  const ticks = niceTicks(endMs, 8).filter((t) => t <= endMs);
  return { ticks, x: linear(0, endMs, RUN_LEFT, RUN_RIGHT) };
}

/** A label of the left gutter, at its left edge: the tick values are right-aligned beside it. */
export function gutterLabel(y: number, content: string): string {
  return text(4, y, content, { class: 'label' });
}

function pageTitle(p: TimelinePage, i: number, strategy: CrawlStrategyName, lanes: number): string {
  const fetchStart = p.fetchStartMs ?? p.startMs;
  const parts = [
    `page ${i + 1} on ${laneName(strategy, p.lane, lanes)}`,
    `${millis(p.startMs)}–${millis(p.endMs)} ms`,
    ...(fetchStart > p.startMs ? [`waited ${millis(fetchStart - p.startMs)} ms for its lane`] : []),
    p.ttfbMs === null ? 'no first byte' : `first byte at ${millis(p.ttfbMs)}`,
    `fetch ${millis(p.fetchEndMs - fetchStart)} ms`,
    `parse ${millis(p.endMs - p.fetchEndMs)} ms`,
  ];
  return `${parts.join(', ')}${p.failed ? ', failed' : ''}`;
}

/** The "pages recorded" staircase: one step up per record, at the moment it was made. */
function stairs(pages: readonly TimelinePage[], x: (ms: number) => number, top: number): string {
  const ends = pages.map((p) => p.endMs).sort((a, b) => a - b);
  const y = linear(0, Math.max(1, ends.length), top + STAIRS_HEIGHT, top);
  let d = `M${n(x(0))} ${n(y(0))}`;
  ends.forEach((end, i) => {
    d += `H${n(x(end))}V${n(y(i + 1))}`;
  });
  return (
    tag('path', { class: 'stairs', d }) +
    text(RUN_LEFT - 6, top + 10, `${ends.length}`, { class: 'tick', 'text-anchor': 'end' }) +
    text(RUN_LEFT - 6, top + STAIRS_HEIGHT, '0', { class: 'tick', 'text-anchor': 'end' }) +
    gutterLabel(top + STAIRS_HEIGHT / 2 + 4, 'recorded')
  );
}

/**
 * The timeline of one run: every page a bar on the lane that ran it (slot, worker or thread),
 * from the moment its fetch took the lane (when the result has it; else from the moment it was
 * handed to the strategy) to the moment its record was made, its fetch light and its parse dark
 * (a parse that waited for its thread is dark from the fetch's end).
 * Above the lanes, the pages recorded so far: serial climbs a staircase, async in waves of its
 * limit, a pool steadily.
 */
export function timelineChart(t: CellTimeline, strategy: CrawlStrategyName): string {
  const { ticks, x } = timeAxis(timelineEndMs(t));
  const lanes = t.lanes;
  const lane = Math.max(0.5, Math.min(LANE_MAX, LANES_MAX_HEIGHT / lanes));
  const bar = lane > 5 ? lane - 2 : lane;
  const stairsTop = 6;
  const lanesTop = stairsTop + STAIRS_HEIGHT + 10;
  const bottom = lanesTop + lanes * lane;
  const parts = [xAxis(ticks, x, bottom, stairsTop, 'ms since the run started')];
  parts.push(stairs(t.pages, x, stairsTop));
  // Lane labels: each when they fit, else the first and the last.
  const labelled = lane >= 11 ? [...Array(lanes).keys()] : [0, lanes - 1];
  for (const l of new Set(labelled)) {
    const y = lanesTop + l * lane + Math.min(lane, 11) / 2 + 4;
    parts.push(text(RUN_LEFT - 6, y, laneName(strategy, l, lanes), { class: 'label', 'text-anchor': 'end' }));
  }
  if (lane < 11 && lanes > 2) {
    const mid = lanesTop + (lanes * lane) / 2 + 4;
    parts.push(
      text(RUN_LEFT - 6, mid, `${lanes} ${laneNoun(strategy, true)}`, {
        class: 'tick',
        'text-anchor': 'end',
      }),
    );
  }
  t.pages.forEach((p, i) => {
    // A lane out of range (a malformed file) is drawn on the last one rather than off the chart.
    const y = lanesTop + Math.min(Math.max(0, Math.trunc(p.lane)), lanes - 1) * lane;
    // On its lane from the moment its fetch took it: a page waiting for a slot holds none.
    const x0 = x(p.fetchStartMs ?? p.startMs);
    // A failed page may end at once: at least 4 px wide so it can be seen.
    const x1 = Math.max(x(p.fetchEndMs), x0 + (p.failed ? 4 : 0.6));
    const x2 = x(p.endMs);
    const marks = [tag('rect', { class: 'f', x: x0, y, width: x1 - x0, height: bar })];
    if (x2 > x1) marks.push(tag('rect', { class: 'p', x: x1, y, width: x2 - x1, height: bar }));
    parts.push(
      tag('g', { class: p.failed ? 'pg x' : 'pg' }, title(pageTitle(p, i, strategy, lanes)) + marks.join('')),
    );
  });
  return svg(
    bottom + 30,
    'chart timeline',
    `timeline of ${t.pages.length} pages on ${lanes} lanes`,
    parts.join(''),
  );
}
