import { describeValue, InvalidOptionError } from '../errors.js';

/** Smallest and largest status an accept list may name (lychee's bounds). */
const MIN = 100;
const MAX = 999;
// lychee's grammar: `404`, `200..300` (end excluded), `200..=299` (end included), `..400`, `500..`.
const RANGE = /^(\d+)?\.\.(=)?(\d+)?$|^(\d+)$/;

/** The statuses a link-checking crawl takes for "not broken". */
export class AcceptList {
  readonly #accepted: Uint8Array;
  /** The list as given, normalized (`200..=299,403`). */
  readonly text: string;

  private constructor(accepted: Uint8Array, text: string) {
    this.#accepted = accepted;
    this.text = text;
  }

  /**
   * Parses lychee's notation: comma-separated codes and ranges, `200..=299` including its end,
   * `200..300` excluding it, either bound left out (`..400`, `500..`, from 100 to 999). A list of
   * numbers works too. Throws {@link InvalidOptionError} saying what was expected and what came.
   */
  static parse(value: string | readonly number[]): AcceptList {
    const accepted = new Uint8Array(MAX + 1);
    const parts: string[] = [];
    const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
    if (typeof value !== 'string' && !Array.isArray(value)) throw invalid(value);
    for (const item of items) {
      const [start, end] = typeof item === 'number' ? [item, item] : range(item, value);
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < MIN || end > MAX || start > end) {
        throw invalid(value);
      }
      accepted.fill(1, start, end + 1);
      parts.push(start === end ? String(start) : `${start}..=${end}`);
    }
    if (parts.length === 0) throw invalid(value);
    return new AcceptList(accepted, parts.join(','));
  }

  /** Whether `status` is accepted. */
  has(status: number): boolean {
    return status >= MIN && status <= MAX && this.#accepted[status] === 1;
  }
}

/** `[first, last]` of one item of the list (both included). */
function range(item: string, whole: unknown): [number, number] {
  const match = RANGE.exec(item);
  if (match === null) throw invalid(whole);
  const [, from, inclusive, to, single] = match;
  if (single !== undefined) return [Number(single), Number(single)];
  const start = from === undefined ? MIN : Number(from);
  if (to === undefined) {
    // `200..=` names no end.
    if (inclusive !== undefined) throw invalid(whole);
    return [start, MAX];
  }
  return [start, inclusive === undefined ? Number(to) - 1 : Number(to)];
}

function invalid(value: unknown): InvalidOptionError {
  return new InvalidOptionError(
    'Expected `accept` to be status codes and ranges between 100 and 999, comma-separated as lychee ' +
      `writes them (e.g. "200..=299,403,429"; "200..300" leaves out 300), got ${describeValue(value)}`,
  );
}
