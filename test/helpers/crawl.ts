import { execFileSync } from 'node:child_process';
import type { CrawlOptions, CrawlSummary, FixtureSite, PageRecord, UrlListSource } from '../../dist/index.js';
import { crawl } from '../../dist/index.js';

export interface CollectedCrawl {
  readonly summary: CrawlSummary;
  /** Records in completion order. */
  readonly records: PageRecord[];
}

/** Runs a crawl and collects every record the completion callback saw. */
export async function collect(source: UrlListSource, options: CrawlOptions): Promise<CollectedCrawl> {
  const records: PageRecord[] = [];
  const summary = await crawl(source, options, (record) => {
    records.push(record);
  });
  return { summary, records };
}

/** A record without its timings (which differ run to run), for comparing strategies. */
export function comparable(record: PageRecord): Omit<PageRecord, 'timings'> {
  const { timings: _timings, ...rest } = record;
  return rest;
}

export function byLine(records: readonly PageRecord[]): PageRecord[] {
  return [...records].sort((a, b) => a.line - b.line);
}

/** Pids of the live child processes of `pid` whose command line contains `needle`. */
export function childPids(pid: number, needle: string): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((n) => Number.isInteger(n));
}

/**
 * The site's pages mixed with what a real list holds: a comment, a blank line, a malformed line,
 * an unsupported scheme, repeats (one padded with spaces, one with a fragment) and a missing page.
 */
export function mixedList(site: FixtureSite): string[] {
  return [
    '# a comment, then a blank line',
    '',
    ...site.urlList().slice(0, 15),
    'not a url',
    `  ${site.url}/page/3  `,
    'ftp://127.0.0.1/file.txt',
    ...site.urlList().slice(15),
    `${site.url}/page/4#fragment`,
    `${site.url}/missing`,
  ];
}

/** Whether a process of this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for every pid to be gone; returns those still alive then. */
export async function survivors(pids: readonly number[], ms = 2_000): Promise<number[]> {
  const deadline = performance.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(alive);
  }
  return left;
}
