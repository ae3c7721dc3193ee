import { fstatSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { BenchProgress } from '../bench/bench.js';
import type { OutputStream } from './io.js';

/** How long the bar stays off after the last pause: records written faster than this keep it off. */
const RESUME_AFTER_MS = 250;

const SAVE_CURSOR = '\x1B7';
const RESTORE_CURSOR = '\x1B8';

/**
 * The stream cli-progress draws on: `stream` without the save-cursor and restore-cursor sequences
 * it writes when a bar starts and stops. Restoring jumps back to the line the bar started on, so
 * whatever was written to the terminal in between (the interrupt notice, records) moved the bar
 * down while the restore did not follow it, and what came next (the summary) was written over
 * the old line with the bar's tail left after it. Without them the bar is always drawn on the
 * current line, and stopping it with `clearOnComplete` clears that line.
 */
function barStream(stream: OutputStream): NodeJS.WritableStream {
  const target = {
    get isTTY(): boolean {
      return stream.isTTY === true;
    },
    get columns(): number | undefined {
      return stream.columns;
    },
    write(chunk: string, ...rest: unknown[]): boolean {
      if (chunk === SAVE_CURSOR || chunk === RESTORE_CURSOR) return true;
      return (stream.write as (chunk: string, ...rest: unknown[]) => boolean)(chunk, ...rest);
    },
  };
  return target as unknown as NodeJS.WritableStream;
}

/**
 * Whether two streams write to the same terminal: both TTYs, and on the same device when their
 * file descriptors are known (an injected stream has none: two TTYs are taken to be one).
 */
export function sameTerminal(a: OutputStream, b: OutputStream): boolean {
  if (a.isTTY !== true || b.isTTY !== true) return false;
  const fa = (a as { fd?: unknown }).fd;
  const fb = (b as { fd?: unknown }).fd;
  if (typeof fa !== 'number' || typeof fb !== 'number') return true;
  try {
    return fstatSync(fa).rdev === fstatSync(fb).rdev;
  } catch {
    return true;
  }
}

/** `42s`, `3m05s`, `1h02m`; `?` before there is a rate to go by. */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The live progress line of a crawl: pages done (of total when known), rate, errors, ETA. */
export interface CrawlProgress {
  update(done: number, errors: number): void;
  /**
   * Takes the bar off the terminal, leaving its line empty, so that something else can be
   * written there (a record, a notice). It comes back by itself once nothing has paused it for
   * a quarter of a second, so records written to the same terminal keep it off while they flow.
   */
  pause(): void;
  /** Takes the bar off for good and clears its line: what is printed next starts on a clean line. */
  stop(): void;
}

const NOOP: CrawlProgress = { update() {}, pause() {}, stop() {} };

/** A progress bar on `stream` when it is a TTY; nothing otherwise. */
export function createCrawlProgress(stream: OutputStream, total: number | undefined): CrawlProgress {
  if (!stream.isTTY) return NOOP;
  const started = performance.now();
  // The ETA is computed here from the rate since the start: cli-progress's own `{eta}` restarts at
  // every resume, and would read `?` after each pause (hence a placeholder of another name).
  const format =
    total === undefined
      ? '{value} pages | {rate} pages/s | {errors} errors'
      : '{bar} {value}/{total} pages | {rate} pages/s | {errors} errors | ETA {remaining}';
  const bar = new cliProgress.SingleBar(
    { stream: barStream(stream), format, hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let state: 'running' | 'paused' | 'stopped' = 'running';
  let done = 0;
  let errors = 0;
  let resume: NodeJS.Timeout | undefined;
  const payload = (): Record<string, string | number> => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = total === undefined || rate === 0 ? Number.NaN : (total - done) / rate;
    return { rate: rate.toFixed(1), errors, remaining: duration(eta) };
  };
  bar.start(total ?? 0, 0, payload());
  return {
    update(d, e) {
      done = d;
      errors = e;
      if (state === 'running') bar.update(done, payload());
    },
    pause() {
      if (state === 'stopped') return;
      if (state === 'running') bar.stop();
      state = 'paused';
      clearTimeout(resume);
      resume = setTimeout(() => {
        if (state !== 'paused') return;
        state = 'running';
        bar.start(total ?? 0, done, payload());
      }, RESUME_AFTER_MS);
      // A pending resume must not keep the process alive after the crawl.
      resume.unref();
    },
    stop() {
      clearTimeout(resume);
      if (state === 'running') bar.stop();
      state = 'stopped';
    },
  };
}

/** The bench's progress line: run n of m, the cell, its run, the last pages/s. */
export interface BenchProgressDisplay {
  update(progress: BenchProgress): void;
  /** Clears the line so that something else can be written; the next update draws it again. */
  pause(): void;
  /** Takes the bar off and clears its line, before the report is printed. */
  stop(): void;
}

/** A progress bar for the bench on `stream` when it is a TTY; nothing otherwise. */
export function createBenchProgress(stream: OutputStream): BenchProgressDisplay {
  if (!stream.isTTY) return { update() {}, pause() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: barStream(stream),
      format: '{bar} {value}/{total} runs | cell {cell}/{cells} {cellId} | run {run}/{runs}{warm} | {rate}/s',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = {
        cell: p.cell,
        cells: p.cells,
        cellId: p.build === undefined ? p.cellId : `${p.cellId} (${p.build})`,
        run: p.run,
        runs: p.runs,
        warm: p.warmup ? ' (warm-up)' : '',
        rate: p.pagesPerSecond.toFixed(1),
      };
      if (!started) {
        bar.start(p.steps, p.step, payload);
        started = true;
      } else {
        bar.update(p.step, payload);
      }
    },
    // Runs take seconds: the next update, not a timer, brings the bar back after a pause.
    pause() {
      if (started) bar.stop();
      started = false;
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
