import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byLine, childPids, collect } from './helpers/crawl.js';
import { delay, startServer, type TestServer } from './helpers/servers.js';

const RUNAWAY = fileURLToPath(new URL('./fixtures/extract-runaway.mjs', import.meta.url));

// A page of 100,000 unclosed <div> (488 KB): the page that took 5-13 s to parse.
const HOSTILE = `<title>hostile</title>${'<div>'.repeat(100_000)}`;

let server: TestServer;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path === '/hostile') return void res.writeHead(200, { 'content-type': 'text/html' }).end(HOSTILE);
    if (path.startsWith('/slow/')) await delay(Number(path.split('/')[2]));
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${path}</title><p>fine</p>`);
  });
});

afterAll(async () => {
  await server.close();
});

describe("a page's record depends only on that page", () => {
  it('a hostile page among 40 slow ones: every good page is recorded as good (async)', async () => {
    const list = [
      `${server.url}/hostile`,
      ...Array.from({ length: 40 }, (_, i) => `${server.url}/slow/1500?${i}`),
    ];
    const run = await collect(list, { strategy: 'async', timeoutMs: 4_000, retries: 0 });
    expect(run.records).toHaveLength(41);
    expect(run.records.filter((r) => r.error).map((r) => r.error?.code)).toEqual([]);
    expect(run.records.find((r) => r.url.endsWith('/hostile'))?.parse?.title).toBe('hostile');
  });

  it('responses that arrived while another page held the event loop are not timeouts', async () => {
    // `/block` answers at once; its extraction holds the loop for 2.5 s, while the 20 others,
    // answered after 300 ms, have 1 s deadlines that end in the middle of it.
    const list = [
      `${server.url}/block`,
      ...Array.from({ length: 20 }, (_, i) => `${server.url}/slow/300?${i}`),
    ];
    const run = await collect(list, {
      strategy: 'async',
      concurrency: 32,
      timeoutMs: 1_000,
      retries: 0,
      extract: RUNAWAY,
    });
    expect(run.records).toHaveLength(21);
    expect(run.records.filter((r) => r.error).map((r) => `${r.url} ${r.error?.code}`)).toEqual([]);
  });

  it('a server that never answers still times out while the loop is busy', async () => {
    const list = [`${server.url}/block`, `${server.url}/slow/60000`];
    const run = await collect(list, { strategy: 'async', timeoutMs: 800, retries: 0, extract: RUNAWAY });
    expect(byLine(run.records).map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'TIMEOUT']);
  });
});

describe.each([
  ['threads', 1],
  ['threads', 4],
  ['processes', 1],
  ['processes', 4],
] as const)('%s ×2, %i per worker: a runaway task', (strategy, perWorker) => {
  it('is recorded as TASK_TIMEOUT and its worker replaced; every other page is recorded once, as good', async () => {
    const list = [
      ...Array.from({ length: 4 }, (_, i) => `${server.url}/a${i}`),
      `${server.url}/runaway`,
      ...Array.from({ length: 8 }, (_, i) => `${server.url}/slow/100?${i}`),
    ];
    const run = await collect(list, {
      strategy,
      concurrency: 2,
      perWorker,
      taskTimeoutMs: 1_500,
      retries: 0,
      extract: RUNAWAY,
    });
    expect(run.records).toHaveLength(13);
    expect(new Set(run.records.map((r) => r.line)).size).toBe(13);
    const failed = run.records
      .filter((r) => r.error)
      .map((r) => [r.url.replace(server.url, ''), r.error?.code]);
    expect(failed).toEqual([['/runaway', 'TASK_TIMEOUT']]);
    expect(childPids(process.pid, 'process-worker.js')).toEqual([]);
  });
});
