/**
 * The one rule for text from outside (pages, URLs, list lines, Redis, error messages quoting them)
 * that the CLI writes to a terminal: no byte of it may drive the terminal. `\e]0;pwned\a` would set
 * the window title, `\e[2J` clear the screen, a bare CR overwrite the line before it.
 *
 * Every C0 control (TAB, CR and LF included: such text is one line of ours), DEL, every C1 control,
 * U+2028/U+2029 and the bidi embedding, override and isolate controls are replaced by a visible
 * escape: `\x1b`, `\x07`, `\x9b`, `\u202e`. The escape is ASCII, so it survives any terminal, and it
 * says which byte came, which U+FFFD would hide. A backslash itself is left as it is: the output is
 * for reading, not for parsing back.
 *
 * Records on stdout are not text for the terminal: JSONL is JSON (JSON.stringify escapes C0), CSV
 * follows the CSV rule (crawler/output/csv-cell.ts).
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/** One line of outside text, safe for a terminal: every control character shown as an escape. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Several lines of outside text (a stack trace): each line by {@link terminalText}, LF kept. */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}
