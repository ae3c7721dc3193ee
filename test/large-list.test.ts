import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite } from '../dist/index.js';
import { startFixtureSite } from '../dist/index.js';
import { runCli } from './helpers/cli.js';

interface Summary {
  records: number;
  ok: number;
  mainProcess: { maxRssBytes: number };
}

const dir = mkdtempSync(join(tmpdir(), 'crawlbench-large-'));
let site: FixtureSite;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 100_000, pageKb: 1, links: 2 });
});

afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Crawls the first `count` URLs of the site through the CLI (list on stdin) with the old-space
 * heap capped at `heapMb`; checks every record.
 */
async function crawlFirst(count: number, heapMb: number): Promise<Summary> {
  const out = join(dir, `out-${count}.jsonl`);
  const list = site.urlList().slice(0, count).join('\n');
  const r = await runCli(['crawl', '-', '-c', '16', '--json', '--quiet', '--output', out], {
    stdin: list,
    env: { NODE_OPTIONS: `--max-old-space-size=${heapMb}` },
    timeoutMs: 240_000,
  });
  expect(r.stderr).not.toMatch(/heap out of memory/i);
  expect(r.code).toBe(0);
  const lines = new Set<number>();
  for await (const line of createInterface({ input: createReadStream(out) })) {
    lines.add((JSON.parse(line) as { line: number }).line);
  }
  expect(lines.size).toBe(count);
  return JSON.parse(r.stdout) as Summary;
}

describe('a list of 100,000 URLs', () => {
  it(
    'is crawled completely within a heap that could not hold its records',
    { timeout: 300_000 },
    async () => {
      // 100k records take well over 32 MiB (each carries its links and strings): the crawl can only
      // finish under this cap if it streams the list and keeps no record, whatever the GC's mood.
      // Peak RSS, by contrast, depends on when the GC runs: it is printed, not asserted.
      const summary = await crawlFirst(100_000, 32);
      expect(summary).toMatchObject({ records: 100_000, ok: 100_000 });
      console.info(
        `peak RSS of the crawler for 100k URLs: ${Math.round(summary.mainProcess.maxRssBytes / 2 ** 20)} MiB`,
      );
    },
  );
});
