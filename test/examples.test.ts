// The README's example extraction module: it type-checks against the exported types, and gives
// the same `data` under every local strategy.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type FixtureSite, type PageRecord, startFixtureSite } from '../dist/index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const example = new URL('../examples/extract.mjs', import.meta.url);

let site: FixtureSite;
beforeAll(async () => {
  site = await startFixtureSite({ pages: 12, latencyMs: 0, pageKb: 4, links: 3 });
});
afterAll(async () => {
  await site.close();
});

describe('examples/extract.mjs', () => {
  it('type-checks against the types crawlbench exports (checkJs, strict)', () => {
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const args = ['--noEmit', '--allowJs', '--checkJs', '--strict', '--skipLibCheck'];
    args.push('--module', 'nodenext', '--moduleResolution', 'nodenext', fileURLToPath(example));
    // Throws, with tsc's diagnostics in the message, on any type error.
    execFileSync(process.execPath, [tsc, ...args], { cwd: repo, encoding: 'utf8' });
  }, 60_000);

  it.each(['serial', 'async', 'threads', 'processes'] as const)(
    'puts its result in every record as data (%s)',
    async (strategy) => {
      const records: PageRecord[] = [];
      await crawl(site.urlList(), { strategy, concurrency: 2, extract: example }, (r) => {
        records.push(r);
      });
      expect(records).toHaveLength(12);
      for (const record of records) {
        const n = /\/page\/(\d+)$/.exec(record.url)?.[1];
        expect(record.error).toBeNull();
        expect(record.data).toMatchObject({ heading: `Page ${n}`, links: record.parse?.links.length });
        expect((record.data as { paragraphs: number }).paragraphs).toBeGreaterThan(0);
      }
    },
    60_000,
  );
});
