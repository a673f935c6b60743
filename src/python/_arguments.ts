/**
 * Checking what callers of the public API pass (from plain JS, anything can arrive), and naming
 * it in the error when it is not what was expected.
 *
 * @module
 */

import { cName } from "../ffi/mod.ts";

/**
 * Marks a Promise that pyframe refused and nobody else holds (a callback's answer) as handled: the
 * refusal is already reported as a Python error, and its rejection would end the process after.
 */
export function dropRefusedPromise(value: unknown): void {
  if (value instanceof Promise) value.catch(() => {});
}

/** The value's type, or its class for objects: "number", "null", "an Array", "RegExp", "Promise". */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an Array";
  if (typeof value === "object") return classNameOf(value as object);
  return typeof value;
}

/** The object's class name: "Date", "Generator" (whose constructor has an empty name), "Object". */
export function classNameOf(object: object): string {
  return object.constructor?.name || Object.prototype.toString.call(object).slice("[object ".length, -1);
}

/** `word` after "a" or "an", as it is said: "a Date", "an Object". */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

/** Whether `value` is a plain object: `{ ... }` or `Object.create(null)`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Throws a TypeError unless `options` is undefined or an object whose names are all in `known`:
 * a misspelt option would otherwise be ignored unseen. `call` names the call in the message.
 */
export function checkOptions(options: unknown, known: readonly string[], call: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `pyframe: ${call} takes an options object ({ ${known.join(", ")} }), got ${describeValue(options)}`,
    );
  }
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new TypeError(
      `pyframe: ${call} has no option ${unknown.map((name) => JSON.stringify(name)).join(", ")}; ` +
        `its options are ${known.join(", ")}`,
    );
  }
}

/** Throws a TypeError naming `what` unless `value` is a string. */
export function requireText(value: unknown, what: string, expected: string): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`pyframe: ${what} takes ${expected} as a string, got ${describeValue(value)}`);
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * `name` as the NUL-terminated string a C API taking a name reads, once checked: a string, with
 * no NUL inside (C would stop there and read another name: "a\0b" would be "a") and no lone
 * surrogate.
 */
export function nameForC(name: unknown, what: string, expected: string): Uint8Array {
  requireText(name, what, expected);
  if (name.includes("\0")) throw new TypeError(`pyframe: ${what} takes ${expected} without NUL characters`);
  // UTF-8 has no lone surrogate: encoding made it U+FFFD, which named another attribute or module.
  if (LONE_SURROGATE.test(name)) {
    throw new TypeError(
      `pyframe: ${what} takes ${expected} without lone surrogates (C's UTF-8 cannot carry them); ` +
        "pass such a name to Python's getattr, setattr or importlib.import_module as an argument instead",
    );
  }
  return cName(name);
}

/** Throws a TypeError naming `what` unless `value` is undefined (the default) or a boolean. */
export function requireOptionalBoolean(value: unknown, what: string): void {
  // Truthiness would take "no" or 0 for an answer.
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`pyframe: ${what} is true or false, got ${describeValue(value)}`);
  }
}

/** Throws a TypeError naming `what` unless `value` is a function. */
export function requireFunction(value: unknown, what: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") {
    throw new TypeError(`pyframe: ${what} needs a function, got ${describeValue(value)}`);
  }
}

/**
 * Throws unless `value` can be an object's address: a non-zero number or bigint. (No address can be
 * checked further: a made-up one crashes the process.) `call` names the call in the message.
 */
export function requirePointer(value: unknown, call: string): void {
  if (typeof value === "number" || typeof value === "bigint") {
    if (value) return;
    throw new TypeError(`pyframe: ${call} got a NULL pointer`);
  }
  const hint = describeValue(value) === "PyObject" ? " (a PyObject's is its .pointer)" : "";
  throw new TypeError(`pyframe: ${call} takes an object's address${hint}, got ${describeValue(value)}`);
}
