import cliProgress from 'cli-progress';
import type { BenchProgress } from '../bench/bench.js';
import type { OutputStream } from './io.js';

/** The live progress line of a crawl: pages done (of total when known), rate, errors, ETA. */
export interface CrawlProgress {
  update(done: number, errors: number): void;
  stop(): void;
}

const NOOP: CrawlProgress = { update() {}, stop() {} };

/** A progress bar on `stream` when it is a TTY; nothing otherwise. */
export function createCrawlProgress(stream: OutputStream, total: number | undefined): CrawlProgress {
  if (!stream.isTTY) return NOOP;
  const started = performance.now();
  const format =
    total === undefined
      ? '{value} pages | {rate} pages/s | {errors} errors'
      : '{bar} {value}/{total} pages | {rate} pages/s | {errors} errors | ETA {eta_formatted}';
  const bar = new cliProgress.SingleBar(
    { stream, format, hideCursor: true, clearOnComplete: false, fps: 5, etaBuffer: 200 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { rate: '0', errors: 0 });
  return {
    update(done, errors) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0', errors });
    },
    stop() {
      bar.stop();
    },
  };
}

/** The bench's progress line: run n of m, the cell, its run, the last pages/s. */
export interface BenchProgressDisplay {
  update(progress: BenchProgress): void;
  stop(): void;
}

/** A progress bar for the bench on `stream` when it is a TTY; nothing otherwise. */
export function createBenchProgress(stream: OutputStream): BenchProgressDisplay {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} runs | cell {cell}/{cells} {cellId} | run {run}/{runs}{warm} | {rate}/s',
      hideCursor: true,
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
        cellId: p.cellId,
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
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
