import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { PageRecord } from '../crawler/types.js';

/** The formats crawl records can be written in: one JSON object per line, or CSV with a header. */
export type RecordFormat = 'jsonl' | 'csv';
/** Every record format, in the order the CLI lists them. */
export const RECORD_FORMATS: readonly RecordFormat[] = ['jsonl', 'csv'];

/** Writes crawl records to an injected stream in one format, honouring the stream's backpressure. */
export interface RecordWriter {
  write(record: PageRecord): Promise<void>;
  /** Flushes; does not end the stream (it may be stdout). */
  close(): Promise<void>;
}

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
  'error_code',
  'error_message',
] as const;

const CSV_HEADER = stringify([[...CSV_COLUMNS]]);

const round = (ms: number | null): string => (ms === null ? '' : ms.toFixed(3));

/** One record as a CSV row, cell for cell in {@link CSV_COLUMNS} order; an absent value is an empty cell. */
export function csvRow(r: PageRecord): string[] {
  const p = r.parse;
  return [
    String(r.line),
    r.url,
    String(r.depth),
    r.referrer ?? '',
    r.finalUrl ?? '',
    r.status === null ? '' : String(r.status),
    r.contentType ?? '',
    String(r.bytes),
    String(r.redirects),
    String(r.attempts),
    round(r.timings.ttfbMs),
    round(r.timings.fetchMs),
    round(r.timings.parseMs),
    round(r.timings.totalMs),
    p?.title ?? '',
    p?.description ?? '',
    p?.canonical ?? '',
    p?.lang ?? '',
    p ? String(p.h1Count) : '',
    p ? String(p.links.length) : '',
    p ? String(p.wordCount) : '',
    p?.textHash ?? '',
    p?.cpuDigest ?? '',
    r.error?.code ?? '',
    r.error?.message ?? '',
  ];
}

/** A {@link RecordWriter} of `format` onto `stream`; in CSV the header goes out once, even with no record. */
export function createRecordWriter(format: RecordFormat, stream: Writable): RecordWriter {
  let headerWritten = false;
  // Chunks are written at once, so records keep their completion order; when the stream's buffer
  // is full, every caller waits on the same 'drain' (one listener, however many pages finish).
  let drain: Promise<void> | undefined;
  const writeChunk = async (chunk: string): Promise<void> => {
    if (stream.write(chunk)) return;
    drain ??= once(stream, 'drain').then(() => {
      drain = undefined;
    });
    await drain;
  };
  return {
    async write(record) {
      if (format === 'jsonl') return writeChunk(`${JSON.stringify(record)}\n`);
      // CSV cells can hold anything a page says: csv-stringify quotes commas, quotes and newlines.
      const header = headerWritten ? '' : CSV_HEADER;
      headerWritten = true;
      return writeChunk(header + stringify([csvRow(record)]));
    },
    async close() {
      if (format === 'csv' && !headerWritten) {
        headerWritten = true;
        await writeChunk(CSV_HEADER);
      }
    },
  };
}
