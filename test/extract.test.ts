import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlOptions, FixtureSite, PageRecord } from '../dist/index.js';
import { startFixtureSite } from '../dist/index.js';
import { documentsParsed } from '../dist/crawler/parse/html-parser.js';
import { runCli } from './helpers/cli.js';
import { byLine, collect, comparable } from './helpers/crawl.js';
import { startServer, type TestServer } from './helpers/servers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const SUMMARY = fixture('extract-summary.mjs');
const FAULTY = fixture('extract-faulty.mjs');
const NONE = fixture('extract-none.mjs');

let site: FixtureSite;
let dir: string;

beforeAll(async () => {
  site = await startFixtureSite({ pages: 10, pageKb: 3, links: 4 });
  dir = mkdtempSync(join(tmpdir(), 'crawlbench-extract-'));
});

afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

const placements: Array<[string, CrawlOptions]> = [
  ['serial', { strategy: 'serial' }],
  ['async', { strategy: 'async', concurrency: 4 }],
  ['threads (parse in worker)', { strategy: 'threads', concurrency: 2 }],
  ['threads (parse in main)', { strategy: 'threads', concurrency: 2, parseIn: 'main' }],
  ['processes (parse in worker)', { strategy: 'processes', concurrency: 2 }],
  ['processes (parse in main)', { strategy: 'processes', concurrency: 2, parseIn: 'main' }],
];

describe('extract: the same code, the same data, wherever the page is parsed', () => {
  let reference: PageRecord[];

  beforeAll(async () => {
    reference = byLine((await collect(site.urlList(), { strategy: 'serial', extract: SUMMARY })).records);
  });

  it('lands what the module returns in the record as data', () => {
    expect(reference).toHaveLength(10);
    const page1 = reference.find((r) => r.url.endsWith('/page/1'))!;
    expect(page1.error).toBeNull();
    expect(page1.data).toEqual({
      h1: 'Page 1',
      paragraphs: expect.any(Number) as number,
      firstLink: expect.any(String) as string,
      title: 'Page 1 | crawlbench fixture',
      links: page1.parse?.links.length,
      status: 200,
      depth: 0,
      finalUrl: true,
      contentType: 'text/html; charset=utf-8',
      htmlBytes: true,
    });
  });

  it.each(placements)('%s gives records identical to serial, data included', async (_name, options) => {
    const run = await collect(site.urlList(), { ...options, extract: SUMMARY });
    expect(byLine(run.records).map(comparable)).toEqual(reference.map(comparable));
  });

  it('takes a module as a file: URL too', async () => {
    const run = await collect(site.urlList().slice(0, 2), { extract: pathToFileURL(SUMMARY) });
    expect(run.records.every((r) => r.data !== null && r.error === null)).toBe(true);
  });

  it('a function runs on the main thread: serial, async, pools parsing in main', async () => {
    const extract = (page: { url: string; $: (s: string) => { text(): string } }): unknown => ({
      h1: page.$('h1').text(),
    });
    for (const options of [
      { strategy: 'serial' },
      { strategy: 'async' },
      { strategy: 'threads', parseIn: 'main' },
    ] as const) {
      const run = await collect(site.urlList().slice(0, 3), { ...options, concurrency: 2, extract });
      expect(byLine(run.records).map((r) => r.data)).toEqual([
        { h1: 'Page 0' },
        { h1: 'Page 1' },
        { h1: 'Page 2' },
      ]);
    }
  });

  it('parses a page once when the code reads $ and then the built-in fields', async () => {
    const before = documentsParsed();
    const run = await collect(site.urlList(), { strategy: 'serial', extract: SUMMARY });
    expect(run.summary.ok).toBe(10);
    expect(documentsParsed() - before).toBe(10);
    const plain = documentsParsed();
    await collect(site.urlList(), { strategy: 'serial' });
    expect(documentsParsed() - plain).toBe(10);
  });

  it('records without an extraction module have no data field', async () => {
    const run = await collect(site.urlList().slice(0, 2), { strategy: 'serial' });
    expect(run.records.every((r) => !('data' in r))).toBe(true);
  });
});

describe('extract: failures are records, never crashes', () => {
  it.each(placements)(
    '%s: EXTRACT_FAILED for exactly the pages the code fails on',
    async (_name, options) => {
      const run = await collect(site.urlList(), { ...options, extract: FAULTY, timeoutMs: 1_500 });
      const records = byLine(run.records);
      expect(records).toHaveLength(10);
      const failed = records.filter((r) => r.error).map((r) => [r.url.replace(site.url, ''), r.error?.code]);
      expect(failed).toEqual([
        ['/page/3', 'EXTRACT_FAILED'],
        ['/page/5', 'EXTRACT_FAILED'],
        ['/page/6', 'EXTRACT_FAILED'],
        ['/page/7', 'EXTRACT_FAILED'],
        ['/page/8', 'EXTRACT_FAILED'],
      ]);
      const byPath = (p: string): PageRecord => records.find((r) => r.url.endsWith(p))!;
      expect(byPath('/page/3').error?.message).toMatch(/extract threw: Error: no price on page 3/);
      expect(byPath('/page/5').error?.message).toMatch(/not JSON: the result is a Map/);
      expect(byPath('/page/6').error?.message).toMatch(/not JSON: the result\.when is a bigint/);
      expect(byPath('/page/7').error?.message).toMatch(/TypeError: async failure/);
      expect(byPath('/page/8').error?.message).toMatch(/did not finish within 1500 ms/);
      // A failed page keeps its fetch fields and built-in ones.
      expect(byPath('/page/3')).toMatchObject({
        status: 200,
        data: null,
        parse: { title: 'Page 3 | crawlbench fixture' },
      });
      expect(byPath('/page/1').data).toEqual({ ok: true, at: '1970-01-01T00:00:00.000Z' });
    },
  );

  it('refuses a module that does not load or exports no extract, before any request', async () => {
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'export function extract( {');
    await expect(collect(site.urlList(), { extract: NONE })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/exports no `extract` function/) as string,
    });
    // (Under vitest, import() goes through vite, which words the syntax error its own way; the CLI
    // test below sees Node's SyntaxError.)
    await expect(collect(site.urlList(), { extract: broken })).rejects.toThrow(
      /broken\.mjs does not load: \w+/,
    );
    await expect(collect(site.urlList(), { extract: join(dir, 'missing.mjs') })).rejects.toThrow(
      /cannot read the extraction module .*missing\.mjs: ENOENT/,
    );
  });

  it('refuses a function where it cannot go, and never hangs', async () => {
    const extract = (): number => 1;
    for (const options of [
      { strategy: 'threads' },
      { strategy: 'processes' },
      { strategy: 'distributed', redis: 'redis://127.0.0.1:1' },
    ] as const) {
      await expect(collect([], { ...options, extract })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(
          /is a function, which cannot be sent .*pass a module instead/,
        ) as string,
      });
    }
  });

  it('refuses unknown option keys and options of the wrong type, naming the nearest', async () => {
    await expect(collect([], { concurency: 2 } as unknown as CrawlOptions)).rejects.toThrow(
      'Unknown crawl option `concurency`; did you mean `concurrency`?',
    );
    await expect(collect([], { requestHandler: () => 1 } as unknown as CrawlOptions)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/^Unknown crawl option `requestHandler`/) as string,
    });
    for (const strategy of ['async', 'threads', 'processes'] as const) {
      await expect(collect([], { strategy, parse: (() => true) as unknown as boolean })).rejects.toThrow(
        /Expected `parse` to be a boolean/,
      );
    }
  });
});

describe('crawl --extract', () => {
  let server: TestServer;
  let requests = 0;

  beforeAll(async () => {
    server = await startServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>t</title><h1>Hello</h1>');
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('writes data into JSONL and into one JSON-encoded CSV column', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, `${server.url}/a\n${server.url}/b\n`);
    const jsonl = await runCli(['crawl', list, '-q', '--extract', SUMMARY]);
    expect(jsonl.code).toBe(0);
    const records = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PageRecord);
    expect(records.map((r) => (r.data as { h1: string }).h1)).toEqual(['Hello', 'Hello']);
    const out = join(dir, 'out.csv');
    const csv = await runCli(['crawl', list, '-q', '--extract', SUMMARY, '-f', 'csv', '-o', out]);
    expect(csv.code).toBe(0);
    const [header, row] = readFileSync(out, 'utf8').split('\n');
    const column = header!.split(',').indexOf('data');
    expect(column).toBeGreaterThan(0);
    expect(row).toContain('""h1"":""Hello""');
  });

  it('a module that does not load exits 2 with one line, and no request is made', async () => {
    const list = join(dir, 'list2.txt');
    writeFileSync(list, `${server.url}/c\n`);
    const before = requests;
    const r = await runCli(['crawl', list, '--extract', NONE]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/exports no `extract` function/);
    const broken = join(dir, 'broken-cli.mjs');
    writeFileSync(broken, 'export function extract( {');
    const syntax = await runCli(['crawl', list, '--extract', broken]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr.trim().split('\n')).toHaveLength(1);
    expect(syntax.stderr).toMatch(/broken-cli\.mjs does not load: SyntaxError/);
    expect(requests).toBe(before);
  });
});
