// Entry file of the raw ceiling's load generator: autocannon in its own process, so the bench's
// process does not share an event loop with it. It serves every round of a bench (started once,
// so its JIT is warm from the second round on), one load at a time.
import autocannon from 'autocannon';
import { becomeChild, sendToParent } from '../crawler/child-process.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  /** How long to load the server. */
  readonly durationMs: number;
}

export type LoadAnswer =
  | {
      readonly type: 'result';
      readonly requestsPerSecond: number;
      readonly ok: number;
      readonly failed: number;
    }
  | { readonly type: 'error'; readonly message: string };

/**
 * How often autocannon takes a sample, in ms (its default: 1000): a run ends on the first sample
 * after its duration, so this bounds how far it runs over. Samples are counters, cheap at this rate.
 */
const LOAD_SAMPLE_MS = 100;

process.on('disconnect', () => process.exit(0));
process.on('message', (request: LoadRequest) => {
  const started = performance.now();
  // A duration, not an amount: autocannon ends amount-bound runs on a sample's tick, which would
  // count a short burst over a whole tick. A duration is a timer, but autocannon too checks it only
  // on a tick, so the ticks come every LOAD_SAMPLE_MS (a duration of 0.5 s ends within 0.51-0.54 s),
  // and the rate is taken over the time the run took.
  const duration = request.durationMs / 1000;
  autocannon({
    url: request.url,
    connections: request.connections,
    duration,
    pipelining: 1,
    sampleInt: LOAD_SAMPLE_MS,
  }).then(
    (result) => {
      const seconds = (performance.now() - started) / 1000;
      const ok = result['2xx'];
      sendToParent({
        type: 'result',
        requestsPerSecond: ok / seconds,
        ok,
        failed: result.errors + result.non2xx,
      } satisfies LoadAnswer);
    },
    (error: unknown) =>
      sendToParent({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
      } satisfies LoadAnswer),
  );
});
