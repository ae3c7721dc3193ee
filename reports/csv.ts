import { stringify } from 'csv-stringify/sync';
import type { BenchResult, CellResult, RunSample } from '../bench/result.js';
import { csvText } from '../crawler/output/csv-cell.js';
import type { BenchReporter } from './reporter.js';

/** The columns of the bench CSV, in order: one row per run sample, warm-ups included. */
export const BENCH_CSV_COLUMNS = [
  'mode',
  'strategy',
  'concurrency',
  'parse',
  'cell_id',
  'run',
  'warmup',
  'wall_ms',
  'pages_per_second',
  'records',
  'errors',
  'cpu_user_ms',
  'cpu_system_ms',
  'peak_rss_bytes',
  'child_peak_rss_bytes',
  'site_cpu_ms',
  'p50_ms',
  'p90_ms',
  'p99_ms',
  // Where the run sat in the bench (empty in results written before they were recorded).
  'sequence',
  'start_ms',
  'end_ms',
  'host_steal_ms',
] as const;

const optional = (value: number | null | undefined): string => (value == null ? '' : String(value));

// Numbers keep full precision: the CSV is for analysis in a spreadsheet or pandas, not for reading.
// The text cells go through the records' CSV rule (a stored result given to `report` may hold any
// text in them): no control characters, and a formula gets a leading `'`.
function sampleRow(cell: CellResult, s: RunSample): string[] {
  return [
    csvText(cell.mode),
    csvText(cell.strategy),
    String(cell.concurrency),
    String(cell.parse),
    csvText(cell.id),
    String(s.index),
    String(s.warmup),
    String(s.wallMs),
    String(s.pagesPerSecond),
    String(s.records),
    String(s.errors),
    String(s.cpuUserMs),
    String(s.cpuSystemMs),
    String(s.peakRssBytes),
    s.childPeakRssBytes === null ? '' : String(s.childPeakRssBytes),
    String(s.siteCpuMs),
    String(s.latency.p50Ms),
    String(s.latency.p90Ms),
    String(s.latency.p99Ms),
    optional(s.sequence),
    optional(s.startMs),
    optional(s.endMs),
    optional(s.hostStealMs),
  ];
}

/** Every run sample of every cell as CSV, header first, quoted by csv-stringify where needed. */
export const csvReporter: BenchReporter = {
  name: 'csv',
  render(result: BenchResult): string {
    const rows: string[][] = [[...BENCH_CSV_COLUMNS]];
    for (const cell of result.cells) for (const s of cell.samples) rows.push(sampleRow(cell, s));
    return stringify(rows);
  },
};
