import { checkLink } from './fetch-check.js';
import { type FetchContext, fetchPage } from './fetch.js';
import type { FetchOptions } from './step-options.js';
import type { FetchedPage, Task } from './types.js';

/** The fetch step of a task: a page is fetched whole ({@link fetchPage}); a link only checked, {@link checkLink}. */
export function fetchTask(task: Task, options: FetchOptions, context: FetchContext): Promise<FetchedPage> {
  return task.checkOnly === true ? checkLink(task, options, context) : fetchPage(task, options, context);
}
