import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { cpuWork } from '../dist/crawler/cpu-work.js';

const DIGEST = /^[0-9a-f]{32}$/;

describe('cpuWork', () => {
  it('returns the same 128-bit hex digest for the same seed and rounds', () => {
    const digest = cpuWork('seed', 3);
    expect(digest).toMatch(DIGEST);
    expect(cpuWork('seed', 3)).toBe(digest);
  });

  it('depends on the seed and on the number of rounds', () => {
    const digests = new Set([
      cpuWork('seed', 3),
      cpuWork('seee', 3),
      cpuWork('', 3),
      cpuWork('seed', 2),
      cpuWork('seed', 4),
    ]);
    expect(digests.size).toBe(5);
  });

  it('with 0 rounds only hashes the seed', () => {
    expect(cpuWork('seed', 0)).toMatch(DIGEST);
    expect(cpuWork('seed', 0)).toBe(cpuWork('seed', 0));
    expect(cpuWork('seed', 0)).not.toBe(cpuWork('seed', 1));
    expect(cpuWork('other', 0)).not.toBe(cpuWork('seed', 0));
  });

  it('is pinned: a change of the kernel changes the unit of every cpu-mode benchmark', () => {
    expect(cpuWork('abc', 0)).toBe('4748385dc4078a62e6445acb08ae6e66');
    expect(cpuWork('abc', 1)).toBe('a221bc1c03afa4c8bb98e1e41d933989');
  });

  it('gives the same digest in a worker thread', async () => {
    const url = new URL('../dist/crawler/cpu-work.js', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(url)}).then((m) => require('node:worker_threads').parentPort.postMessage(m.cpuWork('thread', 5)));`,
      { eval: true },
    );
    const [digest] = await once(worker, 'message');
    await worker.terminate();
    expect(digest).toBe(cpuWork('thread', 5));
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects %s rounds with INVALID_OPTION',
    (rounds) => {
      expect(() => cpuWork('seed', rounds)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    },
  );
});
