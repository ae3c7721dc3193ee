import pLimit from 'p-limit';
import { fetchTask } from '../fetch-task.js';
import type { ResolvedLocalOptions } from '../options.js';
import { dispatch } from './dispatch.js';
import { withDispatcher } from './main-thread.js';
import type { Runner } from './runner.js';
import { Slots } from './slots.js';
import { yieldToIo } from './yield-to-io.js';

/**
 * Up to `concurrency` requests in flight on the main event loop. The limit guards only the fetch:
 * the parse runs after the slot is released, so the next request goes out the moment a response
 * has arrived instead of waiting for a parse. Twice as many tasks as slots are pulled, so a
 * finished fetch always finds the next one queued.
 */
export function asyncRunner(options: ResolvedLocalOptions): Runner {
  return {
    strategy: 'async',
    run: async (tasks, context, onResult) => {
      const limit = pLimit(options.concurrency);
      const trace = options.worker.trace === true;
      const slots = new Slots(options.concurrency);
      await withDispatcher(options.concurrency, (dispatcher) =>
        dispatch(tasks, options.concurrency * 2, context.signal, async (task) => {
          const page = await limit(async () => {
            const fetchContext = { dispatcher, signal: context.abortSignal };
            if (!trace) return fetchTask(task, options.worker.fetch, fetchContext);
            // A timeline's lane: the slot of the request in flight.
            const slot = slots.take();
            try {
              return await fetchTask(task, options.worker.fetch, {
                ...fetchContext,
                lane: { worker: 0, slot },
              });
            } finally {
              slots.give(slot);
            }
          });
          // Let the rest of a wave of responses send their next requests before this one parses.
          await yieldToIo();
          await onResult(await context.finisher.finish(page));
        }),
      );
      return { interrupted: false, childProcesses: null };
    },
  };
}
