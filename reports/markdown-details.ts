import type { BenchResult } from '../bench/result.js';
import { escapeHtml, escapeMarkdownCell } from './escape.js';
import { rate, seconds } from './markdown-format.js';
import { clip as clipText } from './clip.js';

/** A collapsed section rendered within a byte budget, and what it cost. */
export interface Details {
  readonly text: string;
  readonly bytes: number;
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

// Room kept for the "… N more not shown" note, so adding it never breaks the budget.
const NOTE_RESERVE = 200;

// A URL or message can be megabytes long (a hostile page, a stack trace); a table cell shows the
// start.
const MAX_CELL_CHARS = 300;
const clip = (text: string): string => clipText(text, MAX_CELL_CHARS);

/**
 * A `<details>` block holding a table, with as many rows as fit in `budget` bytes; the rest are
 * counted in a note. Rows are produced lazily so 50,000 failures cost only the rows shown.
 */
function detailsTable(
  summary: string,
  header: string,
  total: number,
  rows: Iterable<string>,
  budget: number,
): Details {
  const open = `<details><summary>${escapeHtml(summary)}</summary>\n\n${header}\n`;
  const close = '\n</details>';
  let text = open;
  let used = byteLength(open) + byteLength(close) + NOTE_RESERVE;
  let shown = 0;
  if (used <= budget) {
    for (const row of rows) {
      const cost = byteLength(row) + 1;
      if (used + cost > budget) break;
      text += `${row}\n`;
      used += cost;
      shown++;
    }
  } else {
    text = `<details><summary>${escapeHtml(summary)}</summary>\n`;
  }
  // GFM would read a line right under a table as one more row: the note needs a blank line first.
  if (shown < total) text += `\n… ${total - shown} more not shown, to keep the report under 1 MiB.\n`;
  text += close;
  return { text, bytes: byteLength(text) };
}

function* runRows(result: BenchResult): Generator<string> {
  for (const cell of result.cells) {
    for (const s of cell.samples) {
      const run = s.warmup ? `${s.index} (warm-up)` : String(s.index);
      const cpu = seconds(s.cpuUserMs + s.cpuSystemMs);
      yield `| ${escapeMarkdownCell(cell.id)} | ${run} | ${seconds(s.wallMs)} | ${rate(s.pagesPerSecond)} | ${cpu} |`;
    }
  }
}

function* failureRows(result: BenchResult): Generator<string> {
  for (const f of result.failures) {
    const cells = [f.cellId, clip(f.url), f.code, clip(f.message)].map(escapeMarkdownCell);
    yield `| ${cells.join(' | ')} |`;
  }
}

/** Every run of every cell, warm-ups included, within `budget` bytes. */
export function renderRuns(result: BenchResult, budget: number): Details {
  const header = '| Cell | Run | Wall [s] | Pages/s | CPU [s] |\n| :-- | --: | --: | --: | --: |';
  const total = result.cells.reduce((n, c) => n + c.samples.length, 0);
  return detailsTable('Runs', header, total, runRows(result), budget);
}

/** The per-URL failures, within `budget` bytes; empty when there were none. */
export function renderFailures(result: BenchResult, budget: number): Details {
  const total = result.failures.length;
  if (total === 0) return { text: '', bytes: 0 };
  const header = '| Cell | URL | Code | Message |\n| :-- | :-- | :-- | :-- |';
  return detailsTable(`Failures (${total})`, header, total, failureRows(result), budget);
}
