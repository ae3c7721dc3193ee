/** A deep copy's type with every `readonly` removed: a stored result edited for one test. */
export type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** A deep, editable copy of a JSON value (a bench result read from a fixture). */
export function editableCopy<T>(value: T): Mutable<T> {
  return JSON.parse(JSON.stringify(value)) as Mutable<T>;
}
