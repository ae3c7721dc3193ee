import { fetchPage } from '../fetch.js';
import { dispatch } from './dispatch.js';
import { withDispatcher } from './main-thread.js';
import type { Strategy } from './strategy.js';

/** One task at a time on the main thread: fetch, then parse in the completion callback. */
export const serialStrategy: Strategy = {
  name: 'serial',
  run: (tasks, context, onOutcome) =>
    withDispatcher(1, (dispatcher) =>
      dispatch(tasks, 1, context.signal, async (task) => {
        const fetchContext = context.abortSignal
          ? { dispatcher, signal: context.abortSignal }
          : { dispatcher };
        const page = await fetchPage(task, context.config.fetch, fetchContext);
        await onOutcome({ kind: 'fetched', page });
      }),
    ),
};
