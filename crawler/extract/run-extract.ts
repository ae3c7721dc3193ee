import { type CheerioAPI, load } from 'cheerio/slim';
import type { Document } from 'domhandler';
import { type PageError, pageError } from '../errors.js';
import { parseHtml, parseHtmlWithDocument } from '../parse/parse-html.js';
import { timerMs } from '../retry.js';
import type { ParseOptions } from '../step-options.js';
import type { FetchedPage, JsonValue, ParseResult } from '../types.js';
import type { ExtractFunction, ExtractPage } from './extract-types.js';

/** The largest `data` a page may return, as JSON text. */
export const MAX_DATA_BYTES = 1024 * 1024;

/** What extraction made of a page. */
export interface Extracted {
  /** The built-in fields (null with `parse: false`). */
  readonly parse: ParseResult | null;
  readonly data: JsonValue;
  /** `EXTRACT_FAILED` when the code threw, timed out or returned something that is not JSON. */
  readonly error: PageError | null;
}

/**
 * Runs extraction code on the pages of one thread or process. It learns whether the code reads
 * `$`: once a page did, later pages build the DOM and the built-in fields in one parse.
 */
export class Extractor {
  readonly #extract: ExtractFunction;
  #wantsDom = false;

  constructor(extract: ExtractFunction) {
    this.#extract = extract;
  }

  /**
   * Builds the page object (the built-in fields and `$` lazily, sharing one parse when both are
   * needed), runs the code with the page's `timeoutMs` as a deadline, and checks what it returned.
   */
  async run(
    fetched: FetchedPage,
    html: string,
    base: string,
    options: ParseOptions,
    timeoutMs: number,
  ): Promise<Extracted> {
    let fields: ParseResult | null = null;
    let document: Document | null = null;
    let $: CheerioAPI | null = null;
    const parseBoth = (): void => {
      const parsed = parseHtmlWithDocument(html, base, options);
      fields = parsed.result;
      document = parsed.document;
    };
    const builtIn = (): ParseResult => {
      if (fields === null) {
        if (this.#wantsDom) parseBoth();
        else fields = parseHtml(html, base, options);
      }
      return fields!;
    };
    const dom = (): CheerioAPI => {
      this.#wantsDom = true;
      if ($ === null) {
        if (document === null) {
          if (fields === null) parseBoth();
          else document = parseHtmlWithDocument(html, base, options).document;
        }
        $ = load(document!);
      }
      return $;
    };
    const page: ExtractPage = {
      url: fetched.task.url,
      finalUrl: fetched.finalUrl ?? fetched.task.url,
      status: fetched.status ?? 0,
      headers: fetched.headers ?? {},
      html,
      depth: fetched.task.depth ?? 0,
      referrer: fetched.task.referrer ?? null,
      get parse() {
        return options.parse ? builtIn() : null;
      },
      get $() {
        return dom();
      },
    };
    let data: JsonValue = null;
    let error: PageError | null = null;
    try {
      const value = await withDeadline(
        Promise.resolve().then(() => this.#extract(page)),
        timeoutMs,
      );
      const json = toJson(value);
      if (typeof json === 'string') error = pageError('EXTRACT_FAILED', json);
      else data = json.value;
    } catch (thrown) {
      const message =
        thrown instanceof DeadlineExceeded
          ? `extract ${thrown.message}`
          : `extract threw: ${messageOf(thrown)}`;
      error = pageError('EXTRACT_FAILED', message);
    }
    return { parse: options.parse ? builtIn() : null, data, error };
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

class DeadlineExceeded extends Error {}

/** Resolves as `work` does, or rejects once `ms` have passed; an async extract must not hang a crawl. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceeded(`did not finish within ${ms} ms (timeoutMs)`)),
      timerMs(ms),
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * `value` as JSON, or why it is not: JSON types only (plain objects and arrays of them, finite
 * numbers, strings, booleans, null; a Date becomes its ISO string, as JSON.stringify makes it),
 * no cycles, at most {@link MAX_DATA_BYTES}. `undefined` is no data (null).
 */
export function toJson(value: unknown): { readonly value: JsonValue } | string {
  if (value === undefined) return { value: null };
  const seen = new Set<object>();
  const check = (v: unknown, path: string): string | null => {
    // undefined inside an object or array is what JSON.stringify drops (or writes as null).
    if (v === undefined || v === null || typeof v === 'string' || typeof v === 'boolean') return null;
    if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} is ${v}, which JSON cannot hold`;
    if (typeof v !== 'object') return `${path} is a ${typeof v}, not JSON`;
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? `${path} is an invalid Date` : null;
    if (seen.has(v)) return `${path} refers back to itself (a cycle)`;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const problem = check(v[i], `${path}[${i}]`);
        if (problem !== null) return problem;
      }
    } else {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
        return `${path} is a ${name}, not a plain object`;
      }
      for (const [key, item] of Object.entries(v)) {
        const problem = check(item, `${path}.${key}`);
        if (problem !== null) return problem;
      }
    }
    seen.delete(v);
    return null;
  };
  const problem = check(value, 'the result');
  if (problem !== null) return `extract returned something that is not JSON: ${problem}`;
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > MAX_DATA_BYTES) {
    return `extract returned more than ${MAX_DATA_BYTES} bytes of JSON`;
  }
  return { value: JSON.parse(text) as JsonValue };
}
