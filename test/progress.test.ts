import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBenchProgress, createCrawlProgress, sameTerminal } from '../dist/cli/progress.js';

/** A fake terminal: a TTY-looking stream that keeps everything written to it. */
function fakeTty(columns = 100): Writable & { isTTY: true; columns: number; text: () => string } {
  let out = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      out += String(chunk);
      callback();
    },
  });
  return Object.assign(stream, { isTTY: true as const, columns, text: () => out });
}

/**
 * The screen those bytes leave on a terminal: text, CR, LF, save and restore cursor (ESC 7 and
 * ESC 8), cursor to column (CSI n G), erase in line (CSI K); other sequences (cursor visibility,
 * line wrapping) change nothing on the screen.
 */
function screen(bytes: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const line = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === '\x1B') {
      const next = bytes[i + 1];
      if (next === '7') {
        saved = { row, col };
        i++;
      } else if (next === '8') {
        ({ row, col } = saved);
        i++;
      } else if (next === '[') {
        const m = /^\[(\??)(\d*)([A-Za-z])/.exec(bytes.slice(i + 1))!;
        i += m[0].length;
        if (m[1] === '?') continue;
        const arg = m[2] === '' ? 0 : Number(m[2]);
        if (m[3] === 'G') col = Math.max(0, arg - 1);
        else if (m[3] === 'K') {
          const l = line();
          if (arg === 2) l.length = 0;
          else if (arg === 0) l.length = Math.min(l.length, col);
          else for (let k = 0; k < col && k < l.length; k++) l[k] = ' ';
        }
      }
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0;
    } else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = c;
    }
  }
  return Array.from({ length: rows.length }, (_, r) => (rows[r] ?? []).join('').trimEnd());
}

const visible = (tty: ReturnType<typeof fakeTty>): string[] => screen(tty.text()).filter((l) => l !== '');

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('crawl progress bar', () => {
  it('leaves nothing of itself on the summary line after an interrupt notice', () => {
    const tty = fakeTty();
    const progress = createCrawlProgress(tty, 2000);
    for (let i = 1; i <= 5; i++) progress.update(i, 0);
    // What the crawl command writes on Ctrl-C, then the summary after the bar stops.
    tty.write('\nstopping: finishing pages in flight (Ctrl-C again to abort them)\n');
    progress.update(6, 0);
    progress.stop();
    tty.write('duplicates 0\n');
    const lines = visible(tty);
    expect(lines.at(-1)).toBe('duplicates 0');
    expect(lines).toContain('stopping: finishing pages in flight (Ctrl-C again to abort them)');
    expect(lines.filter((l) => l.includes('pages/s'))).toHaveLength(lines.length - 2);
    expect(lines.slice(-2).join('\n')).not.toContain('pages/s');
  });

  it('steps aside while records are written to its terminal, and clears its line when it stops', async () => {
    const tty = fakeTty();
    const progress = createCrawlProgress(tty, 3);
    for (let i = 1; i <= 3; i++) {
      progress.pause();
      tty.write(`{"url":"http://127.0.0.1/${i}"}\n`);
      progress.update(i, 0);
    }
    expect(visible(tty)).toEqual([1, 2, 3].map((i) => `{"url":"http://127.0.0.1/${i}"}`));
    // Once records stop coming, the bar comes back on its own line...
    await until(() => visible(tty).length === 4);
    expect(visible(tty)[3]).toMatch(/3\/3 pages \| [\d.]+ pages\/s \| 0 errors \| ETA 0s$/);
    // ...and stopping clears it: the summary starts on a clean line.
    progress.stop();
    tty.write('3 pages\n');
    expect(visible(tty)).toEqual([...[1, 2, 3].map((i) => `{"url":"http://127.0.0.1/${i}"}`), '3 pages']);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const stream = fakeTty();
    (stream as { isTTY: boolean }).isTTY = false;
    const progress = createCrawlProgress(stream, 10);
    progress.update(1, 0);
    progress.pause();
    progress.stop();
    expect(stream.text()).toBe('');
  });
});

describe('bench progress bar', () => {
  it('clears its line before the report', () => {
    const tty = fakeTty();
    const progress = createBenchProgress(tty);
    const step = { steps: 4, cell: 1, cells: 2, cellId: 'io/serial/1', run: 1, runs: 2, warmup: false };
    progress.update({ ...step, step: 1, pagesPerSecond: 19.2 });
    tty.write('\nstopping after the run in progress (its result is kept)\n');
    progress.update({ ...step, step: 2, pagesPerSecond: 19.3 });
    progress.stop();
    tty.write('## crawlbench\n');
    expect(visible(tty).slice(-2)).toEqual([
      'stopping after the run in progress (its result is kept)',
      '## crawlbench',
    ]);
  });
});

describe('sameTerminal', () => {
  it('is true for two terminals and false when either is not one', () => {
    const a = fakeTty();
    const b = fakeTty();
    expect(sameTerminal(a, b)).toBe(true);
    (b as { isTTY: boolean }).isTTY = false;
    expect(sameTerminal(a, b)).toBe(false);
  });
});
