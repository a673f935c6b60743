/**
 * How error messages name a value a caller passed where another kind was expected.
 *
 * @module
 */

/** The value's type, or its class for objects: "number", "null", "an Array", "RegExp", "Promise". */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an Array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

/** Whether `value` is a plain object: `{ ... }` or `Object.create(null)`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
