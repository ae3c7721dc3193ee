import pc from 'picocolors';
import { redactCredentials } from '../crawler/redact.js';
import type { LinkCheckSummary } from '../crawler/link-check/types.js';
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
    ...(summary.linkCheck === undefined ? [] : linkCheckLines(summary.linkCheck, c)),
  ].join('\n');
}

/** Broken URLs named in the summary at most (the report has them all). */
const BROKEN_SHOWN = 10;

/** The link-checking lines: totals by verdict, the cache, and the first broken links with a referrer. */
function linkCheckLines(check: LinkCheckSummary, c: ReturnType<typeof pc.createColors>): string[] {
  const t = check.totals;
  const codes = Object.entries(t.brokenByCode)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${terminalText(code)} ${n}`)
    .join(', ');
  const broken = t.broken > 0 ? c.red(`broken ${t.broken}`) : 'broken 0';
  const fragments =
    t.fragments.checked + t.fragments.unverified > 0
      ? `; fragments: ${t.fragments.checked} checked, ${t.fragments.missing} missing, ${t.fragments.unverified} not verifiable`
      : '';
  const lines = [
    `  links: ${t.urls} URLs checked (${t.pages} pages crawled, ${t.links} links and ${t.resources} resources only checked): ` +
      `ok ${t.ok}, redirected ${t.redirected}, unchanged ${t.unchanged}, cached ${t.cached}, ${broken}` +
      `${codes ? ` (${codes})` : ''}, excluded ${t.excluded}${fragments}` +
      (t.notChecked > 0 ? `; ${t.notChecked} not checked (queue full)` : ''),
  ];
  const cache = check.cache;
  if (cache !== null) {
    lines.push(
      `  cache ${terminalText(cache.where)}: ${cache.loaded} loaded, ${cache.fresh} fresh, ` +
        `${cache.revalidated} revalidated (${cache.unchanged} unchanged), ${cache.stored} stored`,
    );
  }
  const shown = check.findings.broken.slice(0, BROKEN_SHOWN);
  for (const link of shown) {
    const what = link.status === null ? link.code : `${link.status}`;
    const refs = link.referrers.pages.length + link.referrers.more;
    const first = link.referrers.pages[0]?.url;
    const from =
      first === undefined
        ? ''
        : ` linked from ${terminalText(first)}${refs > 1 ? ` and ${refs - 1} more` : ''}`;
    lines.push(`  ${c.red('broken:')} ${terminalText(link.url)} (${terminalText(what)})${from}`);
  }
  const more = t.broken - shown.length;
  if (more > 0) lines.push(`  … and ${more} more broken URLs (--report FILE.md or .json lists them all)`);
  for (const f of check.findings.brokenFragments.slice(0, BROKEN_SHOWN)) {
    lines.push(`  ${c.red('missing fragment:')} ${terminalText(`${f.url}#${f.fragment}`)}`);
  }
  return lines;
}
