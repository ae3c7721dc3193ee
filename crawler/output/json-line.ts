/**
 * A record as one line of JSON that is safe on a terminal. JSON.stringify escapes C0 controls
 * (`\u001b`) but writes DEL, the C1 controls (U+0080..U+009F: `\u009b` is CSI to xterm and others,
 * as `\e[` is), U+2028/U+2029 and the bidi controls as they are; they can only sit inside JSON
 * strings, so escaping them as `\uXXXX` keeps the line the same JSON value.
 */

const UNESCAPED = /[\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

const escape = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `JSON.stringify(value)` with the characters above escaped too. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNESCAPED, escape);
}
