import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A small site of three origins on loopback addresses, for link-following crawls: link cycles,
 * relative links that normalize to the same URL, a query variant, robots.txt rules, a sitemap
 * index with a gzipped child, and a request log per host that tests read back to prove politeness.
 *
 * - `a`: http://127.0.0.2:<port> — the main origin; robots.txt disallows `/private/` and names the
 *   sitemap index.
 * - `a2`: http://127.0.0.2:<other port> — the same host on another port (same-host, not same-origin);
 *   no robots.txt (404).
 * - `b`: http://127.0.0.3:<port> — another host; robots.txt with an optional Crawl-delay.
 *
 * Every origin also serves `/wide` linking to `/w/0` ... `/w/<wide - 1>`, to load one host with many
 * requests at once, and `/limited` linking to `/limited/0` ... `/limited/3`, each of which answers
 * its first request with 503 and `Retry-After: <retryAfterS>`, and 200 after that.
 */
export interface LinkSiteOptions {
  /** Delay before every response, in ms. @default 0 */
  readonly latencyMs?: number;
  /** `Crawl-delay:` of b's robots.txt, in seconds; none when absent. */
  readonly crawlDelayB?: number;
  /** Pages under `/wide` on each origin. @default 20 */
  readonly wide?: number;
  /** `Retry-After` of the first answer of each `/limited/<i>` page, in seconds. @default 1 */
  readonly retryAfterS?: number;
}

/** One request as the site saw it; times are `performance.now()` of this process. */
export interface LinkSiteRequest {
  /** Which origin: 'a', 'a2' or 'b'. */
  readonly origin: 'a' | 'a2' | 'b';
  /** The IP address of the host (a and a2 share one). */
  readonly host: string;
  /** Path and query. */
  readonly path: string;
  readonly startMs: number;
  /** When the response was handed to the socket; null while in flight. */
  endMs: number | null;
  /** The status answered; null while in flight. */
  status: number | null;
}

export interface LinkSite {
  /** Base URLs without a trailing slash. */
  readonly a: string;
  readonly a2: string;
  readonly b: string;
  /** Every request so far, in arrival order. */
  log(): readonly LinkSiteRequest[];
  /** Forgets the log (and which `/limited` pages answered 503 already). */
  clearLog(): void;
  /** The largest number of requests in flight at once to one host IP. */
  peakConcurrency(host: string): number;
  close(): Promise<void>;
}

type OriginName = LinkSiteRequest['origin'];

/** Links of each page, by origin and path; `{a}`, `{a2}`, `{b}` stand for the base URLs. */
const PAGES: Readonly<Record<OriginName, Readonly<Record<string, readonly string[]>>>> = {
  a: {
    '/': [
      '/a',
      '/b',
      '/private/secret',
      '{a2}/',
      '{b}/',
      '/a#top',
      '/c/../a',
      'mailto:someone@example.com',
      '/b?ref=1',
    ],
    '/a': ['/', '/a/1', '/b'],
    '/b': ['/a', '/b/1'],
    '/a/1': ['/a/2', '/private/other'],
    '/a/2': ['/a/3'],
    '/a/3': ['/'],
    '/b/1': ['{b}/b-only'],
    '/orphan-1': ['/orphan-deep'],
    '/orphan-2': ['/orphan-deep'],
    '/orphan-deep': [],
    '/private/secret': [],
    '/private/other': [],
    '/private/in-sitemap': [],
  },
  a2: {
    '/': ['/x', '{a}/'],
    '/x': [],
  },
  b: {
    '/': ['/b1', '/b2', '{a}/'],
    '/b1': ['/b2'],
    '/b2': [],
    '/b-only': [],
  },
};

function page(title: string, links: readonly string[]): string {
  const anchors = links.map((href) => `<a href="${href}">${href}</a>`).join('\n');
  return `<!doctype html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1>\n${anchors}\n</body></html>`;
}

function urlset(urls: readonly string[]): string {
  const items = urls.map((u) => `<url><loc>${u}</loc></url>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${items}</urlset>`;
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startLinkSite(options: LinkSiteOptions = {}): Promise<LinkSite> {
  const latencyMs = options.latencyMs ?? 0;
  const wide = options.wide ?? 20;
  const requests: LinkSiteRequest[] = [];
  const limitedAnswered = new Set<string>();
  const bases: Record<OriginName, string> = { a: '', a2: '', b: '' };
  const expand = (href: string): string =>
    href.replace('{a}', bases.a).replace('{a2}', bases.a2).replace('{b}', bases.b);

  interface Answer {
    status: number;
    type: string;
    body: Buffer;
    retryAfter?: number;
  }
  const answer = (origin: OriginName, path: string): Answer => {
    const html = (body: string): Answer => ({
      status: 200,
      type: 'text/html; charset=utf-8',
      body: Buffer.from(body),
    });
    const pathname = path.split('?')[0]!;
    if (pathname === '/robots.txt') {
      if (origin === 'a') {
        const text = `User-agent: *\nDisallow: /private/\n\nSitemap: ${bases.a}/sitemap-index.xml\n`;
        return { status: 200, type: 'text/plain', body: Buffer.from(text) };
      }
      if (origin === 'b') {
        const delay = options.crawlDelayB === undefined ? '' : `Crawl-delay: ${options.crawlDelayB}\n`;
        return { status: 200, type: 'text/plain', body: Buffer.from(`User-agent: *\n${delay}Allow: /\n`) };
      }
    }
    if (origin === 'a' && pathname === '/sitemap-index.xml') {
      const body =
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' +
        `<sitemap><loc>${bases.a}/sitemap-pages.xml</loc></sitemap>` +
        `<sitemap><loc>${bases.a}/sitemap-more.xml.gz</loc></sitemap></sitemapindex>`;
      return { status: 200, type: 'application/xml', body: Buffer.from(body) };
    }
    if (origin === 'a' && pathname === '/sitemap-pages.xml') {
      const body = urlset([`${bases.a}/a`, `${bases.a}/orphan-1`]);
      return { status: 200, type: 'application/xml', body: Buffer.from(body) };
    }
    if (origin === 'a' && pathname === '/sitemap-more.xml.gz') {
      const body = gzipSync(urlset([`${bases.a}/orphan-2`, `${bases.a}/private/in-sitemap`]));
      return { status: 200, type: 'application/gzip', body };
    }
    if (pathname === '/limited') {
      return html(
        page(
          'limited',
          [0, 1, 2, 3].map((i) => `/limited/${i}`),
        ),
      );
    }
    if (/^\/limited\/[0-3]$/.test(pathname)) {
      const key = `${origin}${pathname}`;
      if (!limitedAnswered.has(key)) {
        limitedAnswered.add(key);
        return {
          status: 503,
          type: 'text/plain',
          body: Buffer.from('busy'),
          retryAfter: options.retryAfterS ?? 1,
        };
      }
      return html(page(`limited ${pathname}`, []));
    }
    if (pathname === '/wide') {
      return html(
        page(
          'wide',
          Array.from({ length: wide }, (_, i) => `/w/${i}`),
        ),
      );
    }
    const w = /^\/w\/(\d+)$/.exec(pathname);
    if (w && Number(w[1]) < wide) return html(page(`w ${w[1]}`, []));
    const links = PAGES[origin][pathname];
    if (links) return html(page(`${origin} ${path}`, links.map(expand)));
    return { status: 404, type: 'text/plain', body: Buffer.from('not found') };
  };

  const handler =
    (origin: OriginName, host: string) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const entry: LinkSiteRequest = {
        origin,
        host,
        path: req.url ?? '/',
        startMs: performance.now(),
        endMs: null,
        status: null,
      };
      requests.push(entry);
      const reply = (): void => {
        const { status, type, body, retryAfter } = answer(origin, entry.path);
        res.writeHead(status, {
          'content-type': type,
          'content-length': body.length,
          ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }),
        });
        res.end(body);
        entry.endMs = performance.now();
        entry.status = status;
      };
      if (latencyMs > 0) setTimeout(reply, latencyMs);
      else reply();
    };

  const servers: Server[] = [];
  const start = async (origin: OriginName, host: string): Promise<void> => {
    const server = createServer({ keepAliveTimeout: 5000 }, handler(origin, host));
    servers.push(server);
    bases[origin] = `http://${host}:${await listen(server, host)}`;
  };
  await start('a', '127.0.0.2');
  await start('a2', '127.0.0.2');
  await start('b', '127.0.0.3');

  return {
    a: bases.a,
    a2: bases.a2,
    b: bases.b,
    log: () => requests,
    clearLog: () => {
      requests.length = 0;
      limitedAnswered.clear();
    },
    peakConcurrency: (host) => {
      const events: Array<[number, number]> = [];
      for (const r of requests) {
        if (r.host !== host) continue;
        events.push([r.startMs, 1], [r.endMs ?? Number.POSITIVE_INFINITY, -1]);
      }
      // Ends sort before starts at the same instant: a response handed over frees its slot.
      events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      let now = 0;
      let peak = 0;
      for (const [, delta] of events) {
        now += delta;
        peak = Math.max(peak, now);
      }
      return peak;
    },
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
