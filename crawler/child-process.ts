import { Worker } from 'node:worker_threads';

/** How often a child checks that its parent is alive. */
const WATCH_MS = 250;

// Runs in a worker thread of the child: its own event loop, which a long synchronous parse on the
// child's main thread cannot block. When the parent is gone (the child is re-parented), it kills
// the whole child process at once.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
}, workerData.everyMs);
`;

/**
 * What every child process crawlbench starts does first (pool workers, bench runners, fixture
 * sites, load generators, queue workers):
 *
 * - The stop signals (SIGINT, SIGTERM, SIGHUP) are the parent's to act on: Ctrl-C reaches the
 *   whole process group, and a child that died of it would lose the page it is working on. The
 *   parent ends its children when it stops.
 * - It never outlives its parent by more than a moment, even when the parent is SIGKILLed or
 *   crashes, and even in the middle of a long synchronous parse, when its own event loop cannot
 *   see the IPC channel close: a watchdog thread checks the parent's pid every 250 ms.
 */
export function becomeChild(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { parent: process.ppid, everyMs: WATCH_MS },
    // Tiny: a timer and nothing else.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  // It must not keep the child alive on its own, nor take it down if it fails.
  watchdog.unref();
  watchdog.on('error', () => {});
}

/**
 * Sends `message` to the parent over IPC, if it still listens. A parent that has just closed the
 * channel (it is stopping, or gave up on this child) makes the write fail with EPIPE: with no
 * callback Node raises that as an uncaught 'error' event that kills the child with a stack; here it
 * is dropped, since no one is left to read the message and the channel's 'disconnect' ends the child.
 */
export function sendToParent(message: unknown): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}
