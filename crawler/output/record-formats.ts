/** The formats crawl records are written in: one JSON object per line, or CSV. */
export type RecordFormat = 'jsonl' | 'csv';
export const RECORD_FORMATS: readonly RecordFormat[] = ['jsonl', 'csv'];
export const DEFAULT_RECORD_FORMAT: RecordFormat = 'jsonl';
