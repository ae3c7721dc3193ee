import { once } from 'node:events';
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FixtureSite, startFixtureSite } from '../dist/bench/fixture-site.js';
import { resolveFixtureSiteOptions } from '../dist/bench/fixture-site-options.js';
import { startFixtureSiteProcess } from '../dist/bench/fixture-site-process.js';

const open: FixtureSite[] = [];

async function start(options: Parameters<typeof startFixtureSite>[0]): Promise<FixtureSite> {
  const site = await startFixtureSite(options);
  open.push(site);
  return site;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((site) => site.close()));
});

async function text(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The origin changes with the ephemeral port; everything else must be identical. */
function portless(site: FixtureSite, body: string): string {
  return body.replaceAll(site.url, 'http://fixture');
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

function hrefs(html: string): string[] {
  return Array.from(html.matchAll(/<a href="([^"]*)"/g), (m) => m[1] as string);
}

/** A GET through a given agent, body drained; `reusedSocket` says whether a pooled connection carried it. */
async function getWith(
  agent: Agent,
  url: string,
): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, reusedSocket: req.reusedSocket }),
      );
    }).on('error', reject);
  });
}

describe('options', () => {
  it('fills in the documented defaults', () => {
    expect(resolveFixtureSiteOptions()).toEqual({
      pages: 200,
      latencyMs: 0,
      jitterMs: 0,
      pageKb: 10,
      links: 10,
      errorRate: 0,
      seed: 1,
      host: '127.0.0.1',
      port: 0,
    });
  });

  it.each([
    [{ pages: 0 }, 'Expected `pages` to be a positive integer, got `0` (number)'],
    [{ pages: 1.5 }, 'Expected `pages` to be a positive integer, got `1.5` (number)'],
    [{ links: -1 }, 'Expected `links` to be a non-negative integer, got `-1` (number)'],
    [{ errorRate: 1.5 }, 'Expected `errorRate` to be a number between 0 and 1, got `1.5` (number)'],
    [
      { latencyMs: Number.NaN },
      'Expected `latencyMs` to be a number between 0 and 600000, got `NaN` (number)',
    ],
    [{ port: 70000 }, 'Expected `port` to be an integer <= 65535, got `70000` (number)'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveFixtureSiteOptions(options)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message }),
    );
  });

  it.each(['0.0.0.0', '192.168.1.10', '::', '10.0.0.1', 'localhost', 'example.com', '::ffff:8.8.8.8'])(
    'rejects the non-loopback host %s',
    async (host) => {
      expect(() => resolveFixtureSiteOptions({ host })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: `Expected \`host\` to be a loopback IP address (127.0.0.0/8 or ::1), got \`${JSON.stringify(host)}\` (string)`,
        }),
      );
      await expect(startFixtureSite({ host })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      await expect(startFixtureSiteProcess({ host })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    },
  );

  it('accepts loopback addresses', () => {
    expect(resolveFixtureSiteOptions({ host: '127.0.0.2' }).host).toBe('127.0.0.2');
    expect(resolveFixtureSiteOptions({ host: '::1' }).host).toBe('::1');
    expect(resolveFixtureSiteOptions({ host: '0:0:0:0:0:0:0:1' }).host).toBe('::1');
  });
});

describe('pages', () => {
  it('serves the same bytes for the same seed, and other bytes for another seed', async () => {
    const a = await start({ pages: 50, seed: 7 });
    const first = await Promise.all(['/page/0', '/page/13', '/', '/urls.txt'].map((p) => text(a.url + p)));
    await a.close();
    const b = await start({ pages: 50, seed: 7 });
    const again = await Promise.all(['/page/0', '/page/13', '/', '/urls.txt'].map((p) => text(b.url + p)));
    for (const [i, r] of first.entries()) expect(portless(b, again[i]!.body)).toBe(portless(a, r.body));
    const c = await start({ pages: 50, seed: 8 });
    const other = await text(`${c.url}/page/13`);
    expect(portless(c, other.body)).not.toBe(portless(a, first[1]!.body));
  });

  it('is a valid page with metadata, one h1 and the requested number of links to other pages', async () => {
    const site = await start({ pages: 300, links: 12 });
    const forms = new Set<string>();
    for (const index of [0, 1, 42, 299]) {
      const pageUrl = `${site.url}/page/${index}`;
      const { status, body, headers } = await text(pageUrl);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(Number(headers.get('content-length'))).toBe(Buffer.byteLength(body));
      expect(body.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(body).toMatch(new RegExp(`<title>[^<]*\\b${index}\\b[^<]*</title>`));
      expect(body).toMatch(/<meta name="description" content="[^"]+">/);
      expect(body).toContain(`<link rel="canonical" href="${pageUrl}">`);
      expect(body.match(/<h1>/g)).toHaveLength(1);
      expect(body.trimEnd().endsWith('</html>')).toBe(true);
      const links = hrefs(body);
      expect(links).toHaveLength(12);
      const targets = links.map((href) => {
        if (href.startsWith('http')) forms.add('absolute');
        else if (href.startsWith('/')) forms.add('root-relative');
        else forms.add('relative');
        if (href.includes('#')) forms.add('fragment');
        const resolved = new URL(href, pageUrl);
        expect(resolved.origin).toBe(new URL(site.url).origin);
        const match = /^\/page\/(\d+)$/.exec(resolved.pathname);
        expect(match).not.toBeNull();
        return Number(match?.[1]);
      });
      expect(targets.every((t) => t >= 0 && t < 300 && t !== index)).toBe(true);
      expect(new Set(targets).size).toBe(12);
      // The first link is the next page, so the whole site is reachable from /page/0.
      expect(targets[0]).toBe((index + 1) % 300);
    }
    expect([...forms].sort()).toEqual(['absolute', 'fragment', 'relative', 'root-relative']);
  });

  it.each([4, 10, 64])('pages are about %i KiB', async (pageKb) => {
    const site = await start({ pages: 40, pageKb });
    const sizes = await mapLimit(site.urlList(), 8, async (url) => (await fetch(url)).arrayBuffer());
    for (const body of sizes) {
      expect(body.byteLength).toBeGreaterThanOrEqual(pageKb * 1024 * 0.75);
      expect(body.byteLength).toBeLessThanOrEqual(pageKb * 1024 * 1.25);
    }
  });

  it('answers 500 for the pages chosen by errorRate, the same ones on every start', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const site = await start({ pages: 1000, errorRate: 0.1, seed, pageKb: 1, links: 2 });
      const observed = await mapLimit(site.urlList(), 16, async (url) => {
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.status;
      });
      expect(observed).toEqual(site.urlList().map((_, i) => site.pageStatus(i)));
      await site.close();
      return observed;
    };
    const first = await statuses(1);
    const failed = first.filter((s) => s === 500).length;
    expect(first.every((s) => s === 200 || s === 500)).toBe(true);
    expect(failed).toBeGreaterThanOrEqual(70);
    expect(failed).toBeLessThanOrEqual(130);
    expect(await statuses(1)).toEqual(first);
    expect(await statuses(2)).not.toEqual(first);
  });

  it('answers 404 to unknown paths, 405 to other methods, and keeps the index small', async () => {
    const site = await start({ pages: 20 });
    for (const path of ['/nope', '/page/', '/page/20', '/page/01', '/page/1x', '/page/-1', '/urls.txt/x']) {
      const r = await text(site.url + path);
      expect([path, r.status]).toEqual([path, 404]);
    }
    expect((await fetch(`${site.url}/page/1`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${site.url}/page/1?utm=x`)).status).toBe(200);
    const index = await text(`${site.url}/`);
    expect(index.status).toBe(200);
    expect(hrefs(index.body)).toEqual(site.urlList().map((u) => new URL(u).pathname));
  });
});

describe('/urls.txt', () => {
  it('lists exactly the pages, in order, one absolute URL per line', async () => {
    const site = await start({ pages: 5000 });
    const { status, body, headers } = await text(`${site.url}/urls.txt`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(Number(headers.get('content-length'))).toBe(body.length);
    const lines = body.trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(lines).toEqual(site.urlList());
    expect(lines[4999]).toBe(`${site.url}/page/4999`);
  });

  it('streams a million-page list', async () => {
    const site = await start({ pages: 1_000_000 });
    const res = await fetch(`${site.url}/urls.txt`);
    let lines = 0;
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) lines++;
    }
    expect(lines).toBe(1_000_000);
    expect(bytes).toBe(Number(res.headers.get('content-length')));
  });
});

describe('server behaviour', () => {
  it('delays every response by at least latencyMs', async () => {
    const site = await start({ pages: 10, latencyMs: 150, jitterMs: 50 });
    for (const path of ['/page/3', '/']) {
      const t0 = performance.now();
      const res = await fetch(site.url + path);
      // Timers may fire up to a millisecond early; an upper bound is never asserted.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(148);
      await res.arrayBuffer();
    }
  });

  it('counts requests, the peak number in flight and the latency it served', async () => {
    const site = await start({ pages: 10, latencyMs: 500 });
    await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await fetch(`${site.url}/page/${i}`)).arrayBuffer()));
    const stats = site.stats();
    expect(stats).toMatchObject({ requests: 5, inFlight: 0, peakInFlight: 5, answered: 5 });
    // Timers may fire up to a millisecond early; an upper bound is never asserted.
    expect(stats.serviceMs / stats.answered).toBeGreaterThanOrEqual(499);
  });

  it('closes idle keep-alive connections on close()', async () => {
    const site = await start({ pages: 5 });
    const agent = new Agent({ keepAlive: true });
    try {
      const first = await getWith(agent, `${site.url}/page/1`);
      expect(first.status).toBe(200);
      // The site keeps the connection open and says how long it would wait on it idle.
      expect(first.headers.connection).toBe('keep-alive');
      const keepAliveS = Number(/^timeout=(\d+)$/.exec(String(first.headers['keep-alive']))?.[1]);
      expect(keepAliveS).toBeGreaterThan(0);

      // No stopwatch: a timer of the advertised keep-alive (whole seconds, rounded down), armed before the
      // second request, goes off before the server's own keep-alive timer, which starts only once that
      // response is sent. If it goes off before the socket closes, close() waited on the keep-alive.
      const events: string[] = [];
      const keepAlive = setTimeout(() => events.push('keep-alive timeout'), keepAliveS * 1000);
      try {
        const freed = once(agent, 'free') as Promise<[Socket]>;
        const second = await getWith(agent, `${site.url}/page/2`);
        expect(second).toMatchObject({ status: 200, reusedSocket: true });
        // The one connection, open and idle in the agent's pool, when close() is called.
        const [socket] = await freed;
        expect(Object.values(agent.freeSockets).flat()).toEqual([socket]);
        expect(socket.destroyed).toBe(false);
        // Only the server can end it: an idle timeout of the agent's own would show as 'timeout' first.
        socket.on('timeout', () => events.push('client idle timeout'));
        const closed = once(socket, 'close').then(() => events.push('socket closed'));

        await site.close();
        await site.close(); // idempotent
        await closed;
        expect(events).toEqual(['socket closed']);
      } finally {
        clearTimeout(keepAlive);
      }
    } finally {
      agent.destroy();
    }
  });
});

describe('startFixtureSiteProcess', () => {
  it('serves from its own process, reports stats and CPU, and exits on close', async () => {
    const site = await startFixtureSiteProcess({ pages: 30, seed: 3 });
    expect(site.pid).toBeGreaterThan(0);
    expect(site.pid).not.toBe(process.pid);
    expect(site.urlList()).toHaveLength(30);
    const local = await start({ pages: 30, seed: 3 });
    const [remote, same] = await Promise.all([text(`${site.url}/page/5`), text(`${local.url}/page/5`)]);
    expect(remote.status).toBe(200);
    expect(portless(site, remote.body)).toBe(portless(local, same.body));
    const usage = await site.cpuUsage();
    expect(usage.stats).toMatchObject({ requests: 1, inFlight: 0, peakInFlight: 1, answered: 1 });
    expect(site.stats()).toEqual(usage.stats);
    expect(usage.cpu.user + usage.cpu.system).toBeGreaterThan(0);
    expect(usage.maxRssKb).toBeGreaterThan(0);
    await site.close();
    expect(() => process.kill(site.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(site.cpuUsage()).rejects.toMatchObject({ code: 'USED_AFTER_CLOSE' });
  });
});
