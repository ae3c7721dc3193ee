import type { Writable } from 'node:stream';
import type { PageRecord } from '../types.js';
import { jsonLine } from './json-line.js';
import type { RecordFormat } from './record-formats.js';

/** Writes crawl records to an injected stream in one format, honouring the stream's backpressure. */
export interface RecordWriter {
  write(record: PageRecord): Promise<void>;
  /** Flushes; does not end the stream (it may be stdout). */
  close(): Promise<void>;
  /** The stream's write error, once it failed (EPIPE, ENOSPC); records after it are dropped. */
  readonly failure: NodeJS.ErrnoException | null;
}

/** How one format turns records into text: an optional header, then one chunk per record. */
interface Encoder {
  readonly header: string;
  line(record: PageRecord): string;
}

const JSONL: Encoder = { header: '', line: (record) => `${jsonLine(record)}\n` };

/** What the records hold beyond the usual fields. */
export interface RecordWriterOptions {
  /** Link checking: records carry `check`, which CSV writes as four more columns. @default false */
  readonly linkCheck?: boolean;
}

/** The encoder of a format; CSV (and csv-stringify) is loaded only by a crawl that writes CSV. */
async function encoderOf(format: RecordFormat, options: RecordWriterOptions): Promise<Encoder> {
  if (format === 'jsonl') return JSONL;
  const csv = await import('./csv-records.js');
  return options.linkCheck === true
    ? { header: csv.CSV_CHECK_HEADER, line: csv.csvCheckLine }
    : { header: csv.CSV_HEADER, line: csv.csvLine };
}

/**
 * A {@link RecordWriter} of `format` onto `stream`; in CSV the header goes out once, even with no
 * record. A write error of the stream (a closed pipe, a full disk) is reported once to `onError`,
 * and from then on records are dropped and nobody waits on the stream: the caller stops the crawl.
 */
export async function createRecordWriter(
  format: RecordFormat,
  stream: Writable,
  onError: (error: NodeJS.ErrnoException) => void = () => {},
  options: RecordWriterOptions = {},
): Promise<RecordWriter> {
  const encoder = await encoderOf(format, options);
  let headerWritten = false;
  let failure: NodeJS.ErrnoException | null = null;
  // Chunks are written at once, so records keep their completion order; when the stream's buffer
  // is full, every caller waits on the same 'drain' (one listener, however many pages finish),
  // which a failure of the stream ends too.
  let drain: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (failure !== null) return;
    failure = error;
    drained?.();
    onError(error);
  });
  const writeChunk = async (chunk: string): Promise<void> => {
    if (failure !== null) return;
    if (stream.write(chunk)) return;
    drain ??= new Promise<void>((resolve) => {
      drained = () => {
        stream.off('drain', drained!);
        drained = undefined;
        drain = undefined;
        resolve();
      };
      stream.on('drain', drained);
    });
    await drain;
  };
  const header = (): string => {
    if (headerWritten) return '';
    headerWritten = true;
    return encoder.header;
  };
  return {
    write: (record) => writeChunk(header() + encoder.line(record)),
    async close() {
      const rest = header();
      if (rest !== '') await writeChunk(rest);
    },
    get failure() {
      return failure;
    },
  };
}
