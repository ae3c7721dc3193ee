import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite } from '../dist/index.js';
import { startFixtureSite } from '../dist/index.js';
import { byLine, childPids, collect } from './helpers/crawl.js';

const WORKER_ENTRY = 'process-worker.js';
// Kills the worker that parses a `__crash__` page (see the module).
const CRASH = fileURLToPath(new URL('./fixtures/crash-extract.mjs', import.meta.url));
let site: FixtureSite;
let faultDir: string;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 12, pageKb: 2, links: 3 });
  faultDir = mkdtempSync(join(tmpdir(), 'crawlbench-faults-'));
  // Read by the workers (threads copy the env at start, processes inherit it).
  process.env.CRAWLBENCH_FAULT_DIR = faultDir;
});

afterAll(async () => {
  delete process.env.CRAWLBENCH_FAULT_DIR;
  rmSync(faultDir, { recursive: true, force: true });
  await site.close();
});

describe.each(['threads', 'processes'] as const)('%s: a worker that dies mid-task', (strategy) => {
  it('is replaced; a one-off crash is retried, a persistent one becomes WORKER_CRASHED', async () => {
    const urls = site.urlList();
    const list = [
      ...urls.slice(0, 4),
      `${urls[4]}?__crash__`,
      ...urls.slice(5, 8),
      `${urls[8]}?${strategy}__crash_once__`,
      ...urls.slice(9),
    ];
    const run = await collect(list, { strategy, concurrency: 2, retries: 0, extract: CRASH });

    expect(run.records).toHaveLength(12);
    expect(new Set(run.records.map((r) => r.line)).size).toBe(12);
    const [crashed, ...others] = byLine(run.records).filter((r) => r.error);
    expect(others).toEqual([]);
    expect(crashed?.url).toContain('__crash__');
    expect(crashed?.error?.code).toBe('WORKER_CRASHED');
    const once = run.records.find((r) => r.url.includes('__crash_once__'));
    expect(once?.error).toBeNull();
    expect(once?.parse?.title).toContain('8');
    expect(childPids(process.pid, WORKER_ENTRY)).toEqual([]);
  });
});

describe.each([1, 4])(
  'processes, %i tasks per worker: a worker killed from outside (SIGKILL) mid-task',
  (perWorker) => {
    it('loses nothing and records nothing twice; no child survives the crawl', async () => {
      let slowHits = 0;
      const server = createServer((req, res) => {
        if (req.url === '/slow') {
          slowHits++;
          if (slowHits === 1) {
            // The first time, kill every pool process while this request is in flight.
            for (const pid of childPids(process.pid, WORKER_ENTRY)) process.kill(pid, 'SIGKILL');
            return; // never answered: the worker is dead
          }
        }
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${req.url}</title><p>ok</p>`);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const list = Array.from({ length: 10 }, (_, i) => `${base}/p${i}`);
        list.splice(5, 0, `${base}/slow`);
        const run = await collect(list, { strategy: 'processes', concurrency: 2, perWorker, retries: 0 });
        expect(run.records).toHaveLength(11);
        expect(new Set(run.records.map((r) => r.url)).size).toBe(11);
        expect(run.records.filter((r) => r.error).map((r) => [r.url, r.error?.message])).toEqual([]);
        expect(slowHits).toBe(2);
        expect(childPids(process.pid, WORKER_ENTRY)).toEqual([]);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  },
);
