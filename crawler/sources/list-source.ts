import { errorRecord } from '../page.js';
import { readUrlList, untilStopped, type UrlListSource } from '../url-list.js';
import type { FrontierStats } from '../frontier/frontier-stats.js';
import type { Task } from '../types.js';
import { FINAL, type Settlement, type SourceHooks, type TaskSource } from './task-source.js';

/**
 * A plain list crawl: every valid, distinct URL of the list once, as written. Invalid lines become
 * error records; repeats are counted. Every result is final.
 */
export class ListSource implements TaskSource {
  readonly #list: UrlListSource;
  readonly #hooks: SourceHooks;
  #exhausted = false;

  constructor(list: UrlListSource, hooks: SourceHooks) {
    this.#list = list;
    this.#hooks = hooks;
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  async *tasks(stop: AbortSignal | undefined): AsyncGenerator<Task> {
    for await (const item of untilStopped(readUrlList(this.#list), stop)) {
      if (item.kind === 'task') yield item.task;
      else if (item.kind === 'duplicate') this.#hooks.duplicate();
      else await this.#hooks.emit(errorRecord({ line: item.line, url: item.text }, item.error));
    }
    this.#exhausted = stop?.aborted !== true;
  }

  settle(): Settlement {
    return FINAL;
  }

  stats(): FrontierStats | null {
    return null;
  }

  async close(): Promise<void> {}
}
