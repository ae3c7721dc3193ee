import { createDispatcher, fetchResource, type FetchedResource } from '../fetch.js';
import type { LinkChecker } from '../link-check/link-checker.js';
import type { ResolvedLinkCheck } from '../link-check/options.js';
import type { SourceHooks } from '../sources/task-source.js';
import type { FetchOptions } from '../step-options.js';
import { readUrlList, type UrlListSource } from '../url-list.js';
import { Frontier } from './frontier.js';
import type { ResolvedFollow } from './options.js';
import { RobotsCache } from './robots.js';
import { readSitemaps } from './sitemap.js';

/**
 * The link checker of a crawl with `checkLinks`, its results cache loaded (each loaded on demand:
 * a crawl without them pays for neither). Pages are revalidated only without extraction code,
 * whose `data` a 304 could not give.
 */
async function openChecker(linkCheck: ResolvedLinkCheck, extracting: boolean): Promise<LinkChecker> {
  const { LinkChecker } = await import('../link-check/link-checker.js');
  if (linkCheck.cache === null) return new LinkChecker(linkCheck, null);
  const { openLinkCache } = await import('../link-check/cache/open-cache.js');
  const cache = await openLinkCache(linkCheck.cache, linkCheck.accept, {
    resources: linkCheck.resources,
    fragments: linkCheck.fragments,
    pages: !extracting,
  });
  return new LinkChecker(linkCheck, cache);
}

/**
 * The frontier of a link-following crawl over `list`, with the main thread's own fetcher for
 * robots.txt and sitemaps (a small keep-alive pool of its own, closed with the frontier), and
 * link checking's side when the crawl checks links.
 */
export async function openFrontier(
  list: UrlListSource,
  follow: ResolvedFollow,
  fetchOptions: FetchOptions,
  hooks: SourceHooks,
  abortSignal: AbortSignal | undefined,
  linkCheck: { readonly options: ResolvedLinkCheck; readonly extracting: boolean } | null = null,
): Promise<Frontier> {
  const checker = linkCheck === null ? null : await openChecker(linkCheck.options, linkCheck.extracting);
  const dispatcher = createDispatcher({ connections: 4 });
  const get = (url: string): Promise<FetchedResource> =>
    fetchResource(url, fetchOptions, { dispatcher, signal: abortSignal });
  const robots =
    follow.obeyRobots || follow.useSitemaps ? new RobotsCache(fetchOptions.userAgent, get) : null;
  const wantSitemaps = follow.sitemaps.length > 0 || follow.useSitemaps;
  const frontier = new Frontier(follow.frontier, {
    seeds: readUrlList(list),
    robots: follow.obeyRobots ? robots : null,
    hooks,
    checker,
    sitemaps: wantSitemaps
      ? async function* (seedOrigins) {
          const roots = [...follow.sitemaps];
          if (follow.useSitemaps && robots) {
            for (const origin of seedOrigins) roots.push(...(await robots.rulesFor(origin)).sitemaps);
          }
          yield* readSitemaps([...new Set(roots)], get, { maxBytes: fetchOptions.maxBytes });
        }
      : null,
    close: () => dispatcher.close(),
  });
  for (const sitemap of follow.sitemaps) frontier.addScopeRoot(sitemap);
  return frontier;
}
