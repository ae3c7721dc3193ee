/**
 * The one rule for CSV cells whose text comes from outside (pages, URLs, list lines, messages):
 * the crawl records' CSV and the bench CSV both use it. Cells of numbers we write ourselves do not
 * go through it, so they stay numbers in a spreadsheet.
 *
 * 1. Control characters never reach the file: CR and CRLF become LF, as do U+2028 and U+2029 (a
 *    line break inside a quoted cell is plain RFC 4180, shown as a line break in the cell); TAB
 *    becomes a space (importers that guess the delimiter may split on it); every other C0 control,
 *    DEL, every C1 control and the bidi embedding, override and isolate controls (which reorder
 *    what a reader sees) are removed.
 * 2. Formula injection, as OWASP recommends (https://owasp.org/www-community/attacks/CSV_Injection):
 *    a cell whose first character is `=`, `+`, `-` or `@` (or their fullwidth forms, which some
 *    spreadsheet locales read the same way) gets a leading `'`, which spreadsheets take as "this is
 *    text". Leading whitespace does not hide the trigger — OWASP's TAB and CR cases (`\t=1`) are
 *    whitespace before `=`, and some importers trim spaces — so the first non-whitespace character
 *    is the one checked: `' =1`. csv-stringify then quotes the cell when it holds a comma, a quote
 *    or a line break, which keeps a separator inside the text from starting a new cell.
 */

// C0 except TAB/LF/CR (handled first), DEL, C1, and the bidi controls LRE..RLO, LRI..PDI.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;
const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

/** `text` made safe for one CSV cell: no control character, and no formula (see the module rule). */
export function csvText(text: string): string {
  const clean = text.replace(LINE_BREAK, '\n').replaceAll('\t', ' ').replace(CONTROL, '');
  return FORMULA_START.test(clean) ? `'${clean}` : clean;
}
