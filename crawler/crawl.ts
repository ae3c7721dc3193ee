import { setMaxListeners } from 'node:events';
import { type CrawlOptions, type ResolvedCrawlOptions, resolveCrawlOptions } from './options.js';
import { ListSource } from './sources/list-source.js';
import type { SourceHooks, TaskSource } from './sources/task-source.js';
import { createRunner } from './strategies/registry.js';
import type { RunOutcome } from './strategies/runner.js';
import { type PageFinisher, pageFinisher } from './strategies/worker-outcome.js';
import { type CrawlSummary, SummaryCollector } from './summary.js';
import { TimelineKeeper } from './timeline.js';
import type { PageRecord } from './types.js';
import type { UrlListSource } from './url-list.js';

/** The completion callback: called on the main thread once per input URL, as each finishes. */
export type OnPage = (record: PageRecord) => void | Promise<void>;

/**
 * Crawls every URL of a list under one strategy and hands each finished page to `onPage` on the
 * main thread, in completion order. Invalid lines become error records without being fetched;
 * repeated URLs are counted and crawled once. Resolves with the summary once every started task is
 * recorded and every worker is gone; rejects only on invalid options, an environment failure
 * (Redis gone for a distributed crawl) or when `onPage` throws.
 *
 * A crawl is plain composition: a task source (the list, or the link-following frontier) feeds a
 * runner (the strategy), whose results go back to the source and, when final, to `onPage`.
 *
 * @example
 * const summary = await crawl(['https://example.com/'], { strategy: 'threads' }, (page) => {
 *   console.log(page.url, page.parse?.title);
 * });
 */
export function crawl(
  list: UrlListSource,
  options: CrawlOptions = {},
  onPage?: OnPage,
): Promise<CrawlSummary> {
  let resolved: ResolvedCrawlOptions;
  try {
    resolved = resolveCrawlOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return runCrawl(list, resolved, onPage);
}

/**
 * {@link crawl} with options already resolved by `resolveCrawlOptions`, for a caller that validates
 * them before it does anything else (the CLI: a bad option exits before any file or site is opened).
 */
export async function runCrawl(
  list: UrlListSource,
  resolved: ResolvedCrawlOptions,
  onPage?: OnPage,
): Promise<CrawlSummary> {
  // Before anything starts: a module that does not load fails the crawl before any request.
  const finisher = await mainFinisher(resolved);
  const summary = new SummaryCollector();
  const started = performance.now();
  const withData = resolved.extract !== null;
  const hooks: SourceHooks = {
    emit: async (page) => {
      // With extraction code every record has `data`, also those no code ran for.
      const record = withData && page.data === undefined ? { ...page, data: null } : page;
      summary.add(record);
      await onPage?.(record);
    },
    duplicate: () => summary.addDuplicate(),
  };

  // Every request in flight listens on the abort signal; a private one, linked to the caller's,
  // can take that many listeners without touching the caller's object.
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const onAbort = (): void => abort.abort(resolved.abortSignal?.reason);
  if (resolved.abortSignal?.aborted) onAbort();
  resolved.abortSignal?.addEventListener('abort', onAbort, { once: true });

  const source = await openSource(list, resolved, hooks, abort.signal);
  const timeline = resolved.timeline ? new TimelineKeeper(resolved.timeline) : null;
  let outcome: RunOutcome;
  try {
    const runner = await createRunner(resolved);
    const tasks = source.tasks(resolved.signal);
    outcome = await runner.run(
      timeline ? timeline.stamp(tasks) : tasks,
      {
        signal: resolved.signal,
        abortSignal: abort.signal,
        finisher,
        source,
      },
      async (result) => {
        timeline?.finished(result);
        const settled = source.settle(result);
        if (settled.final) await hooks.emit(settled.record ?? result.record);
      },
    );
  } finally {
    resolved.abortSignal?.removeEventListener('abort', onAbort);
    await source.close();
  }

  return summary.finish({
    state: source.exhausted && !outcome.interrupted ? 'completed' : 'interrupted',
    strategy: resolved.strategy,
    concurrency: resolved.concurrency,
    perWorker: resolved.kind === 'pooled' ? resolved.perWorker : 1,
    mode: resolved.mode,
    parseIn: resolved.parseIn,
    wallMs: performance.now() - started,
    childProcesses: outcome.childProcesses,
    frontier: source.stats(),
    linkCheck: source.linkCheck?.() ?? null,
  });
}

/**
 * The main thread's end of the page pipeline, with the crawl's extraction code when the main thread
 * runs it (serial, async, a pool parsing in main). A module is loaded here in every case, so one
 * that does not load, or exports no `extract`, fails the crawl with `INVALID_OPTION` at once.
 */
async function mainFinisher(resolved: ResolvedCrawlOptions): Promise<PageFinisher> {
  const extract = resolved.extract;
  const trace = resolved.worker.trace === true;
  if (extract === null) return pageFinisher(resolved.worker.parse, null, trace);
  const { loadExtract } = await import('./extract/load-extract.js');
  const fn = extract.kind === 'function' ? extract.fn : await loadExtract(extract.spec);
  const { Extractor } = await import('./extract/run-extract.js');
  return pageFinisher(
    resolved.worker.parse,
    { extractor: new Extractor(fn), timeoutMs: resolved.worker.fetch.timeoutMs },
    trace,
  );
}

/** The list as it is, or the frontier that follows its links (loaded only then: robots, sitemaps, scopes). */
async function openSource(
  list: UrlListSource,
  resolved: ResolvedCrawlOptions,
  hooks: SourceHooks,
  abortSignal: AbortSignal,
): Promise<TaskSource> {
  if (resolved.follow === null) return new ListSource(list, hooks);
  const { openFrontier } = await import('./frontier/open.js');
  const linkCheck =
    resolved.linkCheck === null
      ? null
      : { options: resolved.linkCheck, extracting: resolved.extract !== null };
  return openFrontier(list, resolved.follow, resolved.worker.fetch, hooks, abortSignal, linkCheck);
}
