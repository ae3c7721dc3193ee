import type { CellResult, CellTimeline, CpuSample, TimelinePage } from '../../bench/result.js';

// `report` validates only what `compare` needs, so a timeline read from a file is checked here
// before it is drawn: a chart of a malformed one would be wrong without saying so.

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isPage(p: unknown): p is TimelinePage {
  if (typeof p !== 'object' || p === null) return false;
  const page = p as Record<string, unknown>;
  return (
    finite(page.lane) &&
    finite(page.startMs) &&
    (page.fetchStartMs === undefined || finite(page.fetchStartMs)) &&
    (page.ttfbMs === null || finite(page.ttfbMs)) &&
    finite(page.fetchEndMs) &&
    finite(page.endMs)
  );
}

function isSample(s: unknown): s is CpuSample {
  if (typeof s !== 'object' || s === null) return false;
  const sample = s as Record<string, unknown>;
  return finite(sample.atMs) && finite(sample.crawlerCores) && finite(sample.siteCores);
}

/** A cell's timeline, or why there is none to draw. */
export type TimelineRead =
  { readonly state: 'ok'; readonly timeline: CellTimeline } | { readonly state: 'absent' | 'malformed' };

/** Reads a cell's timeline, checking the fields the charts use. */
export function readTimeline(cell: CellResult): TimelineRead {
  const t: unknown = cell.timeline;
  if (t === undefined || t === null) return { state: 'absent' };
  if (typeof t !== 'object') return { state: 'malformed' };
  const timeline = t as Record<string, unknown>;
  const ok =
    finite(timeline.run) &&
    finite(timeline.wallMs) &&
    timeline.wallMs >= 0 &&
    finite(timeline.lanes) &&
    Number.isInteger(timeline.lanes) &&
    timeline.lanes >= 1 &&
    Array.isArray(timeline.pages) &&
    timeline.pages.every(isPage) &&
    finite(timeline.truncated) &&
    finite(timeline.cpuIntervalMs) &&
    Array.isArray(timeline.cpu) &&
    timeline.cpu.every(isSample);
  return ok ? { state: 'ok', timeline: t as CellTimeline } : { state: 'malformed' };
}

/** A page's latency as the timeline saw it: handed to the strategy to record made. */
export const pageLatencyMs = (p: TimelinePage): number => p.endMs - p.startMs;

/** The end of a timeline's time axis: its wall time, or its last page or sample if later. */
export function timelineEndMs(t: CellTimeline): number {
  let end = t.wallMs;
  for (const p of t.pages) end = Math.max(end, p.endMs);
  for (const s of t.cpu) end = Math.max(end, s.atMs);
  return end > 0 ? end : 1;
}

/** The q-quantile (0..1) of sorted values, nearest rank; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
