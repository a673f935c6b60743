/**
 * Conversions between Python objects and JS values, exact both ways.
 *
 * | Python | JS |
 * |---|---|
 * | `None` | `null` (and `undefined` → `None`) |
 * | `bool` | `boolean` |
 * | `int` | `number` when within ±(2^53 − 1), else `bigint` (a `bigint` always → `int`) |
 * | `float` | `number` (a non-integral or unsafe `number`, and `-0`, → `float`) |
 * | `str` | `string`, every code point kept, lone surrogates included |
 * | `bytes`, `bytearray`, `memoryview` | `Uint8Array` (a copy; `Uint8Array`/`ArrayBuffer` → `bytes`) |
 * | `list`, `tuple` | `Array` (→ `list`) |
 * | `dict` | `Map` (a `Map` or a plain object → `dict`) |
 * | `set`, `frozenset` | `Set` (→ `set`) |
 * | a JS function given to Python | that same function (a JS function → a Python callable) |
 * | anything else, instances of subclasses included | {@link PyObject} (→ the object itself) |
 *
 * Containers convert deeply, at most `depth` levels (default {@link DEFAULT_DEPTH}); deeper
 * nesting throws a RangeError. A container met twice in one conversion becomes one object met
 * twice, so shared references stay shared and cycles become the same cycles on the other side
 * (`a = []; a.append(a)` becomes an Array that contains itself, and back). Keys and set items
 * that one side keeps apart and the other would merge (two NaN float keys, which a Map takes for
 * one; `true` and `1`, which a dict takes for one) are refused with a TypeError naming them.
 *
 * @module
 */

import { cString, type Ptr, runtime } from "../ffi/mod.ts";
import { check, checkStatus, type Core, intToJS, isExactInt, takeError, withPython } from "./_core.ts";
import { PyObject } from "./object.ts";
import { byteArrayToJS, bytesToJS, bytesToPython, stringToJS, stringToPython } from "./_text.ts";
import { countOf, fillList, isFillable, refuseChangedLength, scanDict, scanSequence, type Unscanned } from "./_bulk.ts";
import { functionOf, functionToPython } from "./_callback.ts";
import { isStackOverflow } from "./_stack.ts";
import { checkOptions, classNameOf, describeValue, isPlainObject, requirePointer, withArticle } from "./_arguments.ts";

/** What {@link toJS} can return. */
export type JSValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | JSValue[]
  | Map<JSValue, JSValue>
  | Set<JSValue>
  | PyObject
  | ((...args: never[]) => unknown);

/** Options for conversions in either direction. */
export interface ConvertOptions {
  /** How many levels of containers to convert before throwing a RangeError; default 1000. */
  depth?: number;
}

/** @internal The names of {@link ConvertOptions}, for checking what callers pass. */
export const convertOptionNames = ["depth"] as const satisfies readonly (keyof ConvertOptions)[];

/** Containers nested deeper than this are refused, like Python's default recursion limit. */
export const DEFAULT_DEPTH = 1000;

/**
 * Converts a Python object (borrowed) to a JS value, deeply (see the table above).
 *
 * @example
 * ```ts
 * import { python, toJS } from "@pyframe/dynamo";
 * using list = python.toPython([1, [2n ** 64n, "é"]]);
 * toJS(list.pointer); // [1, [18446744073709551616n, "é"]]
 * ```
 */
export function toJS(object: Ptr, options?: ConvertOptions): JSValue {
  requirePointer(object, "toJS(object)");
  checkOptions(options, convertOptionNames, "toJS(object, options)");
  return withPython((c) => toJSValue(c, object, options));
}

/**
 * Converts a JS value to a new reference to a Python object, deeply (see the table above); the
 * caller owns the reference (wrap it: `new PyObject(toPython(value))`).
 *
 * @example
 * ```ts
 * import { PyObject, toPython } from "@pyframe/dynamo";
 * using dict = new PyObject(toPython({ a: [1, 2] }));
 * dict.repr(); // "{'a': [1, 2]}"
 * ```
 */
export function toPython(value: unknown, options?: ConvertOptions): Ptr {
  checkOptions(options, convertOptionNames, "toPython(value, options)");
  return withPython((c) => toPythonValue(c, value, options));
}

/** {@link toJS} for callers holding the GIL. */
export function toJSValue(c: Core, object: Ptr, options: ConvertOptions = {}): JSValue {
  const depth = depthLimit(options);
  return withinStack(depth, () => new PythonToJS(c, depth).convert(object));
}

/** {@link toPython} for callers holding the GIL. */
export function toPythonValue(c: Core, value: unknown, options: ConvertOptions = {}): Ptr {
  const depth = depthLimit(options);
  return withinStack(depth, () => new JSToPython(c, depth).convert(value));
}

/**
 * Runs a conversion, turning the JS engine's stack overflow (reached when `depth` allows more
 * levels than the stack holds, as `Infinity` does) into an error that says what happened.
 */
function withinStack<T>(depth: number, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
    throw new RangeError(
      `pyframe: the value nests containers deeper than the JS stack can follow (depth ${depth} allowed it); ` +
        "pass a smaller { depth } to have it refused at that level, or convert it in parts",
      { cause: error },
    );
  }
}

/** A new tuple of converted `values`. The caller holds the GIL. */
export function tupleOf(c: Core, values: readonly unknown[]): Ptr {
  const { py } = c;
  const tuple = check(py.PyTuple_New(values.length));
  try {
    const converter = new JSToPython(c, DEFAULT_DEPTH);
    for (let i = 0; i < values.length; i++) py.PyTuple_SetItem(tuple, i, converter.convert(values[i]));
  } catch (error) {
    py.Py_DecRef(tuple);
    throw error;
  }
  return tuple;
}

/** The `depth` option, checked: a whole number of levels (0 or more) or Infinity; undefined: the default. */
function depthLimit(options: ConvertOptions): number {
  const depth: unknown = options.depth;
  if (depth === undefined) return DEFAULT_DEPTH;
  // Compared as a number, "2" or true would pass and "" would mean 0.
  if (typeof depth !== "number") {
    throw new TypeError(`pyframe: depth takes a number of levels, got ${describeValue(depth)}`);
  }
  if (!(depth >= 0 && (Number.isInteger(depth) || depth === Infinity))) {
    throw new RangeError(`pyframe: depth must be a whole number of levels (0 or more, or Infinity), got ${depth}`);
  }
  return depth;
}

/**
 * Throws for a JS container where Python needs a hashable value: it would become a list, dict or
 * set, and Python's own "unhashable type: 'list'" would not say which JS value was at fault.
 */
function refuseUnhashable(value: unknown, where: string, role: string): void {
  const becomes = Array.isArray(value)
    ? "list"
    : value instanceof Map || isPlainObject(value)
    ? "dict"
    : value instanceof Set
    ? "set"
    : undefined;
  if (becomes) {
    throw new TypeError(
      `pyframe: ${where} cannot be ${withArticle(classNameOf(value as object))}: it would become a ${becomes}, ` +
        `which Python cannot use as a ${role}; use a string, number, bigint, boolean or null, or a PyObject of a tuple`,
    );
  }
}

function tooDeep(limit: number): RangeError {
  return new RangeError(
    `pyframe: the value nests containers more than ${limit} levels deep; ` +
      "pass { depth } with a larger limit, or convert it in parts",
  );
}

const keyOut = new BigUint64Array(1), valueOut = new BigUint64Array(1);

/** Shorter sequences, dicts and Arrays convert item by item: a bulk call costs more than it saves there. */
const scanFrom = 8;
const dictScanFrom = 2;
const fillFrom = 8;

class PythonToJS {
  #memo?: Map<Ptr, JSValue>;
  #level = 0;
  constructor(readonly c: Core, readonly limit: number) {}

  convert(object: Ptr): JSValue {
    const { c } = this;
    if (object === c.none) return null;
    if (object === c.true) return true;
    if (object === c.false) return false;
    const { py, types } = c;
    const type = c.native.pyframe_type_of(object);
    switch (type) {
      case types.int:
        return intToJS(this.c, object);
      case types.float:
        return py.PyFloat_AsDouble(object);
      case types.str:
        return stringToJS(py, object) ?? this.#fail();
      case types.bytes:
        return bytesToJS(py, object) ?? this.#fail();
      case types.bytearray:
        return byteArrayToJS(py, object);
      case types.memoryview:
        return this.#memoryview(object);
      case types.jsFunction:
        return functionOf(c, object) as JSValue;
    }
    const seen = this.#memo?.get(object);
    if (seen !== undefined) return seen;
    if (
      type !== types.list && type !== types.tuple && type !== types.dict && type !== types.set &&
      type !== types.frozenset
    ) {
      return PyObject.borrowed(object);
    }
    // Counted here, not in a wrapper, to keep the JS stack small for deep values.
    if (++this.#level > this.limit) throw tooDeep(this.limit);
    try {
      if (type === types.list) return this.#sequence(object, py.PyList_Size(object), false);
      if (type === types.tuple) return this.#sequence(object, py.PyTuple_Size(object), true);
      if (type === types.dict) return this.#dict(object);
      return this.#set(object);
    } finally {
      this.#level--;
    }
  }

  #fail(): never {
    throw takeError();
  }

  #memoryview(object: Ptr): Uint8Array {
    const { py } = this.c;
    const copy = check(py.PyBytes_FromObject(object));
    try {
      return bytesToJS(py, copy) ?? this.#fail();
    } finally {
      py.Py_DecRef(copy);
    }
  }

  #remember<T extends JSValue>(object: Ptr, value: T): T {
    (this.#memo ??= new Map()).set(object, value);
    return value;
  }

  /** A list's or tuple's items: the plain ones read by one scan (_bulk.ts), then the others. */
  #sequence(object: Ptr, size: number | bigint, isTuple: boolean): JSValue[] {
    const { py } = this.c;
    const length = Number(size);
    const result = this.#remember(object, new Array<JSValue>(length));
    if (length < scanFrom) {
      const item = isTuple ? py.PyTuple_GetItem : py.PyList_GetItem;
      for (let i = 0; i < length; i++) result[i] = this.convert(item(object, i));
      return result;
    }
    this.#convertUnscanned(scanSequence(this.c, object, isTuple, length, result), result);
    return result;
  }

  /** A dict's entries, in order: keys and values that are plain read by one scan, then the others. */
  #dict(object: Ptr): Map<JSValue, JSValue> {
    const { py } = this.c;
    const result = this.#remember(object, new Map<JSValue, JSValue>());
    const size = Number(py.PyDict_Size(object));
    if (size < dictScanFrom) {
      // PyDict_Next's position is ours: nested dicts each start from a fresh one.
      const position = new BigInt64Array(1);
      while (py.PyDict_Next(object, position, keyOut, valueOut)) {
        const key = runtime.pointer(keyOut[0]), value = runtime.pointer(valueOut[0]);
        setDistinct(result, this.convert(key), this.convert(value));
      }
      return result;
    }
    const entries = new Array<JSValue>(2 * size);
    this.#convertUnscanned(scanDict(this.c, object, size, entries), entries);
    for (let i = 0; i < entries.length; i += 2) setDistinct(result, entries[i], entries[i + 1]);
    return result;
  }

  /** Converts the items a scan left, releasing the reference the scan took on each. */
  #convertUnscanned({ indices, addresses }: Unscanned, values: JSValue[]): void {
    const { py } = this.c;
    let k = 0;
    try {
      for (; k < indices.length; k++) {
        // 0: the dict had fewer entries than its size said (changed by a finalizer meanwhile).
        if (!addresses[k]) throw new Error("pyframe: a container changed size while it was converted");
        values[indices[k]] = this.convert(addresses[k]);
        py.Py_DecRef(addresses[k]);
      }
    } catch (error) {
      for (; k < indices.length; k++) py.Py_DecRef(addresses[k]); // Py_DecRef(NULL) does nothing.
      throw error;
    }
  }

  #set(object: Ptr): Set<JSValue> {
    const { py } = this.c;
    const result = this.#remember(object, new Set<JSValue>());
    const iterator = check(py.PyObject_GetIter(object));
    try {
      for (let item = py.PyIter_Next(iterator); item; item = py.PyIter_Next(iterator)) {
        try {
          addDistinct(result, this.convert(item));
        } finally {
          py.Py_DecRef(item);
        }
      }
      if (py.PyErr_Occurred()) this.#fail();
    } finally {
      py.Py_DecRef(iterator);
    }
    return result;
  }
}

class JSToPython {
  /** JS containers already converted in this conversion → their Python object (borrowed). */
  #memo?: Map<object, Ptr>;
  #level = 0;
  constructor(readonly c: Core, readonly limit: number) {}

  convert(value: unknown): Ptr {
    const { c } = this;
    const { py } = c;
    switch (typeof value) {
      case "undefined":
        return this.#new(c.none);
      case "boolean":
        return this.#new(value ? c.true : c.false);
      case "number":
        return check(isExactInt(value) ? py.PyLong_FromDouble(value) : py.PyFloat_FromDouble(value));
      case "bigint":
        return check(py.PyLong_FromString(cString(value.toString(16)), runtime.NULL, 16));
      case "string":
        return check(stringToPython(py, value));
      case "function":
        return functionToPython(c, value as (...args: never[]) => unknown);
      case "symbol":
        throw cannotConvert(value);
    }
    if (value === null) return this.#new(c.none);
    if (value instanceof PyObject) return this.#new(value.pointer);
    const object = value as object;
    const seen = this.#memo?.get(object);
    if (seen !== undefined) return this.#new(seen);
    if (object instanceof Uint8Array || object instanceof Uint8ClampedArray || object instanceof ArrayBuffer) {
      return check(bytesToPython(py, bytesOf(object)));
    }
    const container = Array.isArray(object) || object instanceof Map || object instanceof Set || isPlainObject(object);
    if (!container) throw cannotConvert(object);
    // Counted here, not in a wrapper, to keep the JS stack small for deep values.
    if (++this.#level > this.limit) throw tooDeep(this.limit);
    try {
      if (Array.isArray(object)) return this.#list(object);
      if (object instanceof Map) return this.#dict(object, object.entries());
      if (object instanceof Set) return this.#set(object);
      return this.#dict(object, Object.entries(object));
    } finally {
      this.#level--;
    }
  }

  #new(object: Ptr): Ptr {
    this.c.py.Py_IncRef(object);
    return object;
  }

  /** Records `object` for `value` before its items convert, so a cycle finds it. */
  #remember(value: object, object: Ptr): Ptr {
    (this.#memo ??= new Map()).set(value, object);
    return object;
  }

  /**
   * An Array's items: one by one when short, else the plain ones filled in one call (_bulk.ts).
   * Its length is read once: a getter or Proxy that changes it midway is refused, never followed
   * past the list's end.
   */
  #list(values: unknown[]): Ptr {
    const { py } = this.c;
    const length = countOf(values);
    const list = this.#remember(values, check(py.PyList_New(length)));
    try {
      if (length < fillFrom) {
        for (let i = 0; i < length; i++) py.PyList_SetItem(list, i, this.convert(values[i]));
        refuseChangedLength(values, length);
      } else {
        fillList(this.c, list, values, length, this.#convertUnfillable(values, length));
      }
    } catch (error) {
      py.Py_DecRef(list); // Unset items are NULL, which a list deallocates fine.
      throw error;
    }
    return list;
  }

  /**
   * New references to the items `fillList` does not take itself, at their index, converted before
   * the fill (converting them may fill nested lists, which share its arrays).
   */
  #convertUnfillable(values: unknown[], length: number): Ptr[] {
    const converted: Ptr[] = [];
    try {
      for (let i = 0; i < length; i++) {
        if (!isFillable(values[i])) converted[i] = this.convert(values[i]);
      }
    } catch (error) {
      for (const item of converted) if (item !== undefined) this.c.py.Py_DecRef(item);
      throw error;
    }
    return converted;
  }

  #dict(value: object, entries: Iterable<[unknown, unknown]>): Ptr {
    const { py } = this.c;
    const dict = this.#remember(value, check(py.PyDict_New()));
    try {
      for (const [key, item] of entries) {
        refuseUnhashable(key, "a Map key", "dict key");
        const k = this.convert(key);
        let v: Ptr = 0;
        try {
          v = this.convert(item);
          checkStatus(py.PyDict_SetItem(dict, k, v));
        } finally {
          py.Py_DecRef(k);
          if (v) py.Py_DecRef(v);
        }
      }
      // A plain object's keys are strings, which stay distinct; a Map's may not.
      if (value instanceof Map && Number(py.PyDict_Size(dict)) !== value.size) {
        throw this.#mergedInPython(value.keys(), "Map");
      }
    } catch (error) {
      py.Py_DecRef(dict);
      throw error;
    }
    return dict;
  }

  #set(values: Set<unknown>): Ptr {
    const { py } = this.c;
    const set = this.#remember(values, check(py.PySet_New(runtime.NULL)));
    try {
      for (const item of values) {
        refuseUnhashable(item, "a Set item", "set item");
        const converted = this.convert(item);
        try {
          checkStatus(py.PySet_Add(set, converted));
        } finally {
          py.Py_DecRef(converted);
        }
      }
      if (Number(py.PyObject_Length(set)) !== values.size) throw this.#mergedInPython(values.values(), "Set");
    } catch (error) {
      py.Py_DecRef(set);
      throw error;
    }
    return set;
  }

  /**
   * The error for a Map's keys or a Set's items of which Python took two for one (true and 1, 1
   * and 1n, equal bytes): found by adding them again, in order, to a dict of their own until one
   * does not grow it, then pairing that one with the earlier one it equals. Only on this path.
   */
  #mergedInPython(keys: Iterable<unknown>, container: "Map" | "Set"): TypeError {
    const { py } = this.c;
    using dict = new PyObject(check(py.PyDict_New()));
    const earlier: unknown[] = [];
    for (const key of keys) {
      this.#addKey(dict, key);
      if (Number(py.PyDict_Size(dict.pointer)) === earlier.length) {
        const equal = earlier.find((other) => {
          using pair = new PyObject(check(py.PyDict_New()));
          this.#addKey(pair, other);
          this.#addKey(pair, key);
          return Number(py.PyDict_Size(pair.pointer)) === 1;
        });
        return mergedError(container, [equal, key]);
      }
      earlier.push(key);
    }
    return mergedError(container, null); // Changed while it converted (an Array item's getter).
  }

  #addKey(dict: PyObject, key: unknown): void {
    using k = new PyObject(this.convert(key));
    checkStatus(this.c.py.PyDict_SetItem(dict.pointer, k.pointer, this.c.none));
  }
}

/** `map.set(key, value)` for a dict's entry, refusing a key an earlier one already is in JS. */
function setDistinct(map: Map<JSValue, JSValue>, key: JSValue, value: JSValue): void {
  const size = map.size;
  map.set(key, value);
  if (map.size === size) throw mergedInJS("dict", key);
}

/** `set.add(item)` for a set's item, refusing an item an earlier one already is in JS. */
function addDistinct(set: Set<JSValue>, item: JSValue): void {
  const size = set.size;
  set.add(item);
  if (set.size === size) throw mergedInJS("set", item);
}

// Keys Python keeps apart that JS cannot: NaN floats (NaN != NaN, one key by SameValueZero), and a
// str holding a surrogate pair beside one holding the character itself (one JS string).
function mergedInJS(container: "dict" | "set", key: JSValue): TypeError {
  const [part, jsContainer, instead] = container === "dict"
    ? ["key", "Map", "list(d.items())"]
    : ["item", "Set", "list(s)"];
  return new TypeError(
    `pyframe: two ${part}s of a ${container} are one ${part} in JS, ${describeKey(key)}: they are distinct in ` +
      `Python (NaN floats are unequal; a surrogate pair is two code points) and a ${jsContainer} would keep ` +
      `one. Convert ${instead} instead to keep both`,
  );
}

// Keys JS keeps apart that Python cannot: true is 1 and false 0, 1 equals 1n, equal bytes are one key.
function mergedError(container: "Map" | "Set", keys: [unknown, unknown] | null): TypeError {
  const part = container === "Map" ? "key" : "item";
  const which = keys ? `, ${keys.map(describeKey).join(" and ")},` : "";
  return new TypeError(
    `pyframe: two ${part}s of a ${container}${which} are one ${part} in Python: they are distinct in JS, but ` +
      `Python's ${container === "Map" ? "dict" : "set"} would keep one (True == 1, 1 == 1n, equal bytes). ` +
      `Convert ${container === "Map" ? "[...map]" : "[...set]"} instead to keep both`,
  );
}

/** A key as an error message shows it: strings quoted, bigints with their n. */
function describeKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "bigint") return `${key}n`;
  if (key instanceof PyObject) return `PyObject(${reprOrClass(key)})`;
  if (key instanceof Uint8Array) return `Uint8Array(${key.length})`;
  return typeof key === "object" && key !== null ? classNameOf(key) : String(key);
}

function reprOrClass(object: PyObject): string {
  try {
    return object.repr();
  } catch {
    return "…";
  }
}

/**
 * The bytes a Uint8Array, Uint8ClampedArray or ArrayBuffer holds; refuses a detached buffer,
 * whose views read as empty.
 */
function bytesOf(object: Uint8Array | Uint8ClampedArray | ArrayBuffer): Uint8Array | Uint8ClampedArray {
  const buffer = object instanceof ArrayBuffer ? object : object.buffer;
  if ((buffer as ArrayBuffer).detached) {
    throw new TypeError(
      "pyframe: cannot convert a detached ArrayBuffer (or a view of one) to Python: its bytes went with a " +
        "transfer (postMessage, structuredClone); convert it before transferring, or a copy of it",
    );
  }
  return object instanceof ArrayBuffer ? new Uint8Array(object) : object;
}

function cannotConvert(value: unknown): TypeError {
  if (value instanceof Promise) {
    return new TypeError("pyframe: cannot convert a Promise to Python; await it in JavaScript and pass the result");
  }
  const what = typeof value === "symbol" ? "a symbol" : withArticle(classNameOf(value as object));
  return new TypeError(
    `pyframe: cannot convert ${what} to Python; pass a number, bigint, string, boolean, null, undefined, ` +
      "Array, Map, Set, plain object, Uint8Array, function or PyObject",
  );
}
