import type { Parser } from 'htmlparser2';

/**
 * A stack kept innermost-first, as htmlparser2's Parser keeps its open elements and its foreign
 * contexts, with every operation the Parser makes in O(1): `[0]`, `shift`, `unshift`, `indexOf`,
 * `length` (read, and set to 0).
 *
 * The Parser keeps both in plain arrays and maintains them with `unshift`/`shift` and `indexOf`,
 * which cost O(depth) each: a page of n unclosed `<div>` takes O(n²) to parse (100,000 of them, a
 * 488 KB page, took 5-13 s, and blocked the event loop that long). Upstream:
 * https://github.com/fb55/htmlparser2/pull/2481 (open). This keeps the Parser's own code and its
 * exact behaviour, and swaps the data structure underneath: items are stored outermost-first in an
 * array (push/pop at the end), and the positions of each value in a map, so the nearest one is found
 * without a scan.
 */
export class InnermostFirst<T> {
  readonly #items: T[] = [];
  /** Positions (in `#items`) of each value, oldest first. */
  readonly #positions = new Map<T, number[]>();

  constructor(...initial: readonly T[]) {
    // `initial` is innermost-first, like the array it replaces.
    for (let i = initial.length - 1; i >= 0; i--) this.unshift(initial[i]!);
  }

  get length(): number {
    return this.#items.length;
  }

  /** The Parser only ever truncates to 0 (in `reset`); anything else keeps the innermost `n`. */
  set length(n: number) {
    const drop = this.#items.length - n;
    if (drop <= 0) return;
    const kept = this.#items.slice(drop);
    this.#items.length = 0;
    this.#positions.clear();
    for (const item of kept) this.unshift(item);
  }

  /** The innermost item. */
  get 0(): T | undefined {
    return this.#items[this.#items.length - 1];
  }

  /** The `index`-th item from the innermost (0). */
  at(index: number): T | undefined {
    return this.#items[this.#items.length - 1 - index];
  }

  /** Adds an innermost item; returns the new length, as `Array#unshift` does. */
  unshift(item: T): number {
    const position = this.#items.push(item) - 1;
    const positions = this.#positions.get(item);
    if (positions === undefined) this.#positions.set(item, [position]);
    else positions.push(position);
    return this.#items.length;
  }

  /** Removes and returns the innermost item. */
  shift(): T | undefined {
    if (this.#items.length === 0) return undefined;
    const item = this.#items.pop()!;
    this.#positions.get(item)!.pop();
    return item;
  }

  /** How far from the innermost the nearest `item` is (0: the innermost), or -1. */
  indexOf(item: T): number {
    const positions = this.#positions.get(item);
    if (positions === undefined || positions.length === 0) return -1;
    return this.#items.length - 1 - positions[positions.length - 1]!;
  }
}

/** The Parser's fields this file swaps; private in its types, plain properties at run time. */
interface ParserInternals {
  stack: unknown;
  foreignContext: unknown;
  htmlMode: boolean;
  cbs: { onclosetag?: (name: string, isImplied: boolean) => void; onend?: () => void };
  endIndex: number;
  startIndex: number;
  onend(): void;
}

/**
 * Makes a Parser's open-element and foreign-context stacks O(1) per operation (see
 * {@link InnermostFirst}); call it right after constructing the Parser, before it parses anything.
 * `onend` is the one Parser method that reads the stack by arbitrary index: it is replaced by the
 * same code over {@link InnermostFirst.at}.
 */
export function linearizeParser(parser: Parser): void {
  const internals = parser as unknown as ParserInternals;
  const stack = new InnermostFirst<string>();
  internals.stack = stack;
  internals.foreignContext = new InnermostFirst<boolean>(!internals.htmlMode);
  internals.onend = function onend(this: ParserInternals): void {
    const onclosetag = this.cbs.onclosetag;
    if (onclosetag) {
      // Set the end index for all remaining tags, as the Parser does.
      this.endIndex = this.startIndex;
      for (let index = 0; index < stack.length; index++) onclosetag.call(this.cbs, stack.at(index)!, true);
    }
    this.cbs.onend?.call(this.cbs);
  };
}
