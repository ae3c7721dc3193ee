import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A site to check links on, across three loopback hosts: `site` (127.0.0.2, the site under test,
 * with a robots.txt), `ext` (127.0.0.3, another site it links to, whose robots.txt disallows
 * everything, so that reading it would show), and `dead` (127.0.0.4, a port nothing listens on).
 * Every HTML page and `ext/ok` carry an ETag and a Last-Modified and answer 304 to a matching
 * If-None-Match or If-Modified-Since. Each request is logged with its method and conditional headers.
 */
export interface LinkCheckSite {
  readonly site: string;
  /** 127.0.0.2 on another port, redirecting every request to `site` (as example.org to www.example.org). */
  readonly www: string;
  readonly ext: string;
  readonly dead: string;
  log(): readonly LoggedRequest[];
  /** Requests to one origin, as `METHOD /path`. */
  requests(origin: 'site' | 'ext'): string[];
  clearLog(): void;
  close(): Promise<void>;
}

export interface LoggedRequest {
  readonly origin: 'site' | 'ext';
  readonly method: string;
  readonly path: string;
  readonly ifNoneMatch: string | null;
  readonly ifModifiedSince: string | null;
  status: number | null;
}

/** A title and a link text built to break Markdown tables, HTML and terminals. */
export const HOSTILE_TITLE = 'Evil | </details><script>alert(1)</script> **bold** [x](javascript:alert(1))';
export const HOSTILE_TEXT = '`code` </td><img src=x onerror=alert(1)> | ~~gone~~\u202e';
const LAST_MODIFIED = 'Wed, 01 Jan 2025 00:00:00 GMT';

type Answer =
  | { readonly kind: 'html'; readonly title: string; readonly body: string }
  | { readonly kind: 'file'; readonly type: string; readonly body: string; readonly validators?: boolean }
  | { readonly kind: 'status'; readonly status: number; readonly location?: string };

function page(title: string, body: string): Answer {
  return { kind: 'html', title, body };
}

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const a = (href: string, text: string): string => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A port on 127.0.0.4 that nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, '127.0.0.4');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startLinkCheckSite(): Promise<LinkCheckSite> {
  const bases = { site: '', www: '', ext: '', dead: '' };
  const requests: LoggedRequest[] = [];

  const siteAnswer = (path: string): Answer => {
    const { ext, dead } = bases;
    switch (path) {
      case '/robots.txt':
        return { kind: 'file', type: 'text/plain', body: 'User-agent: *\nDisallow: /private/\n' };
      case '/':
        return page(
          'Home',
          [
            a('/about', 'About us'),
            a('/missing', 'Missing page'),
            a('/docs/', 'Docs'),
            a('/docs/#intro', 'Intro'),
            a('/docs/#nowhere', 'Nowhere'),
            a('/report.pdf', 'Report (PDF)'),
            a('/moved', 'Old about'),
            a('/forbidden', 'Members'),
            a('/private/x', 'Private'),
            a('/hostile', 'Hostile'),
            a(`${ext}/ok`, 'Partner'),
            a(`${ext}/gone`, 'Gone partner'),
            a(`${ext}/head-405`, 'HEAD refused'),
            a(`${ext}/page`, 'Partner page'),
            a(`${ext}/away`, 'Away'),
            a(`${dead}/`, 'Dead host'),
            a('mailto:someone@example.com', 'Mail'),
            '<img src="/logo.png" alt="Logo"><img src="/missing.png" alt="Missing image">',
            '<script src="/app.js"></script><link rel="stylesheet" href="/style.css">',
            `<link rel="preconnect" href="${ext}/">`,
          ].join('\n'),
        );
      case '/about':
        return page(
          'About',
          [a('/missing', 'Broken again'), a('/', 'Home'), a('/off-site', 'Off site')].join('\n'),
        );
      case '/docs/':
        return page(
          'Docs',
          `<h2 id="intro">Intro</h2>\n${a('/about', 'About')}\n${a('#intro', 'Top of docs')}`,
        );
      case '/hostile':
        return page(HOSTILE_TITLE, a('/nope?q=<b>|x', HOSTILE_TEXT));
      case '/report.pdf':
        return { kind: 'file', type: 'application/pdf', body: '%PDF-1.4 not really', validators: true };
      case '/logo.png':
        return { kind: 'file', type: 'image/png', body: 'png' };
      case '/app.js':
        return { kind: 'file', type: 'text/javascript', body: 'void 0;' };
      case '/style.css':
        return { kind: 'file', type: 'text/css', body: 'body{}' };
      case '/moved':
        return { kind: 'status', status: 301, location: '/about' };
      case '/off-site':
        // A page of ours that redirects to the other site: its links must not be followed.
        return { kind: 'status', status: 302, location: `${ext}/elsewhere` };
      case '/forbidden':
        return { kind: 'status', status: 403 };
      default:
        return { kind: 'status', status: 404 };
    }
  };

  const extAnswer = (path: string, method: string): Answer => {
    switch (path) {
      case '/robots.txt':
        return { kind: 'file', type: 'text/plain', body: 'User-agent: *\nDisallow: /\n' };
      case '/ok':
        return { kind: 'file', type: 'text/html', body: '<title>ok</title>', validators: true };
      case '/head-405':
        return method === 'HEAD' ? { kind: 'status', status: 405 } : page('GET only', 'fine');
      case '/page':
        return page('Partner', a('/deep', 'Deep'));
      case '/elsewhere':
        return page('Elsewhere', a('/deep', 'Deep'));
      case '/away':
        return { kind: 'status', status: 308, location: '/moved-here' };
      case '/moved-here':
        return page('Moved here', 'fine');
      default:
        return { kind: 'status', status: 404 };
    }
  };

  const handler =
    (origin: 'site' | 'ext') =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const header = (name: string): string | null => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : null;
      };
      const entry: LoggedRequest = {
        origin,
        method,
        path,
        ifNoneMatch: header('if-none-match'),
        ifModifiedSince: header('if-modified-since'),
        status: null,
      };
      requests.push(entry);
      const answer = origin === 'site' ? siteAnswer(path) : extAnswer(path, method);
      const send = (status: number, headers: Record<string, string | number>, body = ''): void => {
        entry.status = status;
        res.writeHead(status, headers);
        res.end(method === 'HEAD' ? undefined : body);
      };
      if (answer.kind === 'status') {
        send(
          answer.status,
          { 'content-type': 'text/plain', ...(answer.location && { location: answer.location }) },
          'no',
        );
        return;
      }
      const body =
        answer.kind === 'html'
          ? `<!doctype html><html lang="en"><head><title>${escapeHtml(answer.title)}</title></head><body>\n${answer.body}\n</body></html>`
          : answer.body;
      const type = answer.kind === 'html' ? 'text/html; charset=utf-8' : answer.type;
      const validators = answer.kind === 'html' || answer.validators === true;
      const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
      const cacheHeaders: Record<string, string> = validators
        ? { etag, 'last-modified': LAST_MODIFIED, 'cache-control': 'no-cache' }
        : {};
      if (validators && (entry.ifNoneMatch === etag || entry.ifModifiedSince === LAST_MODIFIED)) {
        send(304, cacheHeaders);
        return;
      }
      send(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...cacheHeaders }, body);
    };

  const servers: Server[] = [];
  const start = async (origin: 'site' | 'ext', host: string): Promise<string> => {
    const server = createServer({ keepAliveTimeout: 5000 }, handler(origin));
    servers.push(server);
    return `http://${host}:${await listen(server, host)}`;
  };
  bases.site = await start('site', '127.0.0.2');
  const www = createServer((req, res) => {
    res.writeHead(301, { location: `${bases.site}${req.url ?? '/'}` });
    res.end();
  });
  servers.push(www);
  bases.www = `http://127.0.0.2:${await listen(www, '127.0.0.2')}`;
  bases.ext = await start('ext', '127.0.0.3');
  bases.dead = `http://127.0.0.4:${await deadPort()}`;

  return {
    ...bases,
    log: () => requests,
    requests: (origin) => requests.filter((r) => r.origin === origin).map((r) => `${r.method} ${r.path}`),
    clearLog: () => {
      requests.length = 0;
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
