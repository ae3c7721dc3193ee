import pc from 'picocolors';
import { redactCredentials } from '../crawler/redact.js';
import type { CrawlSummary } from '../crawler/summary.js';
import { terminalText } from './terminal-text.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The plain end-of-crawl summary, a few lines for humans. What came from outside (error codes of
 * records, which a distributed run reads back from Redis; sitemap error messages, which quote URLs
 * and sitemap text) goes through {@link terminalText}, and URL passwords in messages are hidden.
 */
export function formatSummary(summary: CrawlSummary, color: boolean): string {
  const c = pc.createColors(color);
  const failedCodes = Object.entries(summary.failedByCode)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([code, count]) => `${terminalText(code)} ${count}`)
    .join(', ');
  const placement =
    summary.strategy === 'threads' || summary.strategy === 'processes' ? `, parse in ${summary.parseIn}` : '';
  const head = summary.state === 'interrupted' ? c.yellow('interrupted: ') : '';
  const lat = summary.latency;
  const f = summary.frontier;
  const skipped = f
    ? Object.entries(f.skipped)
        .filter(([, n]) => n > 0)
        .map(([reason, n]) => `${terminalText(reason)} ${n}`)
        .join(', ')
    : '';
  const frontier = f
    ? [
        `  frontier: ${f.requested} requested, depth ${f.depthReached} reached, ${f.seen} URLs seen, ` +
          `${f.queued} queued${skipped ? `; skipped: ${skipped}` : ''}` +
          (f.sitemapUrls > 0 ? `; ${f.sitemapUrls} sitemap URLs` : ''),
        ...f.sitemapErrors.map(
          (e) => `  ${c.yellow('sitemap error:')} ${terminalText(redactCredentials(e))}`,
        ),
      ]
    : [];
  return [
    `${head}${c.bold(`${summary.records} pages`)} in ${(summary.wallMs / 1000).toFixed(2)} s ` +
      `(${summary.pagesPerSecond.toFixed(1)} pages/s), ${summary.strategy} x${summary.concurrency}` +
      `${summary.perWorker > 1 ? ` (${summary.perWorker} tasks each)` : ''}, ` +
      `${summary.mode} mode${placement}`,
    `  ${c.green(`ok ${summary.ok}`)}, ${summary.failed > 0 ? c.red(`failed ${summary.failed}`) : 'failed 0'}` +
      `${failedCodes ? ` (${failedCodes})` : ''}, duplicates ${summary.duplicates}`,
    `  ${bytes(summary.bytes)} · latency p50 ${lat.p50Ms.toFixed(1)} ms, p95 ${lat.p95Ms.toFixed(1)} ms`,
    ...frontier,
  ].join('\n');
}
