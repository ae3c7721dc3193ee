/** Help-text helpers: the defaults shown by `--help` come from the library's constants. */

const BINARY_UNITS: ReadonlyArray<[number, string]> = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

/** A byte count the way `byteSize` reads it back: `10MiB`, `512KiB`, `1000`. */
export function formatBytes(bytes: number): string {
  for (const [size, unit] of BINARY_UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** `description (default: value)`, the way commander writes defaults it holds itself. */
export function withDefault(description: string, value: string | number | boolean): string {
  return `${description} (default: ${String(value)})`;
}

/** A duration in ms the way `duration` reads it back: `1d`, `12h`, `30m`, `45s`, `250ms`. */
export function formatDuration(ms: number): string {
  for (const [size, unit] of [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
