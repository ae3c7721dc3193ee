import type { Handler } from 'htmlparser2';
import { Parser } from './htmlparser2-parser.js';
import { linearizeParser } from './open-elements.js';

/** Handlers that all see every event of one parse, in order. */
function fanOut(handlers: readonly Partial<Handler>[]): Partial<Handler> {
  if (handlers.length === 1) return handlers[0]!;
  const each =
    <K extends keyof Handler>(name: K) =>
    (...args: Parameters<Handler[K]>): void => {
      for (const handler of handlers)
        (handler[name] as ((...a: Parameters<Handler[K]>) => void) | undefined)?.(...args);
    };
  return {
    onparserinit: each('onparserinit'),
    onreset: each('onreset'),
    onend: each('onend'),
    onerror: each('onerror'),
    onclosetag: each('onclosetag'),
    onopentagname: each('onopentagname'),
    onattribute: each('onattribute'),
    onopentag: each('onopentag'),
    ontext: each('ontext'),
    oncomment: each('oncomment'),
    oncdatastart: each('oncdatastart'),
    oncdataend: each('oncdataend'),
    oncommentend: each('oncommentend'),
    onprocessinginstruction: each('onprocessinginstruction'),
  };
}

let parsed = 0;

/**
 * Documents this thread has parsed so far. What one page costs is a parse or two (the fields, and
 * a DOM when code asks for `$`): the tests count them with this to check that one does both.
 */
export function documentsParsed(): number {
  return parsed;
}

/**
 * Parses a whole HTML document once, handing its events to every handler (the built-in fields,
 * and a tree builder when someone asked for the DOM). Options are htmlparser2's defaults, the ones
 * cheerio's `load` uses, so a DOM built here is the one `load(html)` would build. The Parser runs
 * with linear-time stacks ({@link linearizeParser}): time stays proportional to the page's size on
 * deeply nested or unclosed markup.
 */
export function parseDocumentEvents(html: string, handlers: readonly Partial<Handler>[]): void {
  parsed++;
  const parser = new Parser(fanOut(handlers));
  linearizeParser(parser);
  parser.end(html);
}
