import type { Task } from '../types.js';

/**
 * Pulls tasks and runs up to `slots` of them at once. A task is pulled only when a slot is free,
 * so the source is never read ahead of the work (backpressure). Stops pulling once `signal`
 * aborts; tasks already started always run to their end. The first error thrown by `start`
 * stops the pulling and is rethrown once every started task has settled.
 */
export async function dispatch(
  tasks: AsyncIterable<Task>,
  slots: number,
  signal: AbortSignal | undefined,
  start: (task: Task) => Promise<void>,
): Promise<void> {
  let running = 0;
  let failure: { error: unknown } | undefined;
  // One waiter at a time (this loop), woken by whichever task finishes first. A counter and a
  // single callback cost O(1) per task, where racing the set of running promises costs O(slots).
  let wake: (() => void) | undefined;
  const finished = (): void => {
    running--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const slotFreed = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
    });

  if (!signal?.aborted) {
    for await (const task of tasks) {
      running++;
      start(task)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(finished);
      while (running >= slots) await slotFreed();
      if (signal?.aborted || failure) break;
    }
  }
  while (running > 0) await slotFreed();
  if (failure) throw failure.error;
}
