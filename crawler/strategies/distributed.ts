import type { ResolvedDistributedOptions } from '../options.js';
import type { Runner } from './runner.js';

/**
 * Tasks queued in Redis for `crawlbench worker` processes, their records taken back from there.
 * A stop (either signal) ends the wait at once: the tasks already queued stay in Redis for a
 * resume, and the run reports itself interrupted.
 */
export function distributedRunner(options: ResolvedDistributedOptions): Runner {
  return {
    strategy: 'distributed',
    run: async (tasks, context, onResult) => {
      const stop = AbortSignal.any([context.abortSignal, ...(context.signal ? [context.signal] : [])]);
      // Loaded on demand: BullMQ and ioredis are not for the local strategies to load (or pay for).
      const { runDistributed } = await import('../distributed/coordinator.js');
      const state = await runDistributed(tasks, options.run, stop, onResult, context.source);
      return { interrupted: state === 'interrupted', childProcesses: null };
    },
  };
}
