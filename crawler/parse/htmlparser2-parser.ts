import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Parser as ParserClass } from 'htmlparser2';

const require = createRequire(import.meta.url);

/**
 * htmlparser2's `Parser`, loaded from the module that defines it.
 *
 * The package's entry point also loads domhandler, domutils, dom-serializer and the whole of
 * entities for its DOM and feed helpers, which crawlbench does not use: 44 ms of the 17 ms +
 * 27 ms a one-URL crawl would spend importing it (`import()` timed alone; see README
 * "Start-up"). htmlparser2 exports only its entry point, so the module is found next to the entry
 * point `require.resolve` returns (its CommonJS build; types come from the package as usual).
 * package-lock.json pins the version; if a later layout moves the file, the entry point is loaded
 * instead, which is slower to start and otherwise the same class.
 */
function loadParser(): typeof ParserClass {
  try {
    const module = require(join(dirname(require.resolve('htmlparser2')), 'Parser.js')) as {
      Parser?: typeof ParserClass;
    };
    if (typeof module.Parser === 'function') return module.Parser;
  } catch {
    // fall through to the entry point
  }
  return (require('htmlparser2') as { Parser: typeof ParserClass }).Parser;
}

export const Parser: typeof ParserClass = loadParser();
export type Parser = ParserClass;
