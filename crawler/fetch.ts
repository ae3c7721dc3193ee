import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from './http-agent.js';
import { compressionSignatureOf, isHtmlMediaType, looksLikeHtml, mediaTypeOf } from './content-type.js';
import { type PageError, pageError } from './errors.js';
import { isRetryableError, networkError } from './fetch-errors.js';
import type { FetchOptions } from './step-options.js';
import { readBody } from './read-body.js';
import { isRetryableStatus, parseRetryAfter, retryDelayMs, timerMs, waitUnlessAborted } from './retry.js';
import type { FetchedPage, ResponseFacts, Task } from './types.js';

export interface DispatcherOptions {
  /** Connections per origin. @default unlimited */
  readonly connections?: number;
}

/**
 * A keep-alive connection pool for {@link fetchPage}. The caller owns it and closes it
 * (`await dispatcher.close()`) when the crawl is over.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  return new Agent({
    // Below the 5 s idle timeout of Node's http server (and many others) so we drop a pooled
    // connection before the server does, instead of racing it and getting "other side closed".
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    // Pipelining multiplies the damage of one slow response; crawlers get parallelism from more connections.
    pipelining: 1,
    // The attempt's own deadline covers connecting (see startDeadline); undici's would not know
    // when the event loop was blocked. At most the longest timer Node has.
    connectTimeout: 2 ** 31 - 1,
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
}

export interface FetchContext {
  readonly dispatcher: Dispatcher;
  /** Aborting it ends the fetch at once (no retry) with code `ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /** Where the fetch runs, kept on the page for a crawl that keeps a timeline. */
  readonly lane?: Lane;
}

/** A worker (thread id, pid, 0 for the main thread) and its slot. */
export interface Lane {
  readonly worker: number;
  readonly slot: number;
}

const REQUEST_HEADERS = {
  accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
  'accept-encoding': 'gzip, deflate, br',
};
const headersByOptions = new WeakMap<FetchOptions, Readonly<Record<string, string>>>();

/** The request headers of a crawl, built once per options object rather than once per request. */
function requestHeaders(options: FetchOptions): Readonly<Record<string, string>> {
  let headers = headersByOptions.get(options);
  if (headers === undefined) {
    headers = { ...REQUEST_HEADERS, 'user-agent': options.userAgent };
    headersByOptions.set(options, headers);
  }
  return headers;
}

/** Bodies of redirects and errors up to this size are read out so the connection can be reused. */
const DUMP_LIMIT = 128 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * What the caller wants of a 2xx body: `'html'` keeps HTML (or sniffable untyped) bodies and fails
 * others with NOT_HTML, as the crawl needs; `'any'` keeps whatever came (robots.txt, sitemaps);
 * `'check'` wants none (a link check: the status is the answer, the body is read out only as far as
 * it takes to reuse the connection).
 */
export type BodyPolicy = 'html' | 'any' | 'check';

/** How the requests of one fetch are made, beyond their URL. */
export interface RequestSpec {
  readonly method: 'GET' | 'HEAD';
  /** Conditional headers of the first request (a revalidation); a redirect drops them. */
  readonly conditional: Readonly<Record<string, string>> | null;
  /**
   * A HEAD that a GET replaces when it is answered with one of these statuses: such an answer ends
   * it at once, without the retries the GET will make anyway. Null: no fallback.
   */
  readonly fallback: ReadonlySet<number> | null;
}

const PLAIN_GET: RequestSpec = { method: 'GET', conditional: null, fallback: null };

/** The response headers link checking keeps, for the results cache (http-cache-semantics reads them). */
const CACHE_HEADERS = ['cache-control', 'etag', 'last-modified', 'expires', 'date', 'age', 'pragma', 'vary'];

/** What one request ended in. */
type AttemptOutcome =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'retryable'; readonly error: PageError; readonly retryAfterMs: number | null }
  | { readonly kind: 'final'; readonly body: Uint8Array | null; readonly error: PageError | null };

/** The parts of the page record that build up over attempts and redirects. */
export interface Progress {
  finalUrl: string | null;
  /** The headers of the last response. */
  headers: IncomingHttpHeaders | null;
  status: number | null;
  contentType: string | null;
  bytes: number;
  redirects: number;
  attempts: number;
  ttfbMs: number | null;
  /** Epoch ms of the last attempt's response headers. */
  firstByteAt: number | null;
  /** The statuses of the redirects followed, in order. */
  redirectStatuses: number[];
}

/** Why an attempt was aborted; kept as the abort reason so no message matching is needed. */
class AttemptAborted extends Error {
  constructor(readonly byCaller: boolean) {
    super(byCaller ? 'aborted by the caller' : 'timed out');
  }
}

/**
 * The abort signal of one attempt. undici takes an EventEmitter with `aborted`/`reason` as well as
 * an AbortSignal, and this one costs a fraction of an AbortController per request (creating the
 * controller alone was ~5% of the CPU time of a fetch on loopback). Aborting it makes undici abort
 * the request, or destroy the body once the response has arrived.
 */
class AttemptSignal extends EventEmitter {
  aborted = false;
  reason: AttemptAborted | null = null;

  abort(reason: AttemptAborted): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/**
 * Fetches one page: redirects, retries with backoff, decompression and the size cap. Never
 * rejects: every failure is returned as `error` with a stable code, with whatever was learned
 * (status, bytes, attempts) before it happened.
 */
export async function fetchPage(
  task: Task,
  options: FetchOptions,
  context: FetchContext,
): Promise<FetchedPage> {
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  const spec: RequestSpec =
    task.revalidate === undefined
      ? PLAIN_GET
      : { method: 'GET', conditional: task.revalidate, fallback: null };
  const { progress, outcome } = await fetchUrl(task.url, 'html', options, context, task.attempts ?? 0, spec);
  const { headers, redirectStatuses: _statuses, ...rest } = progress;
  return {
    task,
    ...rest,
    // Kept with the body only: they are for extraction code, which runs on pages with one.
    headers: outcome.body === null ? null : plainHeaders(headers),
    fetchMs: performance.now() - started,
    startedAt,
    ...(context.lane !== undefined && { lane: context.lane }),
    body: outcome.body,
    error: outcome.error,
    retryAfterMs: outcome.retryAfterMs,
    ...(options.linkCheck === true && { response: responseFacts(progress, spec) }),
  };
}

/** How the response of a link-checking fetch came: method, cache headers, redirect statuses. */
export function responseFacts(progress: Progress, spec: RequestSpec): ResponseFacts {
  const headers: Record<string, string> = {};
  if (progress.headers !== null) {
    for (const name of CACHE_HEADERS) {
      const value = header(progress.headers, name);
      if (value !== null) headers[name] = value;
    }
  }
  return {
    method: spec.method,
    headers,
    redirects: progress.redirectStatuses,
    conditional: spec.conditional !== null,
  };
}

/** A resource of any media type (robots.txt, a sitemap), fetched by {@link fetchResource}. */
export interface FetchedResource {
  /** URL of the last response after redirects, or null when no response arrived. */
  readonly finalUrl: string | null;
  readonly status: number | null;
  readonly contentType: string | null;
  /**
   * The body after `Content-Encoding` decoding, whatever its media type; null on error and for
   * any status other than 2xx (a 3xx without `Location` has neither body nor error).
   */
  readonly body: Uint8Array | null;
  readonly error: PageError | null;
}

/**
 * Fetches a resource of any media type with the same redirects, retries, timeout, decoding and
 * `maxBytes` cap as {@link fetchPage}, and keeps its body (no NOT_HTML). Never rejects.
 */
export async function fetchResource(
  url: string,
  options: FetchOptions,
  context: FetchContext,
): Promise<FetchedResource> {
  const { progress, outcome } = await fetchUrl(url, 'any', options, context);
  const { finalUrl, status, contentType } = progress;
  return { finalUrl, status, contentType, body: outcome.body, error: outcome.error };
}

/** How a fetch ended: the body or the error, and a host's wait handed back (`hostBackoff`). */
export interface FetchOutcome {
  readonly body: Uint8Array | null;
  readonly error: PageError | null;
  readonly retryAfterMs: number | null;
}

/**
 * The fetch every function here is made of: redirects, retries, the body as `policy` wants it.
 * Never rejects. For the fetchers of this module and of `fetch-check.ts` (link checks).
 */
export async function fetchUrl(
  url: string,
  policy: BodyPolicy,
  options: FetchOptions,
  context: FetchContext,
  priorAttempts = 0,
  spec: RequestSpec = PLAIN_GET,
): Promise<{ progress: Progress; outcome: FetchOutcome }> {
  const progress: Progress = {
    finalUrl: null,
    headers: null,
    status: null,
    contentType: null,
    bytes: 0,
    redirects: 0,
    attempts: 0,
    ttfbMs: null,
    firstByteAt: null,
    redirectStatuses: [],
  };
  let outcome: FetchOutcome;
  try {
    outcome = await fetchWithRetries(url, policy, options, context, progress, priorAttempts, spec);
  } catch (error) {
    // Not expected: every known failure is already an outcome. Keeps the "never rejects" promise.
    outcome = failed(pageError('NETWORK', `Unexpected error: ${String(error)}`));
  }
  return { progress, outcome };
}

async function fetchWithRetries(
  rawUrl: string,
  policy: BodyPolicy,
  options: FetchOptions,
  context: FetchContext,
  progress: Progress,
  priorAttempts: number,
  firstSpec: RequestSpec,
): Promise<FetchOutcome> {
  const parsed = parseHttpUrl(rawUrl, null);
  if (!(parsed instanceof URL)) return failed(parsed);
  let url = parsed;
  let spec = firstSpec;
  let retriesUsed = priorAttempts;
  for (;;) {
    if (context.signal?.aborted) return failed(abortedError(url));
    progress.attempts = retriesUsed + 1;
    const outcome = await attempt(url, policy, options, context, progress, spec);
    if (outcome.kind === 'final') return { body: outcome.body, error: outcome.error, retryAfterMs: null };
    if (outcome.kind === 'redirect') {
      const next = parseHttpUrl(outcome.location, url);
      if (!(next instanceof URL)) return failed(next);
      // `redirects` counts the redirects followed, so it stops at `maxRedirects`.
      if (progress.redirects >= options.maxRedirects) {
        const message = `More than ${options.maxRedirects} redirects starting at ${rawUrl}`;
        return failed(pageError('TOO_MANY_REDIRECTS', message));
      }
      progress.redirects++;
      progress.redirectStatuses.push(progress.status ?? 0);
      url = next;
      // The validators were the first URL's: its redirect target is another resource.
      if (spec.conditional !== null) spec = { ...spec, conditional: null };
      continue;
    }
    if (retriesUsed >= options.retries) return failed(outcome.error);
    const backoff =
      options.hostBackoff === true &&
      outcome.retryAfterMs !== null &&
      (progress.status === 429 || progress.status === 503);
    if (backoff) {
      // The caller holds back the whole host for this long and asks again: no wait in this task.
      const retryAfterMs = Math.min(outcome.retryAfterMs!, options.maxRetryDelayMs);
      return { body: null, error: outcome.error, retryAfterMs };
    }
    // A HEAD refused: the GET that replaces it makes the retries.
    if (progress.status !== null && spec.fallback?.has(progress.status) === true)
      return failed(outcome.error);
    retriesUsed++;
    const delay = retryDelayMs(retriesUsed, outcome.retryAfterMs, options);
    if (!(await waitUnlessAborted(delay, context.signal))) return failed(abortedError(url));
  }
}

/** Response headers as a plain, structured-cloneable object (no undefined values). */
function plainHeaders(headers: IncomingHttpHeaders | null): Record<string, string | string[]> | null {
  if (headers === null) return null;
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) plain[name] = value;
  return plain;
}

function failed(error: PageError): FetchOutcome {
  return { body: null, error, retryAfterMs: null };
}

/** Parses `text` (relative to `base` for a Location) into an http(s) URL, or says why it is not one. */
function parseHttpUrl(text: string, base: URL | null): URL | PageError {
  const where = base === null ? '' : `Redirect from ${base.href} to `;
  let url: URL;
  try {
    url = base === null ? new URL(text) : new URL(text, base);
  } catch {
    return pageError('INVALID_URL', `${where || 'Not a valid absolute URL: '}${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return pageError('UNSUPPORTED_SCHEME', `${where}${url.href}: only http: and https: are supported`);
  }
  return url;
}

function abortedError(url: URL): PageError {
  return pageError('ABORTED', `Aborted by the caller while fetching ${url.host}`);
}

/** One request, with its own deadline covering connect, headers and body. */
async function attempt(
  url: URL,
  policy: BodyPolicy,
  options: FetchOptions,
  context: FetchContext,
  progress: Progress,
  spec: RequestSpec,
): Promise<AttemptOutcome> {
  const signal = new AttemptSignal();
  const deadline = startDeadline(options.timeoutMs, () => signal.abort(new AttemptAborted(false)));
  const onCallerAbort = (): void => signal.abort(new AttemptAborted(true));
  context.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const started = performance.now();
  progress.ttfbMs = null;
  progress.firstByteAt = null;
  try {
    // The dispatcher's own request(), given the URL's parts: undici's top-level request() would
    // parse the URL again and copy these options into a new object.
    const response = await context.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: spec.method,
      headers:
        spec.conditional === null
          ? requestHeaders(options)
          : { ...requestHeaders(options), ...spec.conditional },
      signal,
      // Off: the attempt's deadline covers headers and body, and discounts time the event loop was
      // blocked (undici's own timers would not, and fire on a page that had arrived meanwhile).
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const headersAt = performance.now();
    progress.ttfbMs = headersAt - started;
    progress.firstByteAt = performance.timeOrigin + headersAt;
    return await handleResponse(url, response, policy, options, signal, progress, spec.conditional !== null);
  } catch (error) {
    const reason = signal.reason;
    if (reason !== null) {
      if (reason.byCaller) return { kind: 'final', body: null, error: abortedError(url) };
      const message = `Timed out after ${options.timeoutMs} ms fetching ${url.host}`;
      return { kind: 'retryable', error: pageError('TIMEOUT', message), retryAfterMs: null };
    }
    const failure = networkError(error, url);
    return isRetryableError(failure.code)
      ? { kind: 'retryable', error: failure, retryAfterMs: null }
      : { kind: 'final', body: null, error: failure };
  } finally {
    deadline.clear();
    context.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Lateness of a timer beyond which the event loop is taken to have been blocked. */
const BLOCKED_MS = 20;
/** Blocked time given back to one attempt, at most, in multiples of its timeout. */
const MAX_GIVEN_BACK = 10;

/**
 * The deadline of one attempt: `onExpire` runs once `ms` have passed in which the event loop was
 * free to serve the request. A timer that fires late means the loop was blocked for at least that
 * long (another page's parse, extraction code), and a response may have arrived meanwhile, unread
 * in the socket: that time is given back (up to ten times `ms` in all), so a page's outcome does
 * not depend on what its neighbours cost. A request that gets no answer still times out.
 */
function startDeadline(ms: number, onExpire: () => void): { clear(): void } {
  let due = performance.now() + ms;
  let givenBack = 0;
  let timer: NodeJS.Timeout;
  const check = (): void => {
    const now = performance.now();
    const late = now - due;
    if (late > BLOCKED_MS && givenBack + late <= ms * MAX_GIVEN_BACK) {
      givenBack += late;
      due = now + late;
      timer = setTimeout(check, timerMs(late));
      return;
    }
    onExpire();
  };
  timer = setTimeout(check, timerMs(ms));
  return { clear: () => clearTimeout(timer) };
}

function tooLarge(url: URL, options: FetchOptions): PageError {
  return pageError('BODY_TOO_LARGE', `Body of ${url.host} is larger than ${options.maxBytes} bytes`);
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Reads out the rest of a small body, which lets the connection go back to the pool. */
async function drain(body: Dispatcher.ResponseData['body'], signal: AttemptSignal): Promise<void> {
  await body.dump({ limit: DUMP_LIMIT });
  // dump() resolves also when an abort destroyed the body: the attempt has failed then.
  if (signal.reason !== null) throw signal.reason;
}

async function handleResponse(
  url: URL,
  response: Dispatcher.ResponseData,
  policy: BodyPolicy,
  options: FetchOptions,
  signal: AttemptSignal,
  progress: Progress,
  conditional: boolean,
): Promise<AttemptOutcome> {
  const { statusCode: status, headers, body } = response;
  progress.finalUrl = url.href;
  progress.headers = headers;
  progress.status = status;
  progress.contentType = header(headers, 'content-type');
  progress.bytes = 0;

  const location = header(headers, 'location');
  if (REDIRECT_STATUSES.has(status) && location !== null) {
    await drain(body, signal);
    return { kind: 'redirect', location };
  }
  // Not modified, as asked: the answer is final and has no body (the cache holds the page).
  if (status === 304 && conditional) {
    await drain(body, signal);
    return { kind: 'final', body: null, error: null };
  }
  if (status >= 400) {
    await drain(body, signal);
    const error = pageError(status >= 500 ? 'HTTP_5XX' : 'HTTP_4XX', `HTTP ${status} from ${url.host}`);
    if (!isRetryableStatus(status)) return { kind: 'final', body: null, error };
    return { kind: 'retryable', error, retryAfterMs: parseRetryAfter(header(headers, 'retry-after')) };
  }

  if (policy === 'any') return readResource(url, response, status, options, signal, progress);
  // A link check's answer is the status: the body is read out up to DUMP_LIMIT (undici then closes
  // the connection rather than read on), never kept.
  if (policy === 'check') {
    await drain(body, signal);
    return { kind: 'final', body: null, error: null };
  }

  // Anything else (2xx, and the rare 3xx without a Location) is content.
  const mediaType = mediaTypeOf(progress.contentType);
  const declaredHtml = mediaType !== null && isHtmlMediaType(mediaType);
  const result = await readBody(body, {
    contentEncoding: header(headers, 'content-encoding'),
    maxBytes: options.maxBytes,
    // A body without a Content-Type is kept so it can be sniffed.
    keep: mediaType === null || declaredHtml,
  });
  progress.bytes = result.bytes;
  if (mediaType !== null && !declaredHtml) {
    return {
      kind: 'final',
      body: null,
      error: pageError('NOT_HTML', `Not HTML: ${url.host} sent ${mediaType}`),
    };
  }
  if (result.kind === 'too-large') return { kind: 'final', body: null, error: tooLarge(url, options) };
  const packed = declaredHtml && result.body !== null ? compressionSignatureOf(result.body) : null;
  if (packed !== null) {
    // DECODE_ERROR, not NOT_HTML: the server says HTML, and the bytes are most likely HTML under one
    // more compression than Content-Encoding names. It is the same failure as an encoding we cannot
    // undo: the body's bytes cannot be turned into the page's text.
    const encoding = header(headers, 'content-encoding');
    const sent =
      encoding === null ? 'with no Content-Encoding' : `after undoing Content-Encoding ${encoding}`;
    const message = `Body of ${url.host} is still ${packed}-compressed ${sent}`;
    return { kind: 'final', body: null, error: pageError('DECODE_ERROR', message) };
  }
  if (!declaredHtml && (result.body === null || !looksLikeHtml(result.body))) {
    const message = `Not HTML: ${url.host} sent no Content-Type and the body does not look like HTML`;
    return { kind: 'final', body: null, error: pageError('NOT_HTML', message) };
  }
  return { kind: 'final', body: result.body, error: null };
}

/** The 2xx body of a resource, whatever its media type; anything else was not the resource. */
async function readResource(
  url: URL,
  response: Dispatcher.ResponseData,
  status: number,
  options: FetchOptions,
  signal: AttemptSignal,
  progress: Progress,
): Promise<AttemptOutcome> {
  if (status < 200 || status > 299) {
    await drain(response.body, signal);
    return { kind: 'final', body: null, error: null };
  }
  const result = await readBody(response.body, {
    contentEncoding: header(response.headers, 'content-encoding'),
    maxBytes: options.maxBytes,
    keep: true,
  });
  progress.bytes = result.bytes;
  if (result.kind === 'too-large') return { kind: 'final', body: null, error: tooLarge(url, options) };
  return { kind: 'final', body: result.body, error: null };
}
