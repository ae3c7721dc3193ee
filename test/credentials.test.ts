import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, redactCredentials, redactUrl } from '../dist/crawler/redact.js';
import type { PageRecord } from '../dist/index.js';
import { redactRedisUrl } from '../dist/index.js';
import { runCli } from './helpers/cli.js';
import { csvObjects } from './helpers/csv.js';
import { startServer, type TestServer } from './helpers/servers.js';

const SECRETS = ['secret', 'hunter2', 'pw3', 'pw4'];

describe('redactUrl and redactCredentials', () => {
  it('hide the password, keep the user name and leave the rest of the text as written', () => {
    expect(REDACTED).toBe('***');
    expect(redactUrl('http://user:secret@host/a')).toBe('http://user:***@host/a');
    expect(redactUrl('HTTP://User:secret@Host/a/../b')).toBe('HTTP://User:***@Host/a/../b');
    expect(redactUrl('http://:secret@host:8080/')).toBe('http://:***@host:8080/');
    // The password runs to the last @ of the authority, as the URL parser reads it.
    expect(redactUrl('http://u:p@ss@host/')).toBe('http://u:***@host/');
    expect(redactUrl('http:u:secret@host/')).toBe('http:u:***@host/');
    // A tab inside, which the URL parser drops: the parser's form, redacted.
    expect(redactUrl('http://u:se\tcret@host/')).toBe('http://u:***@host/');
    for (const kept of [
      'http://user@host/',
      'http://host/a:b@c',
      'http://host/?to=a@b',
      'not a url',
      '-1+1',
    ]) {
      expect(redactUrl(kept)).toBe(kept);
    }
  });

  it('find every scheme://user:password@ in free text, quoted or not', () => {
    expect(
      redactCredentials('Redirect from http://u:secret@h/ to "ftp://bob:hunter2@x/": only http: and https:'),
    ).toBe('Redirect from http://u:***@h/ to "ftp://bob:***@x/": only http: and https:');
    expect(redactCredentials('error:code:5@x, user@example.com')).toBe('error:code:5@x, user@example.com');
  });

  it('is the rule of the Redis URL too', () => {
    expect(redactRedisUrl('redis://:secret@127.0.0.1:6379')).toBe(`redis://:${REDACTED}@127.0.0.1:6379`);
  });
});

describe('credentials in list lines and redirects', () => {
  let server: TestServer;
  const requests: Array<{ path: string; authorization: string | undefined }> = [];
  const dir = mkdtempSync(join(tmpdir(), 'crawlbench-cred-'));
  let list: string;
  let host: string;

  beforeAll(async () => {
    server = await startServer((req, res) => {
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const page = (title: string, head = '', body = ''): void => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head><title>${title}</title>${head}</head><body>${body}</body></html>`);
      };
      if (req.url === '/a') {
        return page(
          'A',
          `<link rel="canonical" href="http://dave:pw4@${host}/a">`,
          `<a href="http://carol:pw3@${host}/c">c</a>`,
        );
      }
      if (req.url === '/b') return page('B');
      if (req.url === '/c') return page('C');
      if (req.url === '/r') {
        res.writeHead(302, { location: `http://bob:hunter2@${host}/b` });
        return void res.end();
      }
      if (req.url === '/bad') {
        res.writeHead(302, { location: `ftp://bob:hunter2@${host}/x` });
        return void res.end();
      }
      res.writeHead(404).end();
    });
    host = new URL(server.url).host;
    list = join(dir, 'list.txt');
    const lines = ['/a', '/r', '/bad'].map((path) => `http://user:secret@${host}${path}`);
    writeFileSync(list, `${lines.join('\n')}\nhttp://user:secret@[bad/\n`);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const noSecret = (text: string): void => {
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
  };

  it.each(['serial', 'threads'])(
    '%s: no password in JSONL, CSV or the summary; the right pages are crawled',
    async (strategy) => {
      requests.length = 0;
      const jsonl = await runCli(['crawl', list, '-s', strategy, '-c', '2']);
      expect(jsonl.code).toBe(0);
      noSecret(jsonl.stdout);
      noSecret(jsonl.stderr);
      const records = jsonl.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as PageRecord);
      const byLine = new Map(records.map((r) => [r.line, r]));
      const a = byLine.get(1)!;
      expect(a.url).toBe(`http://user:***@${host}/a`);
      expect(a.finalUrl).toBe(`http://user:***@${host}/a`);
      expect(a.parse?.title).toBe('A');
      expect(a.parse?.canonical).toBe(`http://dave:***@${host}/a`);
      expect(a.parse?.links).toEqual([`http://carol:***@${host}/c`]);
      const r = byLine.get(2)!;
      expect(r.finalUrl).toBe(`http://bob:***@${host}/b`);
      expect(r.redirects).toBe(1);
      expect(r.parse?.title).toBe('B');
      const bad = byLine.get(3)!;
      expect(bad.error?.code).toBe('UNSUPPORTED_SCHEME');
      expect(bad.error?.message).toContain(`ftp://bob:***@${host}/x`);
      const invalid = byLine.get(4)!;
      expect(invalid.error?.code).toBe('INVALID_URL');
      expect(invalid.url).toBe('http://user:***@[bad/');
      // Credentials are never sent, and the pages asked for are the ones the lines named.
      expect(requests.every((q) => q.authorization === undefined)).toBe(true);
      expect(requests.map((q) => q.path).sort()).toEqual(['/a', '/b', '/bad', '/r']);

      const out = join(dir, `${strategy}.csv`);
      const csv = await runCli(['crawl', list, '-s', strategy, '-f', 'csv', '-o', out]);
      expect(csv.code).toBe(0);
      const text = readFileSync(out, 'utf8');
      noSecret(text);
      noSecret(csv.stderr);
      const rows = csvObjects(text);
      expect(rows.find((row) => row.line === '2')?.final_url).toBe(`http://bob:***@${host}/b`);
    },
  );

  it('following links: the page found keeps the user name, loses the password, and is crawled', async () => {
    requests.length = 0;
    const r = await runCli(['crawl', list, '-s', 'serial', '--depth', '1', '--scope', 'same-host']);
    expect(r.code).toBe(0);
    noSecret(r.stdout);
    noSecret(r.stderr);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PageRecord);
    const c = records.find((x) => x.parse?.title === 'C');
    expect(c?.url).toBe(`http://carol:***@${host}/c`);
    expect(c?.referrer).toBe(`http://user:***@${host}/a`);
    expect(requests.map((q) => q.path)).toContain('/c');
  });
});

describe('a Redis URL whose password does not percent-decode', () => {
  const url = 'redis://:Pw%ZZsecret@127.0.0.1:1';

  it.each([
    ['crawl --strategy distributed', ['crawl', '-', '--strategy', 'distributed', '--redis', url]],
    ['worker', ['worker', '--redis', url]],
    ['crawl, from the environment', ['crawl', '-', '--strategy', 'distributed']],
  ])('%s: one line, exit 2, password not shown', async (_name, args) => {
    const r = await runCli(args, { env: { CRAWLBENCH_REDIS_URL: url }, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^crawlbench: Expected the password of `redis` to be percent-encoded/);
    expect(r.stderr).not.toContain('Pw');
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toContain('URIError');
  });
});
