import { setMaxListeners } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';

/**
 * An abort signal carried into worker threads. piscina can abort a task only by terminating its
 * worker, and runs a task that has a signal alone on its worker for that reason; a hybrid pool
 * runs many tasks per worker, so the abort travels by itself instead: a flag in shared memory (read
 * when a task starts, so a task that starts after the abort sees it) and a BroadcastChannel message
 * (which reaches the tasks already running). Either way the task's fetch is cut short and the task
 * ends with an `ABORTED` record, its worker left running.
 */

/** What a task takes into its worker: plain data, structured-cloneable (the flag is shared, not copied). */
export interface AbortWire {
  readonly key: string;
  readonly flag: Int32Array;
}

let relays = 0;

/** The main thread's side: one wire per abort signal, fired once when the signal aborts. */
export class AbortRelay {
  readonly #wires = new WeakMap<AbortSignal, AbortWire>();
  readonly #prefix = `crawlbench-abort-${process.pid}-${++relays}`;
  #next = 0;

  wireFor(signal: AbortSignal): AbortWire {
    let wire = this.#wires.get(signal);
    if (wire === undefined) {
      const created: AbortWire = {
        key: `${this.#prefix}-${++this.#next}`,
        flag: new Int32Array(new SharedArrayBuffer(4)),
      };
      wire = created;
      this.#wires.set(signal, created);
      const fire = (): void => {
        Atomics.store(created.flag, 0, 1);
        const channel = new BroadcastChannel(created.key);
        channel.postMessage('abort');
        channel.close();
      };
      if (signal.aborted) fire();
      else signal.addEventListener('abort', fire, { once: true });
    }
    return wire;
  }
}

interface Listening {
  readonly controller: AbortController;
  readonly channel: BroadcastChannel;
  tasks: number;
}

const listening = new Map<string, Listening>();

/**
 * The worker's side: an abort signal for a task that came with `wire`, shared by the worker's tasks
 * of the same crawl. Call `release` when the task ends.
 */
export function signalOf(wire: AbortWire): { readonly signal: AbortSignal; release(): void } {
  let entry = listening.get(wire.key);
  if (entry === undefined) {
    const controller = new AbortController();
    // Every request of every task of the crawl on this worker listens on it.
    setMaxListeners(0, controller.signal);
    const channel = new BroadcastChannel(wire.key);
    channel.onmessage = (): void => controller.abort();
    // A channel must not keep the worker's event loop alive by itself.
    channel.unref();
    entry = { controller, channel, tasks: 0 };
    listening.set(wire.key, entry);
  }
  if (Atomics.load(wire.flag, 0) === 1) entry.controller.abort();
  entry.tasks++;
  const current = entry;
  return {
    signal: current.controller.signal,
    release: () => {
      if (--current.tasks > 0) return;
      current.channel.close();
      listening.delete(wire.key);
    },
  };
}
