import { readFileSync } from 'node:fs';

/** The package version, read from the package.json that ships beside dist/. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The User-Agent header a crawl sends unless told otherwise. */
export const DEFAULT_USER_AGENT = `crawlbench/${VERSION} (+https://www.npmjs.com/package/crawlbench)`;
