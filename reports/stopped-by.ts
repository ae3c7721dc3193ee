/**
 * The sentence for a bench that a failure stopped (`BenchResult.stoppedBy`), in plain text: each
 * report escapes it for its own format, since its message came from a result file.
 */
import type { BenchResult } from '../bench/result.js';
import { clip } from './clip.js';

/** A message from a result file is shown whole up to this length: a sentence, not a log. */
const MAX_MESSAGE = 300;

/**
 * "bench runner exited with code 3, in a run of io/async/4 with the base build", or null when the
 * result was not stopped by a failure.
 */
export function describeStop(result: Pick<BenchResult, 'stoppedBy'>): string | null {
  const stop = result.stoppedBy;
  if (!stop) return null;
  const where =
    stop.cellId === null
      ? 'in the noise probe'
      : `in a run of ${stop.cellId}${stop.build === null ? '' : ` with the ${stop.build} build`}`;
  return `${clip(stop.message, MAX_MESSAGE)} (${stop.code}), ${where}`;
}
