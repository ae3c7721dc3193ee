import { decodeHtml } from './decode.js';
import { type PageError, pageError } from './errors.js';
import type { ParseOptions } from './step-options.js';
import type { Extractor } from './extract/run-extract.js';
import { parseHtml } from './parse/parse-html.js';
import { redactCredentials, redactUrl } from './redact.js';
import type { FetchedPage, PageRecord, ParseResult, Task } from './types.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Every record is built by `record` or `errorRecord`, and both hide URL passwords here, once: the
// task keeps its URL as given (dedup and the list's lines are unchanged), while everything a record
// carries out (JSONL, CSV, bench failures, a distributed run's Redis) shows `user:***@`. Page text
// (title, description, extracted data) is the page's own and is kept as it is.

function redactedError(error: PageError | null): PageError | null {
  if (error === null) return null;
  const message = redactCredentials(error.message);
  return message === error.message ? error : { ...error, message };
}

function redactedParse(parse: ParseResult | null): ParseResult | null {
  if (parse === null) return null;
  const canonical = parse.canonical === null ? null : redactUrl(parse.canonical);
  // Links are copied only when one of them has a user part (a page may have 200k links).
  const links = parse.links.some((link) => link.includes('@')) ? parse.links.map(redactUrl) : parse.links;
  return canonical === parse.canonical && links === parse.links ? parse : { ...parse, canonical, links };
}

function record(
  fetched: FetchedPage,
  parse: ParseResult | null,
  parseMs: number,
  error: PageError | null,
): PageRecord {
  const { task } = fetched;
  return {
    line: task.line,
    url: redactUrl(task.url),
    depth: task.depth ?? 0,
    referrer: task.referrer == null ? null : redactUrl(task.referrer),
    finalUrl: fetched.finalUrl === null ? null : redactUrl(fetched.finalUrl),
    status: fetched.status,
    contentType: fetched.contentType,
    bytes: fetched.bytes,
    redirects: fetched.redirects,
    attempts: fetched.attempts,
    timings: {
      ttfbMs: fetched.ttfbMs,
      fetchMs: fetched.fetchMs,
      parseMs,
      totalMs: fetched.fetchMs + parseMs,
    },
    parse: redactedParse(parse),
    error: redactedError(error),
  };
}

/**
 * The last steps of the page pipeline (fetch -> decode -> parse -> record): turns a fetched page into
 * its one {@link PageRecord}. Never throws: a failing decode or parse becomes the record's error
 * (`DECODE_ERROR`, `PARSE_ERROR`), so one bad page cannot take a worker down.
 *
 * `parseMs` covers decode and parse, also when they fail; it is 0 when nothing was parsed.
 */
export function finishPage(fetched: FetchedPage, options: ParseOptions): PageRecord {
  if (fetched.error !== null) return record(fetched, null, 0, fetched.error);
  if (!options.parse || fetched.body === null) return record(fetched, null, 0, null);

  const start = performance.now();
  let html: string;
  try {
    html = decodeHtml(fetched.body, fetched.contentType);
  } catch (error) {
    const failure = pageError('DECODE_ERROR', `could not decode the body: ${messageOf(error)}`);
    return record(fetched, null, performance.now() - start, failure);
  }
  try {
    const parse = parseHtml(html, fetched.finalUrl ?? fetched.task.url, options);
    return record(fetched, parse, performance.now() - start, null);
  } catch (error) {
    const failure = pageError('PARSE_ERROR', `could not parse the page: ${messageOf(error)}`);
    return record(fetched, null, performance.now() - start, failure);
  }
}

/**
 * {@link finishPage} with extraction code: decode, then the code (with the built-in fields and `$`
 * built as it asks for them), then the record with its `data`. Never throws either: code that throws
 * or returns what is not JSON gives `EXTRACT_FAILED`, and the record keeps its fetch fields and the
 * built-in ones. `parseMs` covers the decode, the parse and the extraction.
 */
export async function finishPageExtracting(
  fetched: FetchedPage,
  options: ParseOptions,
  extractor: Extractor,
  timeoutMs: number,
): Promise<PageRecord> {
  if (fetched.error !== null || fetched.body === null) return { ...finishPage(fetched, options), data: null };
  const start = performance.now();
  let html: string;
  try {
    html = decodeHtml(fetched.body, fetched.contentType);
  } catch (error) {
    const failure = pageError('DECODE_ERROR', `could not decode the body: ${messageOf(error)}`);
    return { ...record(fetched, null, performance.now() - start, failure), data: null };
  }
  try {
    const base = fetched.finalUrl ?? fetched.task.url;
    const { parse, data, error } = await extractor.run(fetched, html, base, options, timeoutMs);
    return { ...record(fetched, parse, performance.now() - start, error), data };
  } catch (error) {
    const failure = pageError('PARSE_ERROR', `could not parse the page: ${messageOf(error)}`);
    return { ...record(fetched, null, performance.now() - start, failure), data: null };
  }
}

/**
 * The record of a task that never produced a fetched page: an invalid list line, a task lost with a
 * crashed worker, a task aborted before or while in flight.
 *
 * @param attempts - HTTP attempts known to have been made, if any.
 */
export function errorRecord(task: Task, error: PageError, attempts = 0): PageRecord {
  return {
    line: task.line,
    url: redactUrl(task.url),
    depth: task.depth ?? 0,
    referrer: task.referrer == null ? null : redactUrl(task.referrer),
    finalUrl: null,
    status: null,
    contentType: null,
    bytes: 0,
    redirects: 0,
    attempts,
    timings: { ttfbMs: null, fetchMs: 0, parseMs: 0, totalMs: 0 },
    parse: null,
    error: redactedError(error),
  };
}
