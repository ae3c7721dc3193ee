import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeValue, InvalidOptionError } from '../errors.js';
import type { ExtractFunction, ExtractSpec } from './extract-types.js';
import type { Extractor } from './run-extract.js';

/**
 * Where an extraction module is, as a file URL, and the hash of its content. A path is resolved
 * against `cwd`. Reads the file (and nothing else): a module that cannot be read is refused here,
 * before the crawl starts.
 */
export function extractSpecOf(module: string | URL, cwd: string): ExtractSpec {
  let url: URL;
  if (module instanceof URL) url = module;
  else if (/^file:\/\//i.test(module)) url = new URL(module);
  else url = pathToFileURL(isAbsolute(module) ? module : resolve(cwd, module));
  if (url.protocol !== 'file:') {
    throw new InvalidOptionError(
      `Expected \`extract\` to be a module file (path or file: URL), got ${describeValue(String(module))}`,
    );
  }
  let content: Buffer;
  try {
    content = readFileSync(url);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidOptionError(`cannot read the extraction module ${url.pathname}: ${code}`);
  }
  return { url: url.href, hash: createHash('sha256').update(content).digest('hex') };
}

/**
 * Imports an extraction module and returns its `extract` function. Throws an
 * {@link InvalidOptionError} with one line when it does not load or exports no `extract` function.
 */
export async function loadExtract(spec: ExtractSpec): Promise<ExtractFunction> {
  let module: { extract?: unknown };
  try {
    module = (await import(spec.url)) as { extract?: unknown };
  } catch (error) {
    const reason =
      error instanceof Error ? `${error.name}: ${error.message.split('\n', 1)[0]}` : String(error);
    throw new InvalidOptionError(
      `the extraction module ${new URL(spec.url).pathname} does not load: ${reason}`,
    );
  }
  if (typeof module.extract !== 'function') {
    throw new InvalidOptionError(
      `the extraction module ${new URL(spec.url).pathname} exports no \`extract\` function (got ${describeValue(module.extract)})`,
    );
  }
  return module.extract as ExtractFunction;
}

/**
 * The extractor of a module, for a worker: the module, and the code that runs it (cheerio with it),
 * loaded only by a crawl that has extraction code.
 */
export async function loadExtractor(spec: ExtractSpec): Promise<Extractor> {
  const extract = await loadExtract(spec);
  const { Extractor } = await import('./run-extract.js');
  return new Extractor(extract);
}
