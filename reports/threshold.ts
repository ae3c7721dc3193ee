import { describeValue, InvalidOptionError } from '../crawler/errors.js';

/** The threshold of `compare` and `bench --against` when none is given, in percent. */
export const DEFAULT_THRESHOLD_PCT = 10;

/**
 * Parses a `--threshold` value into percent. The number is always a percentage, with or without
 * the sign: `10%` and `10` both mean 10 percent, `2.5%` means 2.5 percent. It must be at least 0
 * and below 100. A bare number between 0 and 1 (`0.1`) is refused because it reads as a fraction
 * (10%?) as easily as a percentage (0.1%?); write `0.1%` or `10%`.
 *
 * `option` names it in errors: `bench --target-error` takes a percentage the same way.
 *
 * @throws {InvalidOptionError} on anything else: negatives, NaN, 100% or more, other units.
 */
export function parseThreshold(text: string, option = '--threshold'): number {
  const expected = `Expected \`${option}\` to be a percentage from 0 to under 100 such as \`10%\`, got ${describeValue(text)}`;
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text.trim());
  if (match === null) throw new InvalidOptionError(expected);
  const value = Number(match[1]);
  if (!(value < 100)) throw new InvalidOptionError(expected);
  if (match[2] === '' && value > 0 && value < 1) {
    throw new InvalidOptionError(
      `Ambiguous \`${option}\` ${describeValue(text)}: write \`${text.trim()}%\` for ${text.trim()} percent, or \`${value * 100}%\``,
    );
  }
  return value;
}
