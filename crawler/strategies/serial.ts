import { fetchTask } from '../fetch-task.js';
import type { ResolvedLocalOptions } from '../options.js';
import { dispatch } from './dispatch.js';
import { withDispatcher } from './main-thread.js';
import type { Runner } from './runner.js';

/** One task at a time on the main thread: fetch, then parse. */
export function serialRunner(options: ResolvedLocalOptions): Runner {
  return {
    strategy: 'serial',
    run: async (tasks, context, onResult) => {
      await withDispatcher(1, (dispatcher) =>
        dispatch(tasks, 1, context.signal, async (task) => {
          const page = await fetchTask(task, options.worker.fetch, {
            dispatcher,
            signal: context.abortSignal,
          });
          await onResult(await context.finisher.finish(page));
        }),
      );
      return { interrupted: false, childProcesses: null };
    },
  };
}
