import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureSite, PageRecord } from '../dist/index.js';
import { startFixtureSite, startLinkSite } from '../dist/index.js';
import { runCli, startCli } from './helpers/cli.js';
import { childPids } from './helpers/crawl.js';

let site: FixtureSite;
// Paths are known when the tests are collected (it.each below); the files are written in beforeAll.
const dir = mkdtempSync(join(tmpdir(), 'crawlbench-cli-'));
const listFile = join(dir, 'list.txt');

beforeAll(async () => {
  site = await startFixtureSite({ pages: 20, pageKb: 2, links: 3 });
  writeFileSync(listFile, `${site.urlList().join('\n')}\nnot a url\n`);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await site.close();
});

const parseJsonl = (text: string): PageRecord[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PageRecord);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('crawlbench crawl', () => {
  it('writes one JSONL record per URL to stdout and a summary to stderr; exit 0 despite failures', async () => {
    const r = await runCli(['crawl', listFile, '--strategy', 'async', '-c', '4']);
    expect(r.code).toBe(0);
    const records = parseJsonl(r.stdout);
    expect(records).toHaveLength(21);
    expect(records.find((x) => x.line === 21)?.error?.code).toBe('INVALID_URL');
    expect(r.stderr).toMatch(/21 pages in .* async x4/);
    expect(r.stderr).toMatch(/failed 1 \(INVALID_URL 1\)/);
  });

  it('reads the list from stdin with -, writes CSV to --output, and prints a JSON summary to stdout', async () => {
    const out = join(dir, 'out.csv');
    const r = await runCli(
      ['crawl', '-', '--format', 'csv', '--output', out, '--json', '-s', 'threads', '-c', '2'],
      {
        stdin: site.urlList().slice(0, 5).join('\n'),
      },
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { records: number; ok: number; strategy: string };
    expect(summary).toMatchObject({ records: 5, ok: 5, strategy: 'threads' });
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(6);
    expect(csv[0]).toMatch(/^line,url,depth,referrer,final_url,status,/);
  });

  it('--strict exits 1 when a URL failed', async () => {
    const r = await runCli(['crawl', listFile, '--strict', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  it.each([
    [['crawl', listFile, '--concurrency', '0'], /expected a positive integer, got "0"/],
    [['crawl', listFile, '--strategy', 'fibers'], /Allowed choices are serial, async, threads, processes/],
    [['crawl', listFile, '--bogus'], /unknown option '--bogus'/],
    [['crawl', listFile, '--scope', 'any'], /`scope` applies to link-following crawls/],
    [['crawl', listFile, '--depth', '1', '--exclude', '['], /`exclude` is not a valid regular expression/],
    [['crawl', listFile, '--depth', '1', '--no-parse'], /needs the parse step/],
    [['crawl', listFile, '--depth', '-1'], /expected a non-negative integer/],
    [['crawl', listFile, '--sitemap', 'ftp://x/s.xml'], /Expected `sitemaps` to be an http\(s\) URL/],
  ])('usage error %j exits 2 with a one-line reason', async (args, reason) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(reason);
  });

  it.each([
    [['crawl', join(dir, 'nope.txt')], /cannot read list ".*nope.txt": ENOENT/],
    [['crawl', listFile, '--output', join(dir, 'no', 'such', 'dir.jsonl')], /cannot write output/],
  ])('environment failure %j exits 3 with a one-line reason', async (args, reason) => {
    const r = await runCli(args);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(reason);
  });

  it('with no list, crawls the embedded fixture site', async () => {
    const r = await runCli(['crawl', '--quiet', '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(200);
    const summary = JSON.parse(r.stderr) as { records: number; ok: number };
    expect(summary).toMatchObject({ records: 200, ok: 200 });
  });

  it.each(['async', 'processes'])(
    'SIGINT (%s) stops dispatching, flushes complete JSONL, exits 130 and leaves no child behind',
    async (strategy) => {
      const slow = await startFixtureSite({ pages: 400, latencyMs: 100, pageKb: 1, links: 2 });
      try {
        const cli = startCli(['crawl', '-', '-s', strategy, '-c', '4'], { stdin: slow.urlList().join('\n') });
        await cli.linesAtLeast(8);
        const workers = childPids(cli.child.pid ?? -1, 'process-worker.js');
        expect(workers).toHaveLength(strategy === 'processes' ? 4 : 0);
        cli.child.kill('SIGINT');
        const r = await cli.result;
        expect(r.code).toBe(130);
        const records = parseJsonl(r.stdout); // every line is complete JSON
        expect(records.length).toBeGreaterThanOrEqual(8);
        expect(records.length).toBeLessThan(400);
        expect(records.every((x) => x.error === null)).toBe(true);
        expect(new Set(records.map((x) => x.line)).size).toBe(records.length);
        expect(r.stderr).toMatch(/interrupted: \d+ pages/);
        expect(workers.filter(isAlive)).toEqual([]);
      } finally {
        await slow.close();
      }
    },
  );

  it('follows links from a seed on stdin: records carry depth and referrer, the summary the frontier', async () => {
    const links = await startLinkSite();
    try {
      const r = await runCli(
        ['crawl', '-', '--depth', '2', '--scope', 'same-host', '-s', 'threads', '-c', '2'],
        {
          stdin: `${links.a}/\n`,
        },
      );
      expect(r.code).toBe(0);
      const records = parseJsonl(r.stdout);
      const urls = records.map((x) => x.url.replace(links.a, 'A').replace(links.a2, 'A2')).sort();
      expect(urls).toEqual([
        'A/',
        'A/a',
        'A/a/1',
        'A/b',
        'A/b/1',
        'A/b?ref=1',
        'A/private/secret',
        'A2/',
        'A2/x',
      ]);
      expect(records.find((x) => x.url === `${links.a2}/x`)).toMatchObject({
        depth: 2,
        referrer: `${links.a2}/`,
      });
      expect(records.find((x) => x.url === `${links.a}/private/secret`)?.error?.code).toBe(
        'ROBOTS_DISALLOWED',
      );
      expect(r.stderr).toMatch(/frontier: 8 requested, depth 2 reached, .*skipped: .*robots 1/);
    } finally {
      await links.close();
    }
  });

  it('--sitemap with no list crawls the sitemap, not the embedded site', async () => {
    const links = await startLinkSite();
    try {
      const r = await runCli(['crawl', '--sitemap', `${links.a}/sitemap-index.xml`, '--quiet']);
      expect(r.code).toBe(0);
      const urls = parseJsonl(r.stdout)
        .map((x) => x.url.replace(links.a, 'A'))
        .sort();
      expect(urls).toEqual(['A/a', 'A/orphan-1', 'A/orphan-2', 'A/private/in-sitemap']);
    } finally {
      await links.close();
    }
  });

  it('--help lists the options and the exit codes', async () => {
    const r = await runCli(['crawl', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--strategy',
      '--concurrency',
      '--timeout',
      '--retries',
      '--max-bytes',
      '--parse-in',
      '--mode',
      '--depth',
      '--scope',
      '--per-host-concurrency',
      '--sitemap',
      '--ignore-robots',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('crawlbench serve', () => {
  it('prints its base URL, serves /urls.txt and stops cleanly on Ctrl-C', async () => {
    const cli = startCli(['serve', '--pages', '7', '--seed', '3']);
    await cli.linesAtLeast(1);
    const base = cli.stdout().split('\n')[0] ?? '';
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = await (await fetch(`${base}/urls.txt`)).text();
    expect(list.trim().split('\n')).toEqual(Array.from({ length: 7 }, (_, i) => `${base}/page/${i}`));
    cli.child.kill('SIGINT');
    const r = await cli.result;
    expect(r.code).toBe(0);
  });

  it('refuses a non-loopback host with exit 2', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/loopback/);
  });
  it('a port already taken is one line and exit 3', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const r = await runCli(['serve', '--port', String(port)]);
      expect(r.code).toBe(3);
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        `crawlbench: cannot listen on 127.0.0.1:${port}: EADDRINUSE`,
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
