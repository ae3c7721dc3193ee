/**
 * Waits until the event loop's next check phase but one. undici writes the next request on a
 * reused keep-alive socket from a setImmediate (it first lets the socket show a pending close);
 * a single immediate here would run each parse between those writes, two run it after all of them.
 *
 * Responses tend to arrive together (a wave of requests sent together). Parsing each the moment it
 * lands would hold back the rest of the wave, and with them the next requests; yielding first lets
 * every arrived response release its slot and send the next request, and the parses then overlap
 * with the wait for those. Wherever many requests share one event loop: the async strategy, and
 * each worker of a hybrid pool.
 */
export const yieldToIo = (): Promise<void> =>
  new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
