import pLimit from 'p-limit';
import { fetchTask } from '../fetch-task.js';
import type { ResolvedLocalOptions } from '../options.js';
import { dispatch } from './dispatch.js';
import { withDispatcher } from './main-thread.js';
import type { Runner } from './runner.js';
import { Slots } from './slots.js';

/**
 * Waits until the event loop's next check phase but one. undici writes the next request on a
 * reused keep-alive socket from a setImmediate (it first lets the socket show a pending close);
 * a single immediate here would run each parse between those writes, two run it after all of them.
 */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

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
          // Responses tend to arrive together (a wave of requests sent together). Parsing each the
          // moment it lands would hold back the rest of the wave, and with them the next requests;
          // yielding first lets every arrived response release its slot and send the next request,
          // and the parses then overlap with the wait for those.
          await yieldToIo();
          await onResult(await context.finisher.finish(page));
        }),
      );
      return { interrupted: false, childProcesses: null };
    },
  };
}
