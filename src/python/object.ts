/**
 * `PyObject`: a strong reference to any Python object, released by `dispose()` / `using` or, as a
 * safety net, when the JS wrapper is garbage-collected.
 *
 * @module
 */

import { enterPython, leavePython, type Ptr, runtime } from "../ffi/mod.ts";
import { check, checkStatus, type Core, open, takeError, withPython } from "./_core.ts";
import { convertOptionNames, type ConvertOptions, type JSValue, toJSValue, toPythonValue, tupleOf } from "./convert.ts";
import { PythonError } from "./error.ts";
import { raiseJSError } from "./_callback.ts";
import { stringToJS } from "./_text.ts";
import { checkOptions, describeValue, isPlainObject, nameForC, requireFunction, requirePointer } from "./_arguments.ts";

// References whose wrappers were garbage-collected: released together, under one GIL acquisition,
// in a microtask after the finalizers ran (a finalizer runs outside any Python scope).
const pendingReleases: Ptr[] = [];
let releaseScheduled = false;

function releaseCollected(): void {
  releaseScheduled = false;
  withPython((c) => {
    while (pendingReleases.length) c.py.Py_DecRef(pendingReleases.pop()!);
  });
}

const collected = new FinalizationRegistry<Ptr>((pointer) => {
  pendingReleases.push(pointer);
  if (releaseScheduled) return;
  releaseScheduled = true;
  queueMicrotask(releaseCollected);
});

/** Keyword arguments for {@link PyObject.call}: `f.call(1, kw({ sep: "-" }))`. */
export class KeywordArguments {
  /** Wraps `values`, a plain object of keyword arguments (throws a TypeError for anything else). */
  constructor(readonly values: Record<string, unknown>) {
    // Checked here, not only in kw(): an array or a string would pass its indices as names.
    if (!isPlainObject(values)) {
      throw new TypeError(
        `pyframe: kw() takes a plain object of keyword arguments, kw({ name: value }), got ${describeValue(values)}`,
      );
    }
  }
}

/**
 * Marks keyword arguments for {@link PyObject.call}; give it as the last argument.
 *
 * @example
 * ```ts
 * import { kw, python } from "@pyframe/dynamo";
 * python.builtins.get("print").call("a", "b", kw({ sep: "-" })); // prints a-b
 * ```
 */
export function kw(values: Record<string, unknown>): KeywordArguments {
  return new KeywordArguments(values);
}

/** A comparison operator for {@link PyObject.compare}. */
export type ComparisonOperator = "<" | "<=" | "==" | "!=" | ">" | ">=";

/** Operators for {@link PyObject.compare}, in CPython's `Py_LT` … `Py_GE` order. */
const comparisons: Readonly<Record<ComparisonOperator, number>> = {
  "<": 0,
  "<=": 1,
  "==": 2,
  "!=": 3,
  ">": 4,
  ">=": 5,
};

/**
 * A Python object held from TypeScript. Every method takes the GIL for its own duration.
 *
 * Calls take positional arguments, then optionally {@link kw} as the last argument for keyword
 * arguments: `f.call(1, 2, kw({ key: "v" }))` is Python's `f(1, 2, key="v")`. Arguments convert
 * with {@link toPython}; results stay PyObjects until `toJS()`.
 *
 * @example
 * ```ts
 * import { python } from "@pyframe/dynamo";
 * using math = python.import("math");
 * math.get("sqrt").call(16).toJS(); // 4
 * ```
 */
export class PyObject {
  #pointer: Ptr;

  /** Takes ownership of a new (strong) reference. */
  constructor(pointer: Ptr) {
    requirePointer(pointer, "new PyObject(pointer)");
    this.#pointer = pointer;
    collected.register(this, pointer, this);
  }

  /** Wraps a borrowed reference, taking a strong reference of its own. */
  static borrowed(pointer: Ptr): PyObject {
    requirePointer(pointer, "PyObject.borrowed(pointer)");
    withPython((c) => c.py.Py_IncRef(pointer));
    return new PyObject(pointer);
  }

  /** The object's address; throws once disposed. */
  get pointer(): Ptr {
    if (!this.#pointer) {
      throw new ReferenceError(
        "pyframe: this PyObject was disposed; keep it (no `using`, no dispose()) while you use it",
      );
    }
    return this.#pointer;
  }

  /** Attribute `name`, as a PyObject. Throws PythonError (AttributeError) when missing. */
  get(name: string): PyObject {
    const attribute = attributeName(name, "get");
    return withPython((c) => new PyObject(check(c.py.PyObject_GetAttrString(this.pointer, attribute))));
  }

  /** Sets attribute `name` to `value` (converted). */
  set(name: string, value: unknown): void {
    const attribute = attributeName(name, "set");
    withPython((c) => {
      const converted = toPythonValue(c, value);
      try {
        checkStatus(c.py.PyObject_SetAttrString(this.pointer, attribute, converted));
      } finally {
        c.py.Py_DecRef(converted);
      }
    });
  }

  /** Whether attribute `name` exists (`hasattr`). */
  has(name: string): boolean {
    const attribute = attributeName(name, "has");
    return withPython((c) => c.py.PyObject_HasAttrString(this.pointer, attribute) === 1);
  }

  /** Deletes attribute `name` (`del self.name`). Throws PythonError (AttributeError) when missing. */
  delete(name: string): void {
    const attribute = attributeName(name, "delete");
    withPython((c) => checkStatus(c.py.PyObject_SetAttrString(this.pointer, attribute, runtime.NULL)));
  }

  /** `self[key]`, as a PyObject. */
  item(key: unknown): PyObject {
    return withPython((c) =>
      this.#withConverted(c, key, (k) => new PyObject(check(c.py.PyObject_GetItem(this.pointer, k))))
    );
  }

  /** `self[key] = value`. */
  setItem(key: unknown, value: unknown): void {
    withPython((c) =>
      this.#withConverted(
        c,
        key,
        (k) => this.#withConverted(c, value, (v) => checkStatus(c.py.PyObject_SetItem(this.pointer, k, v))),
      )
    );
  }

  /** `del self[key]`. */
  deleteItem(key: unknown): void {
    withPython((c) => this.#withConverted(c, key, (k) => checkStatus(c.py.PyObject_DelItem(this.pointer, k))));
  }

  /** `value in self`. */
  contains(value: unknown): boolean {
    return withPython((c) =>
      this.#withConverted(c, value, (v) => checkStatus(c.py.PySequence_Contains(this.pointer, v)) === 1)
    );
  }

  /** `len(self)`. Throws a RangeError beyond 2^53 - 1, where a number would round it. */
  len(): number {
    const length = Number(withPython((c) => this.#checkSize(c, c.py.PyObject_Length(this.pointer))));
    if (!Number.isSafeInteger(length)) {
      throw new RangeError(
        `pyframe: len() is about ${length}, more than a number holds exactly; ` +
          `ask Python for it: python.builtins.get("len").call(object).toJS() is a bigint`,
      );
    }
    return length;
  }

  /** Calls the object; a trailing {@link kw} gives keyword arguments. Returns a PyObject. */
  call(...args: unknown[]): PyObject {
    const c = open();
    enterPython();
    try {
      // Held through the call: converting the arguments runs JS (getters), which may dispose this.
      const callee = this.pointer;
      c.py.Py_IncRef(callee);
      try {
        return new PyObject(callObject(c, callee, args));
      } finally {
        c.py.Py_DecRef(callee);
      }
    } finally {
      leavePython();
    }
  }

  /** Calls method `name` (`self.name(*args)`); a trailing {@link kw} gives keyword arguments. */
  callMethod(name: string, ...args: unknown[]): PyObject {
    const attribute = attributeName(name, "callMethod");
    return withPython((c) => {
      const method = check(c.py.PyObject_GetAttrString(this.pointer, attribute));
      try {
        return new PyObject(callObject(c, method, args));
      } finally {
        c.py.Py_DecRef(method);
      }
    });
  }

  /** Converts to a JS value (see {@link toJS}); objects without a JS equivalent stay PyObjects. */
  toJS(options?: ConvertOptions): JSValue {
    checkOptions(options, convertOptionNames, "toJS(options)");
    const c = open();
    enterPython();
    try {
      return toJSValue(c, this.pointer, options);
    } finally {
      leavePython();
    }
  }

  /** Python's `str(self)`. */
  toString(): string {
    return withPython((c) => textOf(c, c.py.PyObject_Str(this.pointer)));
  }

  /** Python's `repr(self)`. */
  repr(): string {
    return withPython((c) => textOf(c, c.py.PyObject_Repr(this.pointer)));
  }

  /** `isinstance(self, type)`; `type` may be a tuple of classes (or anything else, converted). */
  isInstance(type: PyObject): boolean {
    return withPython((c) =>
      this.#withConverted(c, type, (converted) => checkStatus(c.py.PyObject_IsInstance(this.pointer, converted)) === 1)
    );
  }

  /** `type(self)`. */
  get type(): PyObject {
    return withPython((c) => new PyObject(check(c.py.PyObject_Type(this.pointer))));
  }

  /** The name of the object's type (`"int"`, `"function"`). */
  get typeName(): string {
    using type = this.type;
    using name = type.get("__name__");
    return name.toString();
  }

  /** `self is other`: the same Python object. */
  is(other: PyObject): boolean {
    if (!(other instanceof PyObject)) {
      throw new TypeError(`pyframe: is(other) compares with a PyObject, got ${describeValue(other)}`);
    }
    return this.pointer === other.pointer;
  }

  /** `self == other` (`other` converted), as Python decides it. */
  equals(other: unknown): boolean {
    return this.compare("==", other);
  }

  /** `self <op> other` (`other` converted), e.g. `compare("<", 3)`. */
  compare(operator: ComparisonOperator, other: unknown): boolean {
    // Own keys only: "toString" or "__proto__" would find Object.prototype's.
    const op = Object.hasOwn(comparisons, operator) ? comparisons[operator] : undefined;
    if (op === undefined) {
      throw new TypeError(
        `pyframe: compare() takes one of ${Object.keys(comparisons).join(" ")}, got ${JSON.stringify(operator)}`,
      );
    }
    return withPython((c) =>
      this.#withConverted(c, other, (o) => checkStatus(c.py.PyObject_RichCompareBool(this.pointer, o, op)) === 1)
    );
  }

  /** `hash(self)`: a number, or a bigint when beyond 2^53. Throws PythonError (TypeError) when unhashable. */
  hash(): number | bigint {
    return withPython((c) => {
      const value = this.#checkSize(c, c.py.PyObject_Hash(this.pointer));
      const asNumber = Number(value);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(value);
    });
  }

  /**
   * Iterates like Python's `for`: each item is a new PyObject (dispose it, or let GC release it).
   *
   * @example
   * ```ts
   * import { python } from "@pyframe/dynamo";
   * for (const item of python.toPython([1, 2])) console.log(item.toJS()); // 1, then 2
   * ```
   */
  *[Symbol.iterator](): Iterator<PyObject> {
    using iterator = withPython((c) => new PyObject(check(c.py.PyObject_GetIter(this.pointer))));
    for (;;) {
      const item = withPython((c) => {
        const next = c.py.PyIter_Next(iterator.pointer);
        if (next) return new PyObject(next);
        if (c.py.PyErr_Occurred()) throw takeError();
        return undefined;
      });
      if (!item) return;
      yield item;
    }
  }

  /**
   * Python's `with self as value: body(value)`: calls `__enter__`, runs `body`, and always calls
   * `__exit__`, with the exception when `body` throws (a JS error reaches Python as a
   * `RuntimeError` subclass, `JSError`). If `__exit__` returns true the exception is suppressed
   * and `with` returns undefined, as in Python. A `body` returning a Promise is awaited before
   * `__exit__`.
   *
   * @example
   * ```ts
   * import { python } from "@pyframe/dynamo";
   * using builtins = python.builtins;
   * using file = builtins.get("open").call("/etc/hostname");
   * const text = file.with((f) => f.callMethod("read").toJS());
   * ```
   */
  with<T>(body: (value: PyObject) => Promise<T>): Promise<T | undefined>;
  /** Python's `with` around a synchronous `body`; see the asynchronous form above. */
  with<T>(body: (value: PyObject) => T): T | undefined;
  with<T>(body: (value: PyObject) => T | Promise<T>): T | undefined | Promise<T | undefined> {
    requireFunction(body, "with(body)");
    const [enter, exit] = this.#contextMethods();
    let value: PyObject;
    try {
      value = enter.call(this);
    } catch (error) {
      exit.dispose();
      throw error;
    } finally {
      enter.dispose();
    }
    const finish = (error: unknown, failed: boolean) => {
      try {
        if (!failed) return void this.#exit(exit, undefined);
        if (this.#exit(exit, error)) return;
        throw error;
      } finally {
        exit.dispose();
        value.dispose();
      }
    };
    let result: T | Promise<T>;
    try {
      result = body(value);
    } catch (error) {
      return finish(error, true);
    }
    if (result instanceof Promise) {
      return result.then((settled) => (finish(undefined, false), settled), (error) => finish(error, true));
    }
    finish(undefined, false);
    return result;
  }

  #contextMethods(): [PyObject, PyObject] {
    using type = this.type;
    if (!type.has("__enter__") || !type.has("__exit__")) {
      throw new TypeError(
        `pyframe: with() needs a context manager (a type with __enter__ and __exit__); ${
          type.get("__name__")
        } is not one`,
      );
    }
    return [type.get("__enter__"), type.get("__exit__")];
  }

  /** Calls `__exit__` for `error` (none when undefined); true when it suppresses the error. */
  #exit(exit: PyObject, error: unknown): boolean {
    if (error === undefined) {
      exit.call(this, null, null, null).dispose();
      return false;
    }
    using exception = pythonException(error);
    using type = exception.type;
    using traceback = exception.get("__traceback__");
    using suppress = exit.call(this, type, exception, traceback);
    return withPython((c) => checkStatus(c.py.PyObject_IsTrue(suppress.pointer)) === 1);
  }

  /** Releases the reference now; later use throws. Safe to call twice. */
  dispose(): void {
    if (!this.#pointer) return;
    collected.unregister(this);
    const pointer = this.#pointer;
    this.#pointer = 0;
    withPython((c) => c.py.Py_DecRef(pointer));
  }

  /** `using` releases the reference at the end of the block, as {@link PyObject.dispose}. */
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

  /** What console.log shows; never throws (a failing `__repr__` is shown, not raised). */
  #inspect(): string {
    if (!this.#pointer) return "PyObject(<disposed>)";
    try {
      return `PyObject(${this.repr()})`;
    } catch (error) {
      const why = error instanceof PythonError ? `${error.type}: ${error.pythonMessage}` : String(error);
      return `PyObject(<${this.#typeNameIfAny()}object; repr() failed: ${why}>)`;
    }
  }

  /** `"name "`, or "" when even the type's `__name__` fails. */
  #typeNameIfAny(): string {
    try {
      return `${this.typeName} `;
    } catch {
      return "";
    }
  }

  #withConverted<T>(c: Core, value: unknown, body: (converted: Ptr) => T): T {
    const converted = toPythonValue(c, value);
    try {
      return body(converted);
    } finally {
      c.py.Py_DecRef(converted);
    }
  }

  #checkSize(c: Core, size: number | bigint): number | bigint {
    if (Number(size) === -1 && c.py.PyErr_Occurred()) throw takeError();
    return size;
  }
}

/** An attribute name for a `PyObject` method, checked (see `nameForC`). */
function attributeName(name: unknown, method: string): Uint8Array {
  return nameForC(name, `PyObject.${method}(name)`, "an attribute name");
}

/** Calls `callable` with JS arguments (a trailing {@link kw} gives keywords); a new reference. */
function callObject(c: Core, callable: Ptr, args: unknown[]): Ptr {
  const { py } = c;
  const last = args.at(-1);
  const keywords = last instanceof KeywordArguments ? last : undefined;
  const misplaced = args.findIndex((arg, index) => arg instanceof KeywordArguments && index < args.length - 1);
  if (misplaced >= 0) {
    throw new TypeError(
      `pyframe: kw({ ... }) goes last in a call's arguments; here it is argument ${misplaced + 1} of ${args.length}`,
    );
  }
  const tuple = tupleOf(c, keywords ? args.slice(0, -1) : args);
  let kwargs: Ptr = runtime.NULL;
  try {
    if (keywords) kwargs = toPythonValue(c, new Map(Object.entries(keywords.values)));
    return check(py.PyObject_Call(callable, tuple, kwargs));
  } finally {
    py.Py_DecRef(tuple);
    if (kwargs) py.Py_DecRef(kwargs);
  }
}

/** The text of a new `str` reference (consumed), or the pending error thrown. */
function textOf(c: Core, text: Ptr): string {
  check(text);
  try {
    return stringToJS(c.py, text) ?? (() => {
      throw takeError();
    })();
  } finally {
    c.py.Py_DecRef(text);
  }
}

/** The Python exception object for a JS error: a PythonError's own, or a new JSError. */
function pythonException(error: unknown): PyObject {
  if (error instanceof PythonError && error.value) return PyObject.borrowed(error.value.pointer);
  return withPython((c) => {
    raiseJSError(c, error);
    const thrown = takeRaw(c);
    return new PyObject(thrown);
  });
}

const kindOut = new BigUint64Array(1), valueOut = new BigUint64Array(1), tracebackOut = new BigUint64Array(1);

/** Clears the pending exception and returns a new reference to its (normalized) value. */
function takeRaw(c: Core): Ptr {
  const { py } = c;
  py.PyErr_Fetch(kindOut, valueOut, tracebackOut);
  py.PyErr_NormalizeException(kindOut, valueOut, tracebackOut);
  const [k, v, t] = [kindOut[0], valueOut[0], tracebackOut[0]].map(runtime.pointer);
  if (k) py.Py_DecRef(k);
  if (t) py.Py_DecRef(t);
  return check(v);
}
