import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  brotliCompressSync,
  createGzip,
  deflateRawSync,
  deflateSync,
  gzipSync,
  constants as zlibConstants,
} from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, fetchPage } from '../dist/crawler/fetch.js';
import { networkError } from '../dist/crawler/fetch-errors.js';
import { DEFAULT_FETCH_OPTIONS, type FetchOptions } from '../dist/crawler/step-options.js';
import { backoffDelayMs, parseRetryAfter, retryDelayMs } from '../dist/crawler/retry.js';
import type { FetchedPage } from '../dist/crawler/types.js';
import { closedPort, delay, startRawServer, startServer, type TestServer } from './helpers/servers.js';

type Dispatcher = ReturnType<typeof createDispatcher>;

const HTML = '<!doctype html><html><head><title>Hi</title></head><body><p>Hello</p></body></html>';
// Large enough to span many zlib chunks, so decoder backpressure is exercised.
const BIG_HTML = `<!doctype html><html><body>${'<p>lorem ipsum dolor sit amet</p>\n'.repeat(20_000)}</body></html>`;

// Short waits so retries cost milliseconds; generous timeouts so a busy machine does not flake.
function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { ...DEFAULT_FETCH_OPTIONS, timeoutMs: 5_000, retryDelayMs: 5, maxRetryDelayMs: 50, ...overrides };
}

let dispatcher: Dispatcher;
const servers: TestServer[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function get(
  url: string,
  fetchOptions: FetchOptions = options(),
  signal?: AbortSignal,
): Promise<FetchedPage> {
  return fetchPage({ line: 1, url }, fetchOptions, signal ? { dispatcher, signal } : { dispatcher });
}

function text(page: FetchedPage): string {
  expect(page.body).not.toBeNull();
  return Buffer.from(page.body!).toString('utf8');
}

beforeAll(() => {
  dispatcher = createDispatcher({ connections: 8 });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await dispatcher.close();
});

describe('fetchPage: success', () => {
  it('fetches an HTML page and records the response', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const server = await serve((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(HTML);
    });
    const page = await get(`${server.url}/page`, options({ userAgent: 'crawlbench-test/1' }));
    expect(page.error).toBeNull();
    expect(text(page)).toBe(HTML);
    expect(page).toMatchObject({
      task: { line: 1, url: `${server.url}/page` },
      finalUrl: `${server.url}/page`,
      status: 200,
      contentType: 'text/html; charset=utf-8',
      bytes: Buffer.byteLength(HTML),
      redirects: 0,
      attempts: 1,
    });
    expect(page.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(page.fetchMs).toBeGreaterThanOrEqual(page.ttfbMs!);
    expect(seen[0]?.['user-agent']).toBe('crawlbench-test/1');
    expect(seen[0]?.['accept-encoding']).toBe('gzip, deflate, br');
    expect(seen[0]?.accept).toBe('text/html,application/xhtml+xml;q=0.9,*/*;q=0.8');
    // Pages cross thread and process boundaries.
    expect(structuredClone(page).bytes).toBe(page.bytes);
  });

  it('accepts application/xhtml+xml and sniffs HTML without a Content-Type', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/xhtml') res.writeHead(200, { 'content-type': 'application/xhtml+xml' });
      res.end(req.url === '/sniffed' ? `\ufeff \n<!DOCTYPE HTML>${HTML}` : HTML);
    });
    expect((await get(`${server.url}/xhtml`)).error).toBeNull();
    const sniffed = await get(`${server.url}/sniffed`);
    expect(sniffed.error).toBeNull();
    expect(sniffed.contentType).toBeNull();
    expect(text(sniffed)).toContain('<!DOCTYPE HTML>');
  });

  it.each([
    ['gzip', (data: Buffer) => gzipSync(data)],
    ['x-gzip', (data: Buffer) => gzipSync(data)],
    ['deflate', (data: Buffer) => deflateSync(data)],
    ['deflate', (data: Buffer) => deflateRawSync(data)],
    ['br', (data: Buffer) => brotliCompressSync(data)],
    ['identity', (data: Buffer) => data],
  ])('decodes Content-Encoding %s (%#)', async (encoding, encode) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding });
      res.end(encode(Buffer.from(BIG_HTML)));
    });
    const page = await get(server.url);
    expect(page.error).toBeNull();
    expect(page.bytes).toBe(Buffer.byteLength(BIG_HTML));
    expect(text(page)).toBe(BIG_HTML);
  });
});

describe('fetchPage: network failures', () => {
  it('reports a closed port as CONN_REFUSED after its retries', async () => {
    const port = await closedPort();
    const page = await get(`http://127.0.0.1:${port}/`, options({ retries: 1 }));
    expect(page.error?.code).toBe('CONN_REFUSED');
    expect(page.error?.message).toContain(`127.0.0.1:${port}`);
    expect(page).toMatchObject({ attempts: 2, status: null, finalUrl: null, ttfbMs: null, body: null });
  });

  it('reports a connection reset mid-response as CONN_RESET', async () => {
    const server = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\n\r\n<html>');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    servers.push(server);
    const page = await get(server.url, options({ retries: 0 }));
    expect(page.error?.code).toBe('CONN_RESET');
    expect(page.status).toBe(200);
    expect(page.attempts).toBe(1);
  });

  it('reports a peer that closes before answering as CONN_RESET', async () => {
    const server = await startRawServer((socket) => socket.destroy());
    servers.push(server);
    const page = await get(server.url, options({ retries: 1 }));
    expect(page.error?.code).toBe('CONN_RESET');
    expect(page.attempts).toBe(2);
    expect(page.status).toBeNull();
  });

  it('reports a peer that closes mid-body as CONN_RESET', async () => {
    const server = await startRawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000\r\n\r\n<html>');
    });
    servers.push(server);
    const page = await get(server.url, options({ retries: 0 }));
    expect(page.error?.code).toBe('CONN_RESET');
  });

  it('times out when headers never come', async () => {
    const server = await serve(() => {
      // Never answers.
    });
    const page = await get(server.url, options({ timeoutMs: 300, retries: 1 }));
    expect(page.error?.code).toBe('TIMEOUT');
    expect(page.error?.message).toContain('300 ms');
    expect(page).toMatchObject({ attempts: 2, status: null, ttfbMs: null });
  });

  it('times out when the body trickles past the deadline', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<html>');
      // A byte every 50 ms: undici's bodyTimeout (between chunks) never fires, our deadline must.
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const page = await get(server.url, options({ timeoutMs: 400, retries: 0 }));
    expect(page.error?.code).toBe('TIMEOUT');
    expect(page.status).toBe(200);
    expect(page.body).toBeNull();
  });
});

describe('fetchPage: retries', () => {
  it('retries a 5xx that recovers', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(requests === 1 ? 503 : 200, { 'content-type': 'text/html' });
      res.end(requests === 1 ? 'busy' : HTML);
    });
    const page = await get(server.url, options({ retries: 2 }));
    expect(page.error).toBeNull();
    expect(page).toMatchObject({ status: 200, attempts: 2 });
    expect(text(page)).toBe(HTML);
  });

  it('gives up on a 5xx that never recovers with HTTP_5XX', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>broken</html>');
    });
    const page = await get(server.url, options({ retries: 2 }));
    expect(page.error?.code).toBe('HTTP_5XX');
    expect(page).toMatchObject({ status: 500, attempts: 3, body: null });
    expect(requests).toBe(3);
  });

  it('honours Retry-After on a 429', async () => {
    const seenAt: number[] = [];
    const server = await serve((_req, res) => {
      seenAt.push(Date.now());
      if (seenAt.length === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(HTML);
    });
    // The backoff alone would wait at most 1 ms: only Retry-After explains a second's wait.
    const page = await get(server.url, options({ retries: 1, retryDelayMs: 1, maxRetryDelayMs: 5_000 }));
    expect(page.error).toBeNull();
    expect(page.attempts).toBe(2);
    expect(seenAt).toHaveLength(2);
    expect(seenAt[1]! - seenAt[0]!).toBeGreaterThanOrEqual(900);
  });

  it('caps Retry-After at maxRetryDelayMs and reports an exhausted 429 as HTTP_4XX', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end();
    });
    const page = await get(server.url, options({ retries: 1, maxRetryDelayMs: 20 }));
    expect(page.error?.code).toBe('HTTP_4XX');
    expect(page).toMatchObject({ status: 429, attempts: 2 });
  });

  it('retries a 408', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(requests === 1 ? 408 : 200, { 'content-type': 'text/html' });
      res.end(HTML);
    });
    const page = await get(server.url, options({ retries: 1 }));
    expect(page.error).toBeNull();
    expect(page.attempts).toBe(2);
  });

  it('does not retry other 4xx', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>not found</html>');
    });
    const page = await get(server.url, options({ retries: 3 }));
    expect(page.error?.code).toBe('HTTP_4XX');
    expect(page.error?.message).toContain('404');
    expect(page).toMatchObject({ status: 404, attempts: 1, body: null });
    expect(requests).toBe(1);
  });
});

describe('fetchPage: body limits and decoding', () => {
  it('stops a body over the cap with BODY_TOO_LARGE', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(Buffer.alloc(2 * 1024 * 1024, 'a'));
    });
    const page = await get(server.url, options({ maxBytes: 1024 * 1024 }));
    expect(page.error?.code).toBe('BODY_TOO_LARGE');
    expect(page).toMatchObject({ status: 200, bytes: 1024 * 1024, body: null, attempts: 1 });
  });

  it('never inflates a gzip bomb past the cap', async () => {
    const bomb = await gzipZeros(200 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 5);
    const page = await get(server.url, options({ maxBytes: 1024 * 1024 }));
    clearInterval(sampler);
    const after = process.memoryUsage();
    expect(page.error?.code).toBe('BODY_TOO_LARGE');
    expect(page.bytes).toBe(1024 * 1024);
    // Inflating it would take 200 MB; the cap keeps growth to a few MB.
    expect(peakRss - before.rss).toBeLessThan(100 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(100 * 1024 * 1024);
  });

  it('never inflates a deflate bomb past the cap', async () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' });
      res.end(bomb);
    });
    const page = await get(server.url, options({ maxBytes: 1024 * 1024 }));
    expect(page.error?.code).toBe('BODY_TOO_LARGE');
  });

  it.each([
    ['gzip', Buffer.from('this is not gzip at all')],
    ['br', Buffer.from('this is not brotli at all, not even close')],
    ['deflate', Buffer.concat([deflateSync(Buffer.from(HTML)).subarray(0, 8), Buffer.from('garbage!')])],
    ['zstd', Buffer.from('unknown coding')],
  ])('reports a corrupt or unknown %s body as DECODE_ERROR', async (encoding, payload) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding });
      res.end(payload);
    });
    const page = await get(server.url, options({ retries: 2 }));
    expect(page.error?.code).toBe('DECODE_ERROR');
    expect(page).toMatchObject({ status: 200, attempts: 1, body: null });
  });

  it.each([
    ['application/json', '{"html":false}'],
    ['image/png', '\x89PNG\r\n\x1a\nnot really'],
  ])('reports %s as NOT_HTML and still counts its bytes', async (type, payload) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(payload);
    });
    const page = await get(server.url);
    expect(page.error?.code).toBe('NOT_HTML');
    expect(page.error?.message).toContain(type);
    expect(page).toMatchObject({ status: 200, contentType: type, body: null });
    expect(page.bytes).toBe(Buffer.byteLength(payload));
  });

  it('reports a body without Content-Type that is not HTML as NOT_HTML', async () => {
    const server = await serve((_req, res) => res.end('just some text'));
    const page = await get(server.url);
    expect(page.error?.code).toBe('NOT_HTML');
    expect(page.bytes).toBe(14);
  });
});

describe('fetchPage: redirects and URLs', () => {
  it('follows a redirect chain within the limit over one connection', async () => {
    const server = await serve((req, res) => {
      const next: Record<string, [number, string]> = {
        '/a': [301, '/b'],
        '/b': [302, 'c'],
        '/c': [303, `http://127.0.0.1:${server.port}/d`],
        '/d': [307, '/e?x=1'],
        '/e?x=1': [308, '/final'],
      };
      const hop = next[req.url ?? ''];
      if (hop) {
        res.writeHead(hop[0], { location: hop[1], 'content-type': 'text/html' });
        res.end('<html>moved</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(HTML);
    });
    const page = await get(`${server.url}/a`, options({ maxRedirects: 5 }));
    expect(page.error).toBeNull();
    expect(page).toMatchObject({ finalUrl: `${server.url}/final`, redirects: 5, attempts: 1, status: 200 });
    // Redirect bodies are drained, so pooled connections serve the chain. Two rather than one:
    // undici marks a connection idle a tick after its body ends, so a request sent at once
    // (as the next hop is) goes to a second connection; the two then alternate.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it('stops a redirect loop with TOO_MANY_REDIRECTS', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests++;
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    const page = await get(`${server.url}/loop`, options({ maxRedirects: 3 }));
    expect(page.error?.code).toBe('TOO_MANY_REDIRECTS');
    expect(page).toMatchObject({ redirects: 3, status: 302, finalUrl: `${server.url}/loop` });
    expect(requests).toBe(4);
  });

  it('refuses a redirect to ftp: with UNSUPPORTED_SCHEME', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(301, { location: 'ftp://127.0.0.1/file' });
      res.end();
    });
    const page = await get(server.url);
    expect(page.error?.code).toBe('UNSUPPORTED_SCHEME');
    expect(page.status).toBe(301);
  });

  it.each([
    ['not a url', 'INVALID_URL'],
    ['/relative/path', 'INVALID_URL'],
    ['ftp://127.0.0.1/file', 'UNSUPPORTED_SCHEME'],
    ['mailto:someone@127.0.0.1', 'UNSUPPORTED_SCHEME'],
  ])('rejects %j without a request (%s)', async (url, code) => {
    const page = await get(url);
    expect(page.error?.code).toBe(code);
    expect(page).toMatchObject({ attempts: 0, status: null, finalUrl: null, body: null });
  });
});

describe('fetchPage: abort', () => {
  it('aborts a request in flight with ABORTED and no retry', async () => {
    let requests = 0;
    const server = await serve(() => {
      requests++;
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const page = await get(server.url, options({ retries: 3 }), controller.signal);
    expect(page.error?.code).toBe('ABORTED');
    expect(page.attempts).toBe(1);
    expect(requests).toBe(1);
  });

  it('aborts a backoff wait', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '60' });
      res.end();
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const page = await get(server.url, options({ retries: 3, maxRetryDelayMs: 60_000 }), controller.signal);
    expect(page.error?.code).toBe('ABORTED');
    expect(page).toMatchObject({ attempts: 1, status: 503 });
    expect(page.fetchMs).toBeLessThan(30_000);
  });

  it('makes no request when the signal is already aborted', async () => {
    const page = await get('http://127.0.0.1:9/', options(), AbortSignal.abort());
    expect(page.error?.code).toBe('ABORTED');
    expect(page.attempts).toBe(0);
  });
});

describe('retry helpers', () => {
  it('parses Retry-After as delta-seconds or an HTTP-date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelayMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 100, 10_000, () => 1)).toBe(400);
    expect(backoffDelayMs(10, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelayMs(3, 100, 10_000, () => 0)).toBe(0);
    expect(retryDelayMs(1, 90_000, { retryDelayMs: 100, maxRetryDelayMs: 5_000 })).toBe(5_000);
  });
});

describe('networkError', () => {
  const url = new URL('https://example.test/page');
  const withCode = (message: string, code: string, cause?: unknown): Error =>
    Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code });

  it.each([
    [withCode('connect ECONNREFUSED', 'ECONNREFUSED'), 'CONN_REFUSED'],
    [new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')]), 'CONN_REFUSED'],
    [
      withCode('other side closed', 'UND_ERR_SOCKET', withCode('read ECONNRESET', 'ECONNRESET')),
      'CONN_RESET',
    ],
    [withCode('getaddrinfo ENOTFOUND example.test', 'ENOTFOUND'), 'DNS'],
    [withCode('getaddrinfo EAI_AGAIN example.test', 'EAI_AGAIN'), 'DNS'],
    [withCode('certificate has expired', 'CERT_HAS_EXPIRED'), 'TLS'],
    [withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'), 'TLS'],
    [withCode('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'), 'TIMEOUT'],
    [withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'), 'TIMEOUT'],
    [withCode('incorrect header check', 'Z_DATA_ERROR'), 'DECODE_ERROR'],
    [new Error('something odd'), 'NETWORK'],
  ])('maps %s to %s', (error, code) => {
    const mapped = networkError(error, url);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain('example.test');
  });
});

/** 200 MB of zeros gzipped (about 200 KB), streamed so the zeros never exist all at once. */
async function gzipZeros(size: number): Promise<Buffer> {
  const gzip = createGzip({ level: zlibConstants.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  await delay(0);
  return Buffer.concat(chunks);
}
