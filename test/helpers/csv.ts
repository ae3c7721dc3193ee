import { parse } from 'csv-parse/sync';

/**
 * The rows of a CSV text, read by csv-parse (RFC 4180: quoted fields, doubled quotes, CRLF or LF),
 * a reader independent of the writer (csv-stringify) whose output it checks.
 */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: true }) as string[][];
}

/** Rows as objects keyed by the header row's names. */
export function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i] ?? ''])));
}
