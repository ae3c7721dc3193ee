/**
 * Which of `size` slots a request in flight holds: the lowest free one. A strategy's requests in
 * flight are already bounded (p-limit); this only names them, for a timeline's lanes.
 */
export class Slots {
  readonly #free: number[];

  constructor(size: number) {
    // Popped from the end: the lowest slot first.
    this.#free = Array.from({ length: size }, (_, i) => size - 1 - i);
  }

  take(): number {
    return this.#free.pop() ?? 0;
  }

  give(slot: number): void {
    // Kept sorted descending so the lowest free slot is taken next; sizes are small.
    let i = this.#free.length;
    while (i > 0 && this.#free[i - 1]! < slot) i--;
    this.#free.splice(i, 0, slot);
  }
}
