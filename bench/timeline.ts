import type { CellRuns, MeasuredTimeline } from './measure.js';
import type { CellTimeline, CpuSample, TimelinePage } from './result.js';
import { CPU_SAMPLE_MS } from './measure.js';

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The measured run whose wall time is closest to the median of the cell's measured runs. */
function representative(cell: CellRuns): { index: number; timeline: MeasuredTimeline } | null {
  const measured = cell.samples
    .map((sample, i) => ({ sample, timeline: cell.timelines[i] ?? null }))
    .filter((run) => !run.sample.warmup && run.timeline !== null);
  if (measured.length === 0) return null;
  const walls = measured.map((run) => run.sample.wallMs).sort((a, b) => a - b);
  const middle = walls.length / 2;
  const median =
    walls.length % 2 === 1 ? walls[Math.floor(middle)]! : (walls[middle - 1]! + walls[middle]!) / 2;
  let best = measured[0]!;
  for (const run of measured) {
    if (Math.abs(run.sample.wallMs - median) < Math.abs(best.sample.wallMs - median)) best = run;
  }
  return { index: best.sample.index, timeline: best.timeline! };
}

/** Cores in use over each sampling interval, from cumulative CPU readings. */
function coresOf(run: MeasuredTimeline): CpuSample[] {
  const samples: CpuSample[] = [];
  for (let i = 1; i < run.cpu.length; i++) {
    const previous = run.cpu[i - 1]!;
    const current = run.cpu[i]!;
    const elapsed = current.at - previous.at;
    if (elapsed <= 0) continue;
    samples.push({
      atMs: round(current.at - run.run.startedAt),
      crawlerCores: round((current.crawlerMs - previous.crawlerMs) / elapsed),
      siteCores: round((current.siteMs - previous.siteMs) / elapsed),
    });
  }
  return samples;
}

/**
 * The timeline of a cell for the report: its measured run closest to the median, pages in the
 * order they were handed out, times from the start of that run; null when none was kept.
 */
export function cellTimelineOf(cell: CellRuns): CellTimeline | null {
  const chosen = representative(cell);
  if (chosen === null) return null;
  const { run } = chosen.timeline;
  const start = run.startedAt;
  const pages: TimelinePage[] = [...run.pages]
    .sort((a, b) => a.handedAt - b.handedAt)
    .map((entry) => ({
      lane: entry.lane,
      startMs: round(entry.handedAt - start),
      fetchStartMs: round(entry.startedAt - start),
      ttfbMs: entry.firstByteAt === null ? null : round(entry.firstByteAt - start),
      fetchEndMs: round(entry.fetchedAt - start),
      endMs: round(entry.finishedAt - start),
      failed: entry.failed,
    }));
  return {
    run: chosen.index,
    wallMs: round(run.endedAt - start),
    lanes: pages.reduce((lanes, page) => Math.max(lanes, page.lane + 1), 0),
    pages,
    truncated: run.truncated,
    cpuIntervalMs: CPU_SAMPLE_MS,
    cpu: coresOf(chosen.timeline),
  };
}
