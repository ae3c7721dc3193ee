import type { PageRecord } from '../types.js';
import type { AcceptList } from './accept.js';
import type { LinkOutcome } from './types.js';

/**
 * The verdict on a URL from its record. What decides is the final status: accepted is `ok` (or
 * `redirected`), whatever the record's error says of the body (`NOT_HTML`: a PDF is a fine link;
 * `BODY_TOO_LARGE`, `HTTP_4XX` for an accepted 403). No response at all (a network error, a crash)
 * is `broken`, robots.txt's refusal `excluded`, a 304 to a conditional request `unchanged`.
 */
export function verdictOf(record: PageRecord, accept: AcceptList, conditional: boolean): LinkOutcome {
  if (record.error?.code === 'ROBOTS_DISALLOWED') return 'excluded';
  if (record.status === 304 && conditional) return 'unchanged';
  if (record.status !== null && accept.has(record.status)) return record.redirects > 0 ? 'redirected' : 'ok';
  return 'broken';
}

/** The code a broken URL is counted under: its error's, or `NOT_ACCEPTED` for a status that is no error. */
export function brokenCode(record: PageRecord): string {
  return record.error?.code ?? 'NOT_ACCEPTED';
}
