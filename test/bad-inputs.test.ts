import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageRecord } from '../dist/index.js';
import { STRATEGY_NAMES } from '../dist/index.js';
import { collect } from './helpers/crawl.js';
import { closedPort, startRawServer, startServer, type TestServer } from './helpers/servers.js';

// One server with a route per kind of trouble; the crawl of all of them must go on past each.
let server: TestServer;
let reset: TestServer;
let deadPort: number;
const hits = new Map<string, number>();
const GBK_TITLE = '中文标题';
const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = req.url ?? '/';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    const html = (title: string): string =>
      `<html><head><title>${title}</title></head><body>ok</body></html>`;
    switch (path) {
      case '/ok':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(html('fine'));
      case '/flaky-500':
        if (n === 1) return void res.writeHead(503).end();
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(html('recovered'));
      case '/always-500':
        return void res.writeHead(500).end();
      case '/busy-429':
        if (n === 1) return void res.writeHead(429, { 'retry-after': '1' }).end();
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(html('after 429'));
      case '/slow':
        return; // never answers: the timeout fires
      case '/big':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.alloc(300 * 1024, 97));
      case '/bomb':
        return void res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(bomb);
      case '/loop':
        return void res.writeHead(302, { location: '/loop' }).end();
      case '/json':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
      case '/gbk-header':
        return void res
          .writeHead(200, { 'content-type': 'text/html; charset=gbk' })
          .end(iconv.encode(html(GBK_TITLE), 'gbk'));
      case '/gbk-meta':
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(iconv.encode(`<meta charset="gbk">${html(GBK_TITLE)}`, 'gbk'));
      default:
        return void res.writeHead(404).end();
    }
  });
  reset = await startRawServer((socket) => socket.resetAndDestroy());
  deadPort = await closedPort();
});

afterAll(async () => {
  await server.close();
  await reset.close();
});

describe.each(STRATEGY_NAMES)('%s: every kind of bad input', (strategy) => {
  it('becomes a record with its code, and the crawl goes on', async () => {
    hits.clear();
    const u = (path: string): string => `${server.url}${path}`;
    const list = [
      'this is not a url',
      'mailto:someone@example.com',
      `http://127.0.0.1:${deadPort}/`,
      `${reset.url}/`,
      u('/flaky-500'),
      u('/always-500'),
      u('/busy-429'),
      u('/slow'),
      u('/big'),
      u('/bomb'),
      u('/loop'),
      u('/json'),
      u('/gbk-header'),
      u('/gbk-meta'),
      u('/ok'),
    ];
    const run = await collect(list, {
      strategy,
      concurrency: 4,
      retries: 1,
      retryDelayMs: 10,
      timeoutMs: 500,
      maxBytes: 100 * 1024,
    });
    expect(run.records).toHaveLength(list.length);
    const at = (line: number): PageRecord => run.records.find((r) => r.line === line) as PageRecord;
    const code = (line: number): string | undefined => at(line).error?.code;
    expect(code(1)).toBe('INVALID_URL');
    expect(code(2)).toBe('UNSUPPORTED_SCHEME');
    expect(code(3)).toBe('CONN_REFUSED');
    expect(code(4)).toBe('CONN_RESET');
    expect(at(5)).toMatchObject({ error: null, attempts: 2, parse: { title: 'recovered' } });
    expect(at(6)).toMatchObject({ status: 500, attempts: 2, error: { code: 'HTTP_5XX' } });
    expect(at(7)).toMatchObject({ error: null, attempts: 2, parse: { title: 'after 429' } });
    expect(code(8)).toBe('TIMEOUT');
    expect(code(9)).toBe('BODY_TOO_LARGE');
    expect(code(10)).toBe('BODY_TOO_LARGE');
    expect(code(11)).toBe('TOO_MANY_REDIRECTS');
    expect(at(12)).toMatchObject({ status: 200, error: { code: 'NOT_HTML' }, parse: null });
    expect(at(13).parse?.title).toBe(GBK_TITLE);
    expect(at(14).parse?.title).toBe(GBK_TITLE);
    expect(at(15).parse?.title).toBe('fine');
    expect(run.summary.failed).toBe(10);
  });
});
