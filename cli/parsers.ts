import { InvalidArgumentError } from 'commander';
import { CrawlbenchError } from '../crawler/errors.js';
import { parseThreshold } from '../reports/threshold.js';

/** Commander argument parsers with messages that say what was expected and what came. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  }
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`expected a number between 0 and 1, got "${value}"`);
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Byte sizes: `1048576`, `512k`, `10MiB`, `1g` (binary units). */
export function byteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`expected a size like 1048576, 512k or 10MiB, got "${value}"`);
  }
  const n = Math.floor(Number(match[1]) * unit);
  if (n < 1) throw new InvalidArgumentError(`expected a size of at least 1 byte, got "${value}"`);
  return n;
}

/** `--threshold` of `compare` and `bench --against`: a percentage, `10%` or `10`. */
export const thresholdPercent = percentOption('--threshold');

/** A percentage option parsed as `--threshold` is (`2%` or `2`), named in its errors. */
export function percentOption(option: string): (value: string) => number {
  return (value) => {
    try {
      return parseThreshold(value, option);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof CrawlbenchError ? error.message : String(error));
    }
  };
}

const DURATION_UNITS: Record<string, number> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Durations: `1d`, `12h`, `30m`, `45s`, `250ms`, `1.5h`; a bare number is milliseconds. */
export function duration(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = DURATION_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`expected a duration like 1d, 12h, 30m, 45s or 250ms, got "${value}"`);
  }
  const ms = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(ms))
    throw new InvalidArgumentError(`expected a shorter duration, got "${value}"`);
  return ms;
}
