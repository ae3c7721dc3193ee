import { fetchUrl, type FetchContext, type RequestSpec, responseFacts } from './fetch.js';
import type { PageErrorCode } from './errors.js';
import type { FetchOptions } from './step-options.js';
import type { FetchedPage, Task } from './types.js';

/**
 * Answers to a HEAD that say nothing of the page: the method refused (405 Method Not Allowed, 501
 * Not Implemented), or refused the way servers and CDNs that mishandle HEAD do (400, 403 to HEAD
 * alone). Any other status (a 404, a 500 after its retries) is the link's answer.
 */
export const HEAD_FALLBACK_STATUSES: ReadonlySet<number> = new Set([400, 403, 405, 501]);

/** Network failures of a HEAD a GET may not share: a server that hangs up on HEAD, or answers it malformed. */
const HEAD_FALLBACK_CODES: ReadonlySet<PageErrorCode> = new Set(['CONN_RESET', 'NETWORK']);

/**
 * Checks a link without crawling it (`Task.checkOnly`): a HEAD, and a GET in its place when the
 * HEAD was refused ({@link HEAD_FALLBACK_STATUSES}) or broke the connection. The GET's body is read
 * out no further than it takes to reuse the connection (and not at all past 128 KiB), never kept
 * or parsed. The same redirects, retries, timeout and host backoff as a page; `attempts` counts
 * both methods'. Never rejects.
 */
export async function checkLink(
  task: Task,
  options: FetchOptions,
  context: FetchContext,
): Promise<FetchedPage> {
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  const prior = task.attempts ?? 0;
  const conditional = task.revalidate ?? null;
  const headSpec: RequestSpec = { method: 'HEAD', conditional, fallback: HEAD_FALLBACK_STATUSES };
  const head = await fetchUrl(task.url, 'check', options, context, prior, headSpec);
  let { progress, outcome } = head;
  let spec = headSpec;
  const error = outcome.error;
  const status = progress.status;
  const refused =
    error !== null &&
    outcome.retryAfterMs === null &&
    ((status !== null && HEAD_FALLBACK_STATUSES.has(status)) || HEAD_FALLBACK_CODES.has(error.code));
  if (refused) {
    spec = { method: 'GET', conditional, fallback: null };
    ({ progress, outcome } = await fetchUrl(task.url, 'check', options, context, prior, spec));
    progress.attempts += head.progress.attempts - prior;
  }
  const { headers: _headers, redirectStatuses: _statuses, ...rest } = progress;
  return {
    task,
    ...rest,
    headers: null,
    fetchMs: performance.now() - started,
    startedAt,
    ...(context.lane !== undefined && { lane: context.lane }),
    body: null,
    error: outcome.error,
    retryAfterMs: outcome.retryAfterMs,
    response: responseFacts(progress, spec),
  };
}
