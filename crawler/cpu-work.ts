import { InvalidOptionError } from './errors.js';

/**
 * Mixing steps in one round. Calibrated so that one round costs about 10-20 µs of one core of the
 * project's machines (Node 20, V8 JIT). 200 rounds, the `cpu` mode default, then add about 3 ms per
 * page, several times the parse of a 10 KB page, so a `cpu` mode crawl is CPU-bound.
 */
const STEPS_PER_ROUND = 8192;

/** FNV-1a over the UTF-16 code units of the seed: a cheap, portable 32-bit seed. */
function hashSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** The murmur3 32-bit finalizer: a full-avalanche bijection on 32-bit integers. */
function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Lanes of the kernel: module state, so a round allocates nothing (each thread has its own copy).
 */
const LANES = new Int32Array(4);

/**
 * One round, as its own small function: V8 then optimises it like any hot function. With the step
 * loop nested inside the round loop, optimisation depended on on-stack replacement and the same
 * work cost anywhere from 17 to 47 ms per 1000 rounds from one thread or process to the next —
 * which would have made strategies differ by how the JIT felt, not by how they run.
 */
function mixRound(lanes: Int32Array, r: number): void {
  let a = lanes[0]!;
  let b = lanes[1]!;
  let c = lanes[2]!;
  let d = lanes[3]!;
  for (let i = 0; i < STEPS_PER_ROUND; i++) {
    // `| 0` keeps every lane an int32, so V8 stays on its integer fast path.
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + d) | 0;
    b = Math.imul(b ^ (b >>> 12), 0x297a2d39) ^ a;
    c = (Math.imul(c ^ (c >>> 15), 0x85ebca6b) + b) | 0;
    d = Math.imul(d ^ (d >>> 13), 0xc2b2ae35) ^ c;
  }
  lanes[0] = fmix32((a + r) | 0);
  lanes[1] = b;
  lanes[2] = c;
  lanes[3] = d;
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/**
 * A deterministic compute kernel that models CPU-heavy extraction (`mode: 'cpu'`).
 *
 * Unit: one round is {@link STEPS_PER_ROUND} steps of 32-bit integer mixing over four lanes, about
 * 10-20 µs on one core of the project's machines (measured 1.4-1.6 ms per 100 rounds). The cost is linear
 * in `rounds`; `rounds = 0` only hashes the seed.
 *
 * The kernel is pure integer arithmetic (`Math.imul`, shifts, xors) on local variables: it allocates
 * nothing while it runs, so it measures the CPU alone, not the garbage collector, and its result is the
 * same in any thread or process. The returned digest depends on every step, so the work cannot be
 * optimised away.
 *
 * @param seed - Any string; the page's text hash in the crawler.
 * @param rounds - A non-negative safe integer.
 * @returns A 128-bit digest as 32 lowercase hex characters.
 */
export function cpuWork(seed: string, rounds: number): string {
  if (!Number.isSafeInteger(rounds) || rounds < 0) {
    throw new InvalidOptionError(`Expected \`rounds\` to be a non-negative integer, got \`${rounds}\``);
  }
  const s = hashSeed(seed);
  // Four lanes seeded apart so the digest has 128 bits; they feed each other so none can be skipped.
  LANES[0] = fmix32(s ^ 0x9e3779b9);
  LANES[1] = fmix32(s ^ 0x7f4a7c15);
  LANES[2] = fmix32(s ^ 0x94d049bb);
  LANES[3] = fmix32(s ^ 0xbf58476d);
  for (let r = 0; r < rounds; r++) mixRound(LANES, r);
  const [a = 0, b = 0, c = 0, d = 0] = LANES;
  return hex32(fmix32(a)) + hex32(fmix32(b)) + hex32(fmix32(c)) + hex32(fmix32(d));
}
