import { stringify } from 'csv-stringify/sync';
import type { PageRecord } from '../types.js';
import { csvText } from './csv-cell.js';

/** The CSV columns, in order: the record flattened, links reduced to their count. */
export const CSV_COLUMNS = [
  'line',
  'url',
  'depth',
  'referrer',
  'final_url',
  'status',
  'content_type',
  'bytes',
  'redirects',
  'attempts',
  'ttfb_ms',
  'fetch_ms',
  'parse_ms',
  'total_ms',
  'title',
  'description',
  'canonical',
  'lang',
  'h1_count',
  'link_count',
  'word_count',
  'text_hash',
  'cpu_digest',
  'data',
  'error_code',
  'error_message',
] as const;

/** The header line. */
export const CSV_HEADER = stringify([[...CSV_COLUMNS]]);

/** Columns a link-checking crawl adds at the end: its records' `check`. */
export const CSV_CHECK_COLUMNS = ['check_kind', 'check_outcome', 'check_method', 'check_cache'] as const;

/** The header line of a link-checking crawl. */
export const CSV_CHECK_HEADER = stringify([[...CSV_COLUMNS, ...CSV_CHECK_COLUMNS]]);

const round = (ms: number | null): string => (ms === null ? '' : ms.toFixed(3));

/** Text from outside (a page, a URL, a list line, a message) as a cell; absent is an empty cell. */
const text = (value: string | null | undefined): string => (value == null ? '' : csvText(value));

/**
 * One record as a CSV row, cell for cell in {@link CSV_COLUMNS} order; an absent value is an empty
 * cell. Numbers, codes and our own hashes are written as they are; every other cell goes through
 * {@link csvText} (no control characters, formulas neutralised with a leading `'`).
 */
export function csvRow(r: PageRecord): string[] {
  const p = r.parse;
  return [
    String(r.line),
    text(r.url),
    String(r.depth),
    text(r.referrer),
    text(r.finalUrl),
    r.status === null ? '' : String(r.status),
    text(r.contentType),
    String(r.bytes),
    String(r.redirects),
    String(r.attempts),
    round(r.timings.ttfbMs),
    round(r.timings.fetchMs),
    round(r.timings.parseMs),
    round(r.timings.totalMs),
    text(p?.title),
    text(p?.description),
    text(p?.canonical),
    text(p?.lang),
    p ? String(p.h1Count) : '',
    p ? String(p.links.length) : '',
    p ? String(p.wordCount) : '',
    p?.textHash ?? '',
    p?.cpuDigest ?? '',
    r.data === undefined || r.data === null ? '' : csvText(JSON.stringify(r.data)),
    r.error?.code ?? '',
    text(r.error?.message),
  ];
}

/** One record as a CSV line; csv-stringify quotes commas, quotes and newlines. */
export function csvLine(record: PageRecord): string {
  return stringify([csvRow(record)]);
}

/** {@link csvLine} with the {@link CSV_CHECK_COLUMNS} (our own words: no cleaning needed). */
export function csvCheckLine(record: PageRecord): string {
  const c = record.check;
  return stringify([[...csvRow(record), c?.kind ?? '', c?.outcome ?? '', c?.method ?? '', c?.cache ?? '']]);
}
