// Entry file of the raw ceiling's load generator: autocannon in its own process, so the bench's
// process does not share an event loop with it.
import autocannon from 'autocannon';
import { becomeChild } from '../crawler/child-process.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  /** How long to load the server (autocannon counts in whole seconds). */
  readonly durationMs: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly ok: number;
  readonly failed: number;
}

process.on('disconnect', () => process.exit(0));
process.once('message', (request: LoadRequest) => {
  const started = performance.now();
  // A duration, not an amount: autocannon ends amount-bound runs on its one-second tick, which
  // would count a short burst over a whole second.
  const duration = Math.max(1, Math.round(request.durationMs / 1000));
  autocannon({ url: request.url, connections: request.connections, duration, pipelining: 1 }).then(
    (result) => {
      const seconds = (performance.now() - started) / 1000;
      const ok = result['2xx'];
      const answer: LoadResult = {
        requestsPerSecond: ok / seconds,
        ok,
        failed: result.errors + result.non2xx,
      };
      process.send?.(answer);
      process.disconnect();
    },
    () => process.exit(1),
  );
});
