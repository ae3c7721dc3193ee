import type { CellTimeline, CpuSample } from '../../bench/result.js';
import { cores } from '../markdown-format.js';
import { RUN_LEFT, RUN_RIGHT, gutterLabel, timeAxis } from './timeline-chart.js';
import { linear, n, niceTicks, svg, tag, text, xAxis } from './svg.js';
import { timelineEndMs } from './timeline-data.js';

const HEIGHT = 84;

const coreCount = (c: number): string => (Number.isInteger(c) ? String(c) : cores(c));

/** A step path over the samples: each holds its value from the previous sample's end to its own. */
function steps(
  samples: readonly CpuSample[],
  value: (s: CpuSample) => number,
  x: (ms: number) => number,
  y: (cores: number) => number,
  closed: boolean,
): string {
  let d = `M${n(x(0))} ${n(y(closed ? 0 : value(samples[0]!)))}`;
  for (const s of samples) d += `V${n(y(value(s)))}H${n(x(s.atMs))}`;
  return closed ? `${d}V${n(y(0))}Z` : d;
}

/**
 * Cores in use over the run, sampled every `cpuIntervalMs`: the crawler's (its process, threads
 * and child processes) as a filled area, the fixture site's as a dashed line, and the machine's
 * cores as the ceiling. On the same time axis as the run's timeline above it.
 */
export function coresChart(t: CellTimeline, machineCores: number): string {
  const { ticks: timeTicks, x } = timeAxis(timelineEndMs(t));
  const peak = Math.max(0, ...t.cpu.map((s) => Math.max(s.crawlerCores, s.siteCores)));
  const machine = Number.isFinite(machineCores) && machineCores > 0 ? machineCores : 1;
  const ticks = niceTicks(Math.max(machine, peak), 4);
  // Room above the plot for the label of the machine's cores, clear of a crawler that uses them all.
  const top = 16;
  const bottom = top + HEIGHT;
  const y = linear(0, ticks[ticks.length - 1]!, bottom, top);
  const parts = [xAxis(timeTicks, x, bottom, top, 'ms since the run started')];
  for (const c of ticks.slice(1)) {
    parts.push(
      tag('line', { class: 'grid', x1: RUN_LEFT, x2: RUN_RIGHT, y1: y(c), y2: y(c) }),
      text(RUN_LEFT - 6, y(c) + 4, String(c), { class: 'tick', 'text-anchor': 'end' }),
    );
  }
  parts.push(
    gutterLabel((top + bottom) / 2 + 4, 'cores'),
    tag('line', { class: 'ceiling', x1: RUN_LEFT, x2: RUN_RIGHT, y1: y(machine), y2: y(machine) }),
    text(RUN_RIGHT - 2, y(machine) - 4, `the machine's ${coreCount(machine)} cores`, {
      class: 'tick',
      'text-anchor': 'end',
    }),
  );
  if (t.cpu.length > 0) {
    parts.push(
      tag('path', { class: 'crawler', d: steps(t.cpu, (s) => s.crawlerCores, x, y, true) }),
      tag('path', { class: 'site', d: steps(t.cpu, (s) => s.siteCores, x, y, false) }),
    );
  }
  return svg(
    bottom + 30,
    'chart cores',
    `cores in use over the run, ${t.cpu.length} samples`,
    parts.join(''),
  );
}
