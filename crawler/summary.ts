import { createHistogram } from 'node:perf_hooks';
import type { PageErrorCode } from './errors.js';
import type { FrontierStats } from './frontier/frontier-stats.js';
import type { LinkCheckSummary } from './link-check/types.js';
import type { ChildProcessesUsage } from './strategies/runner.js';
import type { CrawlMode, CrawlStrategyName, PageRecord, ParsePlacement } from './types.js';

/** Per-page latency percentiles (of `timings.totalMs`), in milliseconds. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What a crawl did. `state` is `interrupted` when a stop signal ended it before the list did. */
export interface CrawlSummary {
  readonly state: 'completed' | 'interrupted';
  readonly strategy: CrawlStrategyName;
  /** Requests in flight, workers, or (distributed) tasks queued at once. */
  readonly concurrency: number;
  /** Tasks each pool worker ran at once (1 for the other strategies). */
  readonly perWorker: number;
  readonly mode: CrawlMode;
  readonly parseIn: ParsePlacement;
  /** Records produced: one per distinct input URL (invalid lines included). */
  readonly records: number;
  readonly ok: number;
  readonly failed: number;
  readonly failedByCode: Partial<Record<PageErrorCode, number>>;
  /** Lines that repeated an earlier URL: counted, not crawled, no record. */
  readonly duplicates: number;
  /** Body bytes after decompression, over all pages. */
  readonly bytes: number;
  readonly wallMs: number;
  /** Records per second of wall time. */
  readonly pagesPerSecond: number;
  readonly latency: LatencySummary;
  /**
   * CPU time and largest peak RSS of the `processes` strategy's children alive at the end (a child
   * replaced after a crash is not counted); null for the other strategies.
   */
  readonly childProcesses: ChildProcessesUsage | null;
  /** What the link-following frontier queued, saw and skipped; null for a plain list crawl. */
  readonly frontier: FrontierStats | null;
  /**
   * Link checking (`checkLinks`) only: totals by verdict, the results cache's doings, and the
   * findings (broken links with their referrers, redirects, the slowest pages). Absent otherwise.
   */
  readonly linkCheck?: LinkCheckSummary;
}

/**
 * Accumulates a summary record by record in constant memory: latency goes into Node's own HDR
 * histogram (perf_hooks, HdrHistogram_c underneath), which costs nothing to load.
 */
export class SummaryCollector {
  readonly #histogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  #records = 0;
  #ok = 0;
  #duplicates = 0;
  #bytes = 0;
  readonly #failedByCode: Partial<Record<PageErrorCode, number>> = {};

  add(record: PageRecord): void {
    this.#records++;
    this.#bytes += record.bytes;
    if (record.error) {
      this.#failedByCode[record.error.code] = (this.#failedByCode[record.error.code] ?? 0) + 1;
    } else {
      this.#ok++;
    }
    // Microseconds, so sub-millisecond pages on loopback keep their resolution.
    if (record.attempts > 0) {
      const micros = Math.round(record.timings.totalMs * 1000);
      this.#histogram.record(Math.min(3_600_000_000, Math.max(1, micros)));
    }
  }

  addDuplicate(): void {
    this.#duplicates++;
  }

  get records(): number {
    return this.#records;
  }

  get failed(): number {
    return this.#records - this.#ok;
  }

  finish(
    run: Pick<
      CrawlSummary,
      | 'state'
      | 'strategy'
      | 'concurrency'
      | 'perWorker'
      | 'mode'
      | 'parseIn'
      | 'wallMs'
      | 'childProcesses'
      | 'frontier'
    > & { readonly linkCheck?: LinkCheckSummary | null },
  ): CrawlSummary {
    const h = this.#histogram;
    const ms = (percentile: number): number => (h.count === 0 ? 0 : h.percentile(percentile) / 1000);
    const { linkCheck, ...rest } = run;
    return {
      ...rest,
      records: this.#records,
      ok: this.#ok,
      failed: this.failed,
      failedByCode: { ...this.#failedByCode },
      duplicates: this.#duplicates,
      bytes: this.#bytes,
      pagesPerSecond: run.wallMs > 0 ? this.#records / (run.wallMs / 1000) : 0,
      latency: {
        p50Ms: ms(50),
        p90Ms: ms(90),
        p95Ms: ms(95),
        p99Ms: ms(99),
        maxMs: h.count === 0 ? 0 : h.max / 1000,
      },
      ...(linkCheck != null && { linkCheck }),
    };
  }
}
