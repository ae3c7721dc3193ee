import { decodeHtml } from './decode.js';
import { type PageError, pageError } from './errors.js';
import type { ParseOptions } from './step-options.js';
import type { Extractor } from './extract/run-extract.js';
import type { LinkFacts } from './parse/link-facts.js';
import { parseHtml } from './parse/parse-html.js';
import { redactCredentials, redactUrl } from './redact.js';
import type { FetchedPage, PageRecord, ParseResult, Task, TaskResult } from './types.js';

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

function redactedParse(withFacts: ParseResult | null): ParseResult | null {
  if (withFacts === null) return null;
  // Link checking's facts go with the task's result (taskResult), never into the record.
  let parse = withFacts;
  if (withFacts.linkCheck !== undefined) {
    const { linkCheck: _facts, ...rest } = withFacts;
    parse = rest;
  }
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
  return finished(fetched, options).record;
}

/** A finished page: its record, and what its parse found for link checking. */
interface Finished {
  readonly record: PageRecord;
  readonly facts: LinkFacts | null;
}

const factsOf = (parse: ParseResult | null): LinkFacts | null => parse?.linkCheck ?? null;

function finished(fetched: FetchedPage, options: ParseOptions): Finished {
  const plain = (r: PageRecord): Finished => ({ record: r, facts: null });
  if (fetched.error !== null) return plain(record(fetched, null, 0, fetched.error));
  if (!options.parse || fetched.body === null) return plain(record(fetched, null, 0, null));

  const start = performance.now();
  let html: string;
  try {
    html = decodeHtml(fetched.body, fetched.contentType);
  } catch (error) {
    const failure = pageError('DECODE_ERROR', `could not decode the body: ${messageOf(error)}`);
    return plain(record(fetched, null, performance.now() - start, failure));
  }
  try {
    const parse = parseHtml(html, fetched.finalUrl ?? fetched.task.url, options);
    return { record: record(fetched, parse, performance.now() - start, null), facts: factsOf(parse) };
  } catch (error) {
    const failure = pageError('PARSE_ERROR', `could not parse the page: ${messageOf(error)}`);
    return plain(record(fetched, null, performance.now() - start, failure));
  }
}

/** Resource URLs may carry a password too: hidden as in the record's links. */
function redactedFacts(facts: LinkFacts): LinkFacts {
  if (!facts.resources.some(([url]) => url.includes('@'))) return facts;
  return { ...facts, resources: facts.resources.map(([url, element]) => [redactUrl(url), element] as const) };
}

/**
 * The task's result: its record, and, in a link-checking crawl (the fetch reported its response),
 * how the response came and what the parse found for the checker.
 */
function taskResult(fetched: FetchedPage, done: Finished): TaskResult {
  const result = { record: done.record, retryAfterMs: fetched.retryAfterMs };
  if (fetched.response === undefined) return result;
  const links = done.facts === null ? null : redactedFacts(done.facts);
  return { ...result, linkCheck: { response: fetched.response, links } };
}

/** {@link finishPage}, as the task's result ({@link taskResult}). */
export function finishTask(fetched: FetchedPage, options: ParseOptions): TaskResult {
  return taskResult(fetched, finished(fetched, options));
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
  return (await finishedExtracting(fetched, options, extractor, timeoutMs)).record;
}

/** {@link finishPageExtracting}, as the task's result ({@link taskResult}). */
export async function finishTaskExtracting(
  fetched: FetchedPage,
  options: ParseOptions,
  extractor: Extractor,
  timeoutMs: number,
): Promise<TaskResult> {
  return taskResult(fetched, await finishedExtracting(fetched, options, extractor, timeoutMs));
}

async function finishedExtracting(
  fetched: FetchedPage,
  options: ParseOptions,
  extractor: Extractor,
  timeoutMs: number,
): Promise<Finished> {
  const plain = (r: PageRecord): Finished => ({ record: { ...r, data: null }, facts: null });
  if (fetched.error !== null || fetched.body === null) return plain(finishPage(fetched, options));
  const start = performance.now();
  let html: string;
  try {
    html = decodeHtml(fetched.body, fetched.contentType);
  } catch (error) {
    const failure = pageError('DECODE_ERROR', `could not decode the body: ${messageOf(error)}`);
    return plain(record(fetched, null, performance.now() - start, failure));
  }
  try {
    const base = fetched.finalUrl ?? fetched.task.url;
    const { parse, data, error } = await extractor.run(fetched, html, base, options, timeoutMs);
    return {
      record: { ...record(fetched, parse, performance.now() - start, error), data },
      facts: factsOf(parse),
    };
  } catch (error) {
    const failure = pageError('PARSE_ERROR', `could not parse the page: ${messageOf(error)}`);
    return plain(record(fetched, null, performance.now() - start, failure));
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
