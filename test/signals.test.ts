import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlSummary, PageRecord } from '../dist/index.js';
import { CLI, runCli, startCli } from './helpers/cli.js';
import { childPids, survivors } from './helpers/crawl.js';
import { delay, startServer, type TestServer } from './helpers/servers.js';

const RUNAWAY = fileURLToPath(new URL('./fixtures/extract-runaway.mjs', import.meta.url));

let server: TestServer;
let dir: string;
let slowList: string;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/slow')) await delay(5_000);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${path}</title><p>x</p>`);
  });
  dir = mkdtempSync(join(tmpdir(), 'crawlbench-signals-'));
  slowList = join(dir, 'slow.txt');
  writeFileSync(slowList, Array.from({ length: 12 }, (_, i) => `${server.url}/slow/${i}`).join('\n'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until `pid` has `count` children whose command line mentions `needle`. */
async function childrenOf(pid: number, needle: string, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const pids = childPids(pid, needle);
    if (pids.length >= count) return pids;
    await delay(50);
  }
  throw new Error(`${pid} never had ${count} children matching ${needle}`);
}

describe.each([
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('%s', (signal, code) => {
  it(`stops the crawl, aborts the pages in flight, prints the summary and exits ${code}; no child survives`, async () => {
    const cli = startCli(['crawl', slowList, '-s', 'processes', '-c', '2', '--json', '--retries', '0']);
    const children = await childrenOf(cli.child.pid!, 'process-worker.js', 2);
    await delay(300);
    cli.child.kill(signal);
    const r = await cli.result;
    expect(r.code).toBe(code);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PageRecord);
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((x) => x.error?.code))).toEqual(new Set(['ABORTED']));
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as CrawlSummary;
    expect(summary).toMatchObject({ state: 'interrupted', records: records.length });
    expect(await survivors(children)).toEqual([]);
  });
});

describe('no child outlives a crawl that dies', () => {
  it.each(['processes', 'threads'] as const)(
    '%s: SIGKILL of the main process while a child is deep in a synchronous parse',
    async (strategy) => {
      const list = join(dir, `runaway-${strategy}.txt`);
      writeFileSync(list, `${server.url}/runaway\n${server.url}/a\n`);
      const cli = startCli(['crawl', list, '-s', strategy, '-c', '2', '-q', '--extract', RUNAWAY]);
      // A thread dies with its process; a child process must notice its parent is gone by itself.
      const children =
        strategy === 'processes' ? await childrenOf(cli.child.pid!, 'process-worker.js', 2) : [];
      await delay(1_000); // the runaway page is fetched and its extraction spins
      cli.child.kill('SIGKILL');
      await cli.result;
      expect(await survivors(children)).toEqual([]);
    },
  );

  it('bench: SIGKILL of the bench leaves no runner, site or pool process behind', async () => {
    const cli = startCli([
      'bench',
      '--strategies',
      'processes',
      '--modes',
      'io',
      '--runs',
      '50',
      '--no-raw-ceiling',
      '-q',
    ]);
    // The fixture site and the cell runner are the bench's children; the pool's are the runner's.
    const [site] = await childrenOf(cli.child.pid!, 'fixture-process.js', 1);
    const [runner] = await childrenOf(cli.child.pid!, 'run-process.js', 1);
    const pool = await childrenOf(runner!, 'process-worker.js', 2);
    cli.child.kill('SIGKILL');
    await cli.result;
    expect(await survivors([site!, runner!, ...pool])).toEqual([]);
  });
});

describe('a stop does not wait for the next line of an idle stdin list', () => {
  it('Ctrl-C while stdin is open and silent ends the crawl at once, exit 130', async () => {
    const child = spawn(process.execPath, [CLI, 'crawl', '-', '-q'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stdin.write(`${server.url}/a\n`); // and never an end: the list stays open
    while (!stdout.includes('\n')) await delay(20);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('write errors', () => {
  it.each([
    ['-o /dev/full', ['-o', '/dev/full'], 'stdout', /cannot write records to "\/dev\/full": ENOSPC/],
    ['> /dev/full', [], '/dev/full', /cannot write records to stdout: ENOSPC/],
  ])(
    '%s: one line naming the file and the errno, exit 3, nothing left running',
    async (_name, args, stdoutTo, reason) => {
      const list = join(dir, 'many.txt');
      writeFileSync(list, Array.from({ length: 300 }, (_, i) => `${server.url}/p${i}`).join('\n'));
      const out = stdoutTo === 'stdout' ? 'pipe' : openSync(stdoutTo, 'w');
      const child = spawn(process.execPath, [CLI, 'crawl', list, '-s', 'processes', '-c', '2', ...args], {
        stdio: ['ignore', out, 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      if (typeof out === 'number') closeSync(out);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const children = childPids(child.pid!, 'process-worker.js');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(3);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(reason);
      expect(await survivors(children)).toEqual([]);
    },
  );

  it('a write error that comes only as the file is closed (one record, still buffered) is one line, exit 3', async () => {
    const r = await runCli(['crawl', '-', '-o', '/dev/full', '-q'], { stdin: `${server.url}/one\n` });
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'crawlbench: cannot write records to "/dev/full": ENOSPC',
    ]);
  });

  it('a closed pipe (| head -n 1) ends the crawl quietly at once, exit 141', async () => {
    const list = join(dir, 'many.txt');
    const child = spawn(process.execPath, [CLI, 'crawl', list, '-c', '4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // The reader takes one line and goes away, as `head -n 1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(141);
    expect(stderr).toBe('');
  });
});
