/**
 * Escaping for text that reaches a Markdown report: page titles, URLs and error messages come from
 * the crawled pages and must neither break a table nor inject markup into a CI job summary (GitHub
 * renders a subset of HTML in Markdown, so `</details><script>` is a real threat, not a cosmetic one).
 */

// C0 controls (except TAB, LF, CR, which get their own treatment), DEL, C1 controls, and the Unicode
// line/paragraph separators and bidi overrides: invisible in a table, but they reorder or split text.
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAK = /\r\n|[\r\n\t]/g;

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Removes control characters and turns CR, LF and TAB into single spaces. */
function flatten(text: string): string {
  return text.replace(LINE_BREAK, ' ').replace(CONTROL, '');
}

/**
 * Escapes text for HTML content or a double- or single-quoted attribute value, e.g. inside
 * `<summary>`. Control characters are removed; line breaks are kept.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * Escapes text for prose (a list item or a paragraph) on a single line: HTML metacharacters become
 * entities, Markdown metacharacters get a backslash, line breaks become spaces, so the text can
 * neither start a new block nor open an inline construct (emphasis, code, link, autolink, HTML).
 */
export function escapeMarkdownText(text: string): string {
  const escaped = flatten(text)
    // Backslash first, so the backslashes added below are not doubled.
    .replace(/[\\`*_[\]~|]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c);
  // `#`, `-`, `+` or `=` could start a heading, list or setext underline only at the start of a line;
  // callers place the text after other text, but defusing it here keeps the function safe on its own.
  return escaped.replace(/^(\s*)([#+\-=])/, '$1\\$2');
}

/**
 * Escapes text for one cell of a GFM table. On top of {@link escapeMarkdownText}: GFM splits rows on
 * every `|` not preceded by a backslash, even inside code spans, so `\|` is the only safe form; an
 * empty cell becomes a single space so the row keeps its shape.
 */
export function escapeMarkdownCell(text: string): string {
  const escaped = escapeMarkdownText(text).trim();
  return escaped === '' ? ' ' : escaped;
}
