import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thisBuild } from '../dist/bench/builds.js';
import { CRAWLER_NODE_FLAGS } from '../dist/bench/crawler-flags.js';
import { CrawlRunner } from '../dist/bench/run-crawl.js';
import { type FixtureSite, startFixtureSite } from '../dist/index.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The argv of a live process, from /proc. */
const argvOf = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
    .split(' ')
    .filter((s) => s.trim() !== '')
    .map(Number);

describe("the bench's crawler processes", () => {
  let site: FixtureSite;
  beforeAll(async () => {
    site = await startFixtureSite({ pages: 8, pageKb: 2, links: 2 });
  });
  afterAll(async () => {
    await site.close();
  });

  it("run with the bench's Node flags, and so do their process pools' children", async () => {
    expect(CRAWLER_NODE_FLAGS).toEqual(['--no-memory-reducer']);
    const runner = new CrawlRunner(thisBuild(REPO));
    try {
      await runner.ready();
      const urls = Array.from({ length: 8 }, (_, i) => `${site.url}/page/${i}`);
      const m = await runner.measure(urls, { strategy: 'processes', concurrency: 2 });
      expect(m.summary.records).toBe(8);
      const pid = runner.pid!;
      expect(argvOf(pid)).toEqual(expect.arrayContaining([...CRAWLER_NODE_FLAGS]));
      // The pool stays warm between runs: its two workers are the runner's children now.
      const workers = childrenOf(pid).filter((child) =>
        argvOf(child).some((a) => a.endsWith('process-worker.js')),
      );
      expect(workers).toHaveLength(2);
      for (const worker of workers)
        expect(argvOf(worker)).toEqual(expect.arrayContaining([...CRAWLER_NODE_FLAGS]));
    } finally {
      await runner.close();
    }
  });
});
