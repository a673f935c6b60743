/**
 * `PyObject`: a strong reference to any Python object, released by `dispose()` / `using` or, as a
 * safety net, when the JS wrapper is garbage-collected.
 *
 * @module
 */

import { cString, type Ptr } from "../ffi/mod.ts";
import { check, checkStatus, open, readString } from "./_core.ts";
import { toJS, toPython, type JSValue } from "./convert.ts";

const released = new FinalizationRegistry<Ptr>((pointer) => open().py.Py_DecRef(pointer));

/** Keyword arguments for {@link PyObject.call}: `f.call(1, kw({ sep: "-" }))`. */
export class KeywordArguments {
  constructor(readonly values: Record<string, unknown>) {}
}

/**
 * Marks keyword arguments for {@link PyObject.call}; give it as the last argument.
 *
 * @example
 * ```ts
 * import { kw, python } from "@pyframe/dynamo";
 * python.import("builtins").get("print").call("a", "b", kw({ sep: "-" })); // prints a-b
 * ```
 */
export function kw(values: Record<string, unknown>): KeywordArguments {
  return new KeywordArguments(values);
}

/**
 * A Python object held from TypeScript.
 *
 * @example
 * ```ts
 * import { python } from "@pyframe/dynamo";
 * const math = python.import("math");
 * math.get("sqrt").call(16).toJS(); // 4
 * ```
 */
export class PyObject {
  #pointer: Ptr;

  /** Takes ownership of a new (strong) reference. */
  constructor(pointer: Ptr) {
    if (!pointer) throw new TypeError("pyframe: PyObject needs a non-NULL pointer");
    this.#pointer = pointer;
    released.register(this, pointer, this);
  }

  /** Wraps a borrowed reference, taking a strong reference of its own. */
  static borrowed(pointer: Ptr): PyObject {
    open().py.Py_IncRef(pointer);
    return new PyObject(pointer);
  }

  /** The object's address; throws once disposed. */
  get pointer(): Ptr {
    if (!this.#pointer) throw new ReferenceError("pyframe: this PyObject was disposed");
    return this.#pointer;
  }

  /** Attribute `name`, as a PyObject. Throws PythonError (AttributeError) when missing. */
  get(name: string): PyObject {
    return new PyObject(check(open().py.PyObject_GetAttrString(this.pointer, cString(name))));
  }

  /** Sets attribute `name` to `value` (converted). */
  set(name: string, value: unknown): void {
    const converted = toPython(value);
    try {
      checkStatus(open().py.PyObject_SetAttrString(this.pointer, cString(name), converted));
    } finally {
      open().py.Py_DecRef(converted);
    }
  }

  /** Whether attribute `name` exists. */
  has(name: string): boolean {
    return open().py.PyObject_HasAttrString(this.pointer, cString(name)) === 1;
  }

  /** `self[key]`, as a PyObject. */
  item(key: unknown): PyObject {
    const converted = toPython(key);
    try {
      return new PyObject(check(open().py.PyObject_GetItem(this.pointer, converted)));
    } finally {
      open().py.Py_DecRef(converted);
    }
  }

  /** Calls the object; a trailing {@link kw} gives keyword arguments. Returns a PyObject. */
  call(...args: unknown[]): PyObject {
    const { py } = open();
    const last = args.at(-1);
    const keywords = last instanceof KeywordArguments ? last : undefined;
    const positional = keywords ? args.slice(0, -1) : args;
    const tuple = check(py.PyTuple_New(positional.length));
    let kwargs = 0;
    try {
      positional.forEach((arg, i) => py.PyTuple_SetItem(tuple, i, toPython(arg)));
      if (keywords) kwargs = toPython(new Map(Object.entries(keywords.values)));
      return new PyObject(check(py.PyObject_Call(this.pointer, tuple, kwargs)));
    } finally {
      py.Py_DecRef(tuple);
      if (kwargs) py.Py_DecRef(kwargs);
    }
  }

  /** Converts to a JS value (see {@link toJS}); objects without a JS equivalent stay PyObjects. */
  toJS(): JSValue {
    return toJS(this.pointer);
  }

  /** Python's `str(self)`. */
  toString(): string {
    const { py } = open();
    const text = check(py.PyObject_Str(this.pointer));
    try {
      return readString(text);
    } finally {
      py.Py_DecRef(text);
    }
  }

  /** Python's `repr(self)`. */
  repr(): string {
    const { py } = open();
    const text = check(py.PyObject_Repr(this.pointer));
    try {
      return readString(text);
    } finally {
      py.Py_DecRef(text);
    }
  }

  /** Whether this is an instance of `type` (a PyObject naming a class). */
  isInstance(type: PyObject): boolean {
    return checkStatus(open().py.PyObject_IsInstance(this.pointer, type.pointer)) === 1;
  }

  /** The name of the object's type (`"int"`, `"function"`). */
  get typeName(): string {
    using type = new PyObject(check(open().py.PyObject_Type(this.pointer)));
    return type.get("__name__").toString();
  }

  /** Releases the reference now; later use throws. Safe to call twice. */
  dispose(): void {
    if (!this.#pointer) return;
    released.unregister(this);
    open().py.Py_DecRef(this.#pointer);
    this.#pointer = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Shown by console.log in Deno. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#inspect();
  }

  /** Shown by console.log in Bun (and Node). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#inspect();
  }

  #inspect(): string {
    return this.#pointer ? `PyObject(${this.repr()})` : "PyObject(<disposed>)";
  }
}
