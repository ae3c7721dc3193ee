import { describe, expect, it } from 'vitest';
import { errorClass, workerErrorFilter } from '../dist/cli/commands/worker.js';

const missing = (id: string): string => `Missing key for job run-m1x2y3-ab12cd-${id}. moveToFinished`;

describe('worker error lines', () => {
  it('a message of one job and of another are one class', () => {
    expect(errorClass(missing('17'))).toBe(errorClass(missing('3-r1')));
    expect(errorClass(missing('17'))).toBe('Missing key for job <id>. moveToFinished');
    expect(errorClass('Job run-a-b-4 is not in the active state. moveToFinished')).toBe(
      'Job <id> is not in the active state. moveToFinished',
    );
    expect(errorClass('connect ECONNREFUSED 127.0.0.1:6379')).toBe('connect ECONNREFUSED 127.0.0.1:6379');
  });

  it('prints "Missing key for job ..." once for all the jobs of a Redis that came back empty', () => {
    const line = workerErrorFilter();
    const printed = [
      'connect ECONNREFUSED 127.0.0.1:6379',
      'connect ECONNREFUSED 127.0.0.1:6379',
      ...Array.from({ length: 40 }, (_, i) => missing(String(i))),
      // Interleaved with another per-job class: each is still printed once.
      'could not renew lock for job run-m1x2y3-ab12cd-1',
      missing('41'),
      'could not renew lock for job run-m1x2y3-ab12cd-2',
    ]
      .map(line)
      .filter((text) => text !== null);
    expect(printed).toEqual([
      'connect ECONNREFUSED 127.0.0.1:6379 (reconnecting)',
      `${missing('0')} (the same error for other jobs is not shown)`,
      'could not renew lock for job run-m1x2y3-ab12cd-1 (the same error for other jobs is not shown)',
    ]);
  });

  it('a second outage prints its errors again', () => {
    const line = workerErrorFilter();
    const outage = ['connect ECONNREFUSED 127.0.0.1:6379', missing('1'), missing('2')];
    const printed = [...outage, ...outage].map(line).filter((text) => text !== null);
    expect(printed).toHaveLength(4);
  });
});
