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
