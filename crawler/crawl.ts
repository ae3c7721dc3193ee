import { setMaxListeners } from 'node:events';
import { type CrawlOptions, type ResolvedCrawlOptions, resolveCrawlOptions } from './options.js';
import { errorRecord, finishPage } from './page.js';
import { poolInternals } from './pool.js';
import { STRATEGIES } from './strategies/registry.js';
import type { StrategyContext, TaskOutcome } from './strategies/strategy.js';
import { type CrawlSummary, SummaryCollector } from './summary.js';
import type { PageRecord, Task } from './types.js';
import { readUrlList, type UrlListSource } from './url-list.js';
import { createDispatcher, fetchResource, type FetchedResource } from './fetch.js';
import { Frontier } from './frontier/frontier.js';
import { type ResolvedFollow, resolveFollow } from './frontier/options.js';
import { RobotsCache } from './frontier/robots.js';
import { readSitemaps, type SitemapEntry } from './frontier/sitemap.js';

/** The completion callback: called on the main thread once per input URL, as each finishes. */
export type OnPage = (record: PageRecord) => void | Promise<void>;

/**
 * Crawls every URL of a list under one strategy and hands each finished page to `onPage` on the
 * main thread, in completion order. Invalid lines become error records without being fetched;
 * repeated URLs are counted and crawled once. Resolves with the summary once every started task is
 * recorded and every worker is gone; rejects only on invalid options or when `onPage` throws.
 *
 * @example
 * const summary = await crawl(['https://example.com/'], { strategy: 'threads' }, (page) => {
 *   console.log(page.url, page.parse?.title);
 * });
 */
export async function crawl(
  source: UrlListSource,
  options: CrawlOptions = {},
  onPage?: OnPage,
): Promise<CrawlSummary> {
  const pool = options.pool ? poolInternals(options.pool) : undefined;
  const resolved: ResolvedCrawlOptions = pool
    ? {
        ...pool.options,
        signal: options.signal,
        abortSignal: options.abortSignal,
        follow: resolveFollow(options, pool.options.worker.parse.parse),
      }
    : resolveCrawlOptions(options);
  const parseIn =
    resolved.strategy === 'threads' || resolved.strategy === 'processes' ? resolved.parseIn : 'main';
  const summary = new SummaryCollector();
  const started = performance.now();
  let exhausted = false;
  let interrupted = false;

  const link = resolved.follow
    ? openFrontier(resolved, resolved.follow, summary, async (page) => {
        await record(page);
      })
    : null;
  /** Records a task's outcome; false when the frontier sent the task back for a later retry. */
  const record = async (page: PageRecord): Promise<boolean> => {
    if (link && !link.frontier.completed(page)) return false;
    summary.add(page);
    await onPage?.(page);
    return true;
  };

  async function* listTasks(): AsyncGenerator<Task> {
    for await (const item of readUrlList(source)) {
      if (item.kind === 'task') yield item.task;
      else if (item.kind === 'duplicate') summary.addDuplicate();
      else await record(errorRecord({ line: item.line, url: item.text }, item.error));
    }
    exhausted = true;
  }

  async function* frontierTasks(frontier: Frontier, sitemaps: SitemapSource): AsyncGenerator<Task> {
    const stop = resolved.signal;
    yield* frontier.tasks(readUrlList(source), sitemaps, stop);
    exhausted = !stop?.aborted;
  }
  const tasks = (): AsyncGenerator<Task> =>
    link ? frontierTasks(link.frontier, link.sitemaps) : listTasks();

  // Every request in flight listens on the abort signal; a private one, linked to the caller's,
  // can take that many listeners without touching the caller's object.
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const onAbort = (): void => abort.abort(resolved.abortSignal?.reason);
  if (resolved.abortSignal?.aborted) onAbort();
  resolved.abortSignal?.addEventListener('abort', onAbort, { once: true });

  let children: { count: number; userCpuMs: number; systemCpuMs: number; maxRssBytes: number } | null = null;
  const context: StrategyContext = {
    config: resolved.worker,
    concurrency: resolved.concurrency,
    parseIn,
    signal: resolved.signal,
    abortSignal: abort.signal,
    onProcessUsage: (usage) => {
      children ??= { count: 0, userCpuMs: 0, systemCpuMs: 0, maxRssBytes: 0 };
      children.count++;
      children.userCpuMs += usage.userCpuMs;
      children.systemCpuMs += usage.systemCpuMs;
      children.maxRssBytes = Math.max(children.maxRssBytes, usage.maxRssBytes);
    },
    ...(pool && { pool: pool.tasks }),
  };
  try {
    if (resolved.distributed) {
      // Not a Strategy: the tasks run in other processes, and a stop leaves the tasks already
      // queued to the workers (they stay in Redis for a resume), so either signal ends the wait.
      const stop = AbortSignal.any([abort.signal, ...(resolved.signal ? [resolved.signal] : [])]);
      // Loaded on demand: BullMQ and ioredis are not for the local strategies to load (or pay for).
      const { runDistributed } = await import('./distributed/coordinator.js');
      const run = link ? { ...resolved.distributed, followsLinks: true } : resolved.distributed;
      const state = await runDistributed(tasks(), run, stop, record);
      interrupted = state === 'interrupted';
    } else if (resolved.strategy !== 'distributed') {
      await STRATEGIES[resolved.strategy].run(tasks(), context, async (outcome) => {
        await record(complete(outcome, resolved));
      });
    }
  } finally {
    resolved.abortSignal?.removeEventListener('abort', onAbort);
    await link?.close();
  }

  return summary.finish({
    state: exhausted && !interrupted ? 'completed' : 'interrupted',
    strategy: resolved.strategy,
    concurrency: resolved.concurrency,
    mode: resolved.mode,
    parseIn,
    wallMs: performance.now() - started,
    childProcesses: children,
    frontier: link?.frontier.stats() ?? null,
  });
}

type SitemapSource = (() => AsyncIterable<SitemapEntry>) | null;

/**
 * The frontier of a link-following crawl, with the main thread's own fetcher for robots.txt and
 * sitemaps (a small keep-alive pool of its own, closed with the crawl).
 */
function openFrontier(
  resolved: ResolvedCrawlOptions,
  follow: ResolvedFollow,
  summary: SummaryCollector,
  emit: (record: PageRecord) => Promise<void>,
): { frontier: Frontier; sitemaps: SitemapSource; close: () => Promise<void> } {
  const dispatcher = createDispatcher({ connections: 4 });
  const get = (url: string): Promise<FetchedResource> =>
    fetchResource(url, resolved.worker.fetch, { dispatcher, signal: resolved.abortSignal });
  const robots =
    follow.obeyRobots || follow.useSitemaps ? new RobotsCache(resolved.worker.fetch.userAgent, get) : null;
  const frontier = new Frontier(follow.frontier, follow.obeyRobots ? robots : null, {
    emit,
    duplicate: () => summary.addDuplicate(),
  });
  for (const sitemap of follow.sitemaps) frontier.addScopeRoot(sitemap);
  const wantSitemaps = follow.sitemaps.length > 0 || follow.useSitemaps;
  const sitemaps: SitemapSource = wantSitemaps
    ? async function* () {
        const roots = [...follow.sitemaps];
        if (follow.useSitemaps && robots) {
          for (const origin of frontier.seedOrigins())
            roots.push(...(await robots.rulesFor(origin)).sitemaps);
        }
        yield* readSitemaps([...new Set(roots)], get, { maxBytes: resolved.worker.fetch.maxBytes });
      }
    : null;
  return { frontier, sitemaps, close: () => dispatcher.close() };
}

/** The main thread's half of the pipeline: parse what a strategy fetched but did not parse. */
function complete(outcome: TaskOutcome, options: ResolvedCrawlOptions): PageRecord {
  return outcome.kind === 'record' ? outcome.record : finishPage(outcome.page, options.worker.parse);
}
