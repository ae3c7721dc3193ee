import type { AcceptList } from '../accept.js';
import type { ResolvedLinkCache } from '../options.js';
import { fileStore } from './file-store.js';
import { type CacheNeeds, LinkCache } from './link-cache.js';

/**
 * Opens the results cache of a crawl and loads it. Never throws: a cache that cannot be read is a
 * problem in its stats, and the crawl runs with an empty one (saved at its end as usual).
 */
export async function openLinkCache(
  options: ResolvedLinkCache,
  accept: AcceptList,
  needs: CacheNeeds,
): Promise<LinkCache> {
  const { store: spec } = options;
  const store =
    spec.kind === 'file'
      ? fileStore(spec.path)
      : (await import('./redis-store.js')).redisStore(
          spec.connection,
          spec.where,
          spec.keyPrefix,
          options.maxEntries,
        );
  const { entries, problems } = await store.load();
  return new LinkCache(store, entries, problems, {
    maxAgeMs: options.maxAgeMs,
    maxEntries: options.maxEntries,
    accept,
    needs,
  });
}
