import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionSignatureOf } from '../dist/crawler/content-type.js';
import { byLine, collect } from './helpers/crawl.js';
import { startServer, type TestServer } from './helpers/servers.js';

const HTML = '<!doctype html><html><head><title>Hi</title></head><body><p>Hello</p></body></html>';

describe('a body still compressed after Content-Encoding decoding', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const send = (body: Buffer, headers: Record<string, string>): void => {
        res.writeHead(200, headers);
        res.end(body);
      };
      const once = gzipSync(HTML);
      if (req.url === '/double') {
        return send(gzipSync(once), { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      }
      if (req.url === '/undeclared') return send(once, { 'content-type': 'text/html; charset=utf-8' });
      if (req.url === '/zstd') {
        return send(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]), { 'content-type': 'text/html' });
      }
      if (req.url === '/single')
        return send(once, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      // Untyped gzip bytes are not HTML by their look, as before.
      if (req.url === '/untyped') return send(once, {});
      res.writeHead(404).end();
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it.each(['serial', 'threads'] as const)(
    '%s: is a DECODE_ERROR, not a 200 page with a null title',
    async (strategy) => {
      const paths = ['/double', '/undeclared', '/zstd', '/single', '/untyped'];
      const { records } = await collect(
        paths.map((path) => `${server.url}${path}`),
        { strategy, concurrency: 2, retries: 0 },
      );
      const [double, undeclared, zstd, single, untyped] = byLine(records);
      expect(double?.error?.code).toBe('DECODE_ERROR');
      expect(double?.error?.message).toMatch(/still gzip-compressed after undoing Content-Encoding gzip/);
      expect(double?.status).toBe(200);
      expect(double?.parse).toBeNull();
      expect(undeclared?.error?.code).toBe('DECODE_ERROR');
      expect(undeclared?.error?.message).toMatch(/still gzip-compressed with no Content-Encoding/);
      expect(zstd?.error?.code).toBe('DECODE_ERROR');
      expect(single?.error).toBeNull();
      expect(single?.parse?.title).toBe('Hi');
      expect(untyped?.error?.code).toBe('NOT_HTML');
    },
  );

  it('knows the gzip and zstd signatures only', () => {
    expect(compressionSignatureOf(gzipSync('x'))).toBe('gzip');
    expect(compressionSignatureOf(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    for (const bytes of [
      Buffer.from(HTML),
      Buffer.from([0x1f, 0x8b]),
      Buffer.from('\0<html>'),
      Buffer.alloc(0),
    ]) {
      expect(compressionSignatureOf(bytes)).toBeNull();
    }
  });
});
