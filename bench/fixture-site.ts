import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { CrawlbenchError } from '../crawler/errors.js';
import {
  FixtureContent,
  fixturePageUrls,
  METHOD_NOT_ALLOWED_PAGE,
  NOT_FOUND_PAGE,
  PAGE_TAIL,
  SERVER_ERROR_PAGE,
  urlListChunks,
  urlListLength,
} from './fixture-content.js';
import {
  type FixtureSiteOptions,
  type ResolvedFixtureSiteOptions,
  resolveFixtureSiteOptions,
} from './fixture-site-options.js';

/** Request counters of a fixture site. A request is in flight until its response is handed to the socket. */
export interface FixtureSiteStats {
  readonly requests: number;
  readonly inFlight: number;
  readonly peakInFlight: number;
  /**
   * Sum over answered pages of the time from a request's arrival to its response being handed to
   * the socket, in ms: the latency the site really served (its timers fire up to ~1 ms late).
   */
  readonly serviceMs: number;
  /** Pages answered (the requests `serviceMs` covers). */
  readonly answered: number;
}

/** A running fixture site: a deterministic site of numbered pages on a loopback port. */
export interface FixtureSite {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly options: ResolvedFixtureSiteOptions;
  /** The page URLs in order (all of them: prefer {@link FixtureSite.urls} for very large sites). */
  urlList(): string[];
  /** The page URLs in order, lazily. */
  urls(): IterableIterator<string>;
  /** The status `/page/<index>` answers: 500 for the pages chosen by `errorRate`, 404 outside the site. */
  pageStatus(index: number): 200 | 404 | 500;
  stats(): FixtureSiteStats;
  /** Stops listening and closes every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

const HTML_TYPE = 'text/html; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

const ROUTE_INDEX = -1;
const ROUTE_URLS = -2;
const ROUTE_NOT_FOUND = -3;

/** `/page/<n>` to n, `/` and `/urls.txt` to their routes; no regex, no URL object. Query strings are ignored. */
function route(url: string, pages: number): number {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/') return ROUTE_INDEX;
  if (path === '/urls.txt') return ROUTE_URLS;
  if (!path.startsWith('/page/') || path.length === 6 || path.length > 16) return ROUTE_NOT_FOUND;
  // One spelling per page: a leading zero would make /page/01 a duplicate of /page/1.
  if (path.charCodeAt(6) === 48 && path.length > 7) return ROUTE_NOT_FOUND;
  let n = 0;
  for (let c = 6; c < path.length; c++) {
    const digit = path.charCodeAt(c) - 48;
    if (digit < 0 || digit > 9) return ROUTE_NOT_FOUND;
    n = n * 10 + digit;
  }
  return n < pages ? n : ROUTE_NOT_FOUND;
}

class FixtureSiteServer implements FixtureSite {
  readonly url: string;
  readonly options: ResolvedFixtureSiteOptions;
  readonly #server: Server;
  readonly #content: FixtureContent;
  #requests = 0;
  #inFlight = 0;
  #peakInFlight = 0;
  #serviceMs = 0;
  #answered = 0;
  #closed: Promise<void> | undefined;

  constructor(server: Server, url: string, options: ResolvedFixtureSiteOptions) {
    this.#server = server;
    this.url = url;
    this.options = options;
    this.#content = new FixtureContent(options, url);
    server.on('request', this.#onRequest);
  }

  urlList(): string[] {
    return Array.from(fixturePageUrls(this.url, this.options.pages));
  }

  urls(): IterableIterator<string> {
    return fixturePageUrls(this.url, this.options.pages);
  }

  pageStatus(index: number): 200 | 404 | 500 {
    return this.#content.status(index);
  }

  stats(): FixtureSiteStats {
    return {
      requests: this.#requests,
      inFlight: this.#inFlight,
      peakInFlight: this.#peakInFlight,
      serviceMs: this.#serviceMs,
      answered: this.#answered,
    };
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      // The callback gets an error only when the server was not listening: closed either way.
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#requests++;
    if (++this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
    const target = route(req.url ?? '/', this.options.pages);
    const method = req.method;
    const status = method !== 'GET' && method !== 'HEAD' ? 405 : target >= 0 ? this.pageStatus(target) : 200;
    const delay = this.options.latencyMs + (target >= 0 ? this.#content.jitterMs(target) : 0);
    const arrived = performance.now();
    if (delay > 0) {
      // Unref'd so that a pending delay never keeps a closed site's process alive.
      setTimeout(this.#respond, delay, res, target, status, arrived).unref();
    } else {
      this.#respond(res, target, status, arrived);
    }
  };

  readonly #respond = (res: ServerResponse, target: number, status: number, arrived: number): void => {
    if (status === 405) {
      res.writeHead(405, [
        'Allow',
        'GET, HEAD',
        'Content-Type',
        HTML_TYPE,
        'Content-Length',
        METHOD_NOT_ALLOWED_PAGE.length,
      ]);
      this.#end(res, METHOD_NOT_ALLOWED_PAGE);
    } else if (status === 500) {
      res.writeHead(500, ['Content-Type', HTML_TYPE, 'Content-Length', SERVER_ERROR_PAGE.length]);
      this.#end(res, SERVER_ERROR_PAGE);
    } else if (target >= 0) {
      const page = this.#content.page(target);
      res.writeHead(200, ['Content-Type', HTML_TYPE, 'Content-Length', page.length]);
      // One writev for the three parts instead of three socket writes.
      res.cork();
      res.write(page.head);
      res.write(page.body);
      this.#end(res, PAGE_TAIL);
      res.uncork();
      this.#serviceMs += performance.now() - arrived;
      this.#answered++;
    } else if (target === ROUTE_INDEX) {
      res.writeHead(200, ['Content-Type', HTML_TYPE, 'Content-Length', this.#content.index.length]);
      this.#end(res, this.#content.index);
    } else if (target === ROUTE_URLS) {
      this.#sendUrlList(res);
    } else {
      res.writeHead(404, ['Content-Type', HTML_TYPE, 'Content-Length', NOT_FOUND_PAGE.length]);
      this.#end(res, NOT_FOUND_PAGE);
    }
  };

  #end(res: ServerResponse, chunk: Buffer): void {
    res.end(chunk);
    this.#inFlight--;
  }

  /** Streams the list in chunks, with backpressure, so that a million pages never become one string. */
  #sendUrlList(res: ServerResponse): void {
    const prefix = `${this.url}/page/`;
    const { pages } = this.options;
    res.writeHead(200, ['Content-Type', TEXT_TYPE, 'Content-Length', urlListLength(prefix.length, pages)]);
    if (res.req.method === 'HEAD') {
      this.#end(res, Buffer.alloc(0));
      return;
    }
    // A client that goes away mid-list is not an error of the site.
    pipeline(Readable.from(urlListChunks(prefix, pages), { objectMode: false }), res, () => {
      this.#inFlight--;
    });
  }
}

/**
 * Starts the fixture site on a loopback port; close it with {@link FixtureSite.close}.
 *
 * @throws {CrawlbenchError} `LISTEN_FAILED` when it cannot listen there (the port is taken).
 */
export async function startFixtureSite(options?: FixtureSiteOptions): Promise<FixtureSite> {
  const resolved = resolveFixtureSiteOptions(options);
  const server = createServer();
  // Clients of a benchmark reuse connections; keep them longer than the default 5 s between runs.
  server.keepAliveTimeout = 10_000;
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const where = `${resolved.host}:${resolved.port}`;
      reject(
        new CrawlbenchError('LISTEN_FAILED', `cannot listen on ${where}: ${error.code ?? error.message}`),
      );
    };
    server.once('error', failed);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  try {
    return new FixtureSiteServer(server, `http://${host}:${port}`, resolved);
  } catch (error) {
    server.close();
    throw error;
  }
}
