import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./fixtures/referrer-memory.mjs', import.meta.url));

interface Figures {
  readonly urls: number;
  readonly pendingWith1Referrer: number;
  readonly pendingWith3Referrers: number;
  readonly pendingWith20Referrers: number;
  readonly brokenWith3Referrers: number;
  readonly okAfterCheck: number;
}

describe("link checking's referrers", () => {
  it('cost a bounded number of bytes per URL waiting or broken, and none once a URL checks fine', () => {
    // Heap growth over 200,000 URLs, in a process of its own that can force a GC.
    const out = execFileSync(process.execPath, ['--expose-gc', SCRIPT], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const f = JSON.parse(out) as Figures;
    console.info(`referrer bytes per URL: ${JSON.stringify(f)}`);
    expect(f.urls).toBe(200_000);
    expect(f.pendingWith1Referrer).toBeLessThan(250);
    // At most `maxReferrers` (20 here) are kept, however many link.
    expect(f.pendingWith20Referrers).toBeLessThan(2_000);
    expect(f.brokenWith3Referrers).toBeLessThan(600);
    expect(f.okAfterCheck).toBeLessThan(16);
  });
});
