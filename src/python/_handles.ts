/**
 * JS values that Python objects hold (a JS function behind a Python callable, a JS error inside a
 * Python exception), by number. A handle lives until the Python object holding it is deallocated.
 * Private to src/python.
 *
 * @module
 */

const values = new Map<number, unknown>();
let nextHandle = 1;

/** Keeps `value` alive until {@link release}; returns its handle. */
export function keep(value: unknown): number {
  const handle = nextHandle++;
  values.set(handle, value);
  return handle;
}

/** The value behind `handle`; throws when it was released (a bug: Python still held it). */
export function lookup(handle: number): unknown {
  if (!values.has(handle)) throw new ReferenceError(`pyframe: JS handle ${handle} was already released`);
  return values.get(handle);
}

export function release(handle: number): void {
  values.delete(handle);
}

/** How many JS values Python holds now (for tests: drops back when Python drops them). */
export function handleCount(): number {
  return values.size;
}
