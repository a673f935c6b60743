/**
 * The open interpreter: bound C API, well-known objects, and turning a NULL result into a thrown
 * error. Private to src/python.
 *
 * Every function here expects the caller to hold the GIL (`enterPython` … `leavePython`, see
 * src/ffi/gil.ts); the exported functions of src/python take it themselves.
 *
 * @module
 */

import {
  cName,
  cString,
  enterPython,
  inPython,
  leavePython,
  load,
  type Loaded,
  type Native,
  type Ptr,
  type Python,
  pythonEnded,
  runtime,
} from "../ffi/mod.ts";
import { KeyboardInterrupt, lastLineOf, PythonError, SystemExit } from "./error.ts";
import { helperSource } from "./_helper_source.ts";
import { PyObject } from "./object.ts";
import { stringToJS } from "./_text.ts";
import * as handles from "./_handles.ts";
import { installCallbacks } from "./_callback.ts";

export interface Core {
  readonly loaded: Loaded;
  /** The C API without the GIL check: callers hold the GIL. */
  readonly py: Python;
  readonly native: Native;
  readonly types: {
    none: Ptr;
    bool: Ptr;
    int: Ptr;
    float: Ptr;
    str: Ptr;
    bytes: Ptr;
    bytearray: Ptr;
    memoryview: Ptr;
    list: Ptr;
    tuple: Ptr;
    dict: Ptr;
    set: Ptr;
    frozenset: Ptr;
    code: Ptr;
    jsFunction: Ptr;
  };
  readonly none: Ptr;
  readonly true: Ptr;
  readonly false: Ptr;
  readonly builtins: Ptr;
  readonly helper: Ptr;
  readonly baseExceptionType: Ptr;
  readonly runtimeErrorType: Ptr;
  readonly typeErrorType: Ptr;
  readonly systemExitType: Ptr;
  readonly keyboardInterruptType: Ptr;
  readonly recursionErrorType: Ptr;
  readonly jsErrorType: Ptr;
}

let core: Core | undefined;
let opening = false;

/** The interpreter, opened on first use (throws LoadError when no usable Python is found). */
export function open(): Core {
  if (core) return core;
  if (opening) throw new Error("pyframe: the interpreter is still starting (open() called while opening)");
  opening = true;
  try {
    const loaded = load();
    core = inPython(() => startCore(loaded));
  } finally {
    opening = false;
  }
  inPython(() => afterStart(core!));
  return core;
}

function startCore(loaded: Loaded): Core {
  const { py, native } = loaded.unguarded;
  const builtins = py.PyImport_ImportModule(cString("builtins"));
  if (!builtins) throw new Error("pyframe: CPython started but `import builtins` failed");
  const builtin = (name: string): Ptr => {
    const value = py.PyObject_GetAttrString(builtins, cString(name));
    if (!value) throw new Error(`pyframe: builtins.${name} is missing`);
    return value; // Kept for the life of the process.
  };
  const none = builtin("None");
  const typeNames = [
    "bool",
    "int",
    "float",
    "str",
    "bytes",
    "bytearray",
    "memoryview",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
  ] as const;
  const types = Object.fromEntries(typeNames.map((name) => [name, builtin(name)])) as Record<
    (typeof typeNames)[number],
    Ptr
  >;
  const helper = installHelper(py);
  const helperAttribute = (name: string): Ptr => {
    const value = py.PyObject_GetAttrString(helper, cString(name));
    if (!value) throw new Error(`pyframe: _pyframe.${name} is missing`);
    return value;
  };
  const typesModule = py.PyImport_ImportModule(cString("types"));
  const codeType = py.PyObject_GetAttrString(typesModule, cString("CodeType"));
  py.Py_DecRef(typesModule);
  return {
    loaded,
    py,
    native,
    types: { ...types, none: py.PyObject_Type(none), code: codeType, jsFunction: helperAttribute("JSFunction") },
    none,
    true: builtin("True"),
    false: builtin("False"),
    builtins,
    helper,
    baseExceptionType: builtin("BaseException"),
    runtimeErrorType: builtin("RuntimeError"),
    typeErrorType: builtin("TypeError"),
    systemExitType: builtin("SystemExit"),
    keyboardInterruptType: builtin("KeyboardInterrupt"),
    recursionErrorType: builtin("RecursionError"),
    jsErrorType: helperAttribute("JSError"),
  };
}

function installHelper(py: Python): Ptr {
  const code = py.Py_CompileString(cString(helperSource), cString("<pyframe helper>"), 257 /* Py_file_input */);
  if (!code) throw new Error(`pyframe: the helper module does not compile: ${describePending(py)}`);
  const module = py.PyImport_AddModule(cString("_pyframe")); // borrowed
  const namespace = py.PyModule_GetDict(module); // borrowed
  const result = py.PyEval_EvalCode(code, namespace, namespace);
  py.Py_DecRef(code);
  if (!result) throw new Error(`pyframe: the helper module failed to run: ${describePending(py)}`);
  py.Py_DecRef(result);
  py.Py_IncRef(module);
  return module;
}

/** The pending exception as text, during start-up (before `takeError` can run). */
function describePending(py: Python): string {
  py.PyErr_Fetch(kindOut, valueOut, tracebackOut);
  const [k, v, t] = [kindOut[0], valueOut[0], tracebackOut[0]].map(runtime.pointer);
  const text = v ? py.PyObject_Str(v) : runtime.NULL;
  const message = text ? stringToJS(py, text) : undefined;
  for (const object of [text, k, v, t]) if (object) py.Py_DecRef(object);
  py.PyErr_Clear();
  return message ?? "no message";
}

function afterStart(c: Core): void {
  installCallbacks(c);
  hideHelperFrames(c);
}

/** A function of the `_pyframe` helper module. */
export function helperFunction(name: string): PyObject {
  const c = open();
  return inPython(() => new PyObject(check(c.py.PyObject_GetAttrString(c.helper, cName(name)))));
}

/** Pyframe's own Python never shows up in a Dynamo callback; `run`, `import_file` and a JS
 * function's `__call__` run the user's code, so what they call stays visible. */
function hideHelperFrames(c: Core): void {
  using helper = PyObject.borrowed(c.helper);
  hideFramesOf(helper, { callsUserCode: ["run", "import_file", "__call__"] });
}

/** Options for {@link hideFramesOf}. */
export interface HideOptions {
  /** Names of functions that call user code: hidden themselves, but not what they call. */
  callsUserCode?: readonly string[];
}

/**
 * Marks pyframe-internal Python (a module's functions, or a code object and its nested code) so
 * no Dynamo ever shows its frames, nor those it starts: they run unchanged without calling JS.
 *
 * @example
 * ```ts
 * import { hideFramesOf, python } from "./mod.ts";
 * using module = python.import("json");
 * hideFramesOf(module, { callsUserCode: ["loads"] });
 * ```
 */
export function hideFramesOf(target: PyObject, options: HideOptions = {}): void {
  const c = open();
  const visible = new Set(options.callsUserCode ?? []);
  using codes = helperFunction("own_code_objects").call(target);
  for (const code of codes) {
    using _ = code;
    using name = code.get("co_name");
    const withCalls = visible.has(String(name.toJS())) ? 0 : 1;
    if (inPython(() => c.native.pyframe_code_ignore(code.pointer, withCalls)) !== 0) {
      throw new Error("pyframe: could not mark pyframe's own code objects");
    }
  }
}

/** Returns `result`, or throws the pending Python exception when it is NULL. */
export function check(result: Ptr): Ptr {
  if (!result) throw takeError();
  return result;
}

/** Throws the pending Python exception when `status` is -1. */
export function checkStatus(status: number): number {
  if (status === -1) throw takeError();
  return status;
}

/**
 * Clears the pending Python exception and returns what to throw in JS: a {@link PythonError}
 * (a {@link SystemExit} or {@link KeyboardInterrupt} for those), or, for a JS error that crossed
 * Python uncaught, the original JS value.
 *
 * @example
 * ```ts
 * import { takeError } from "./mod.ts";
 * const error = takeError(); // an Error saying no exception was set, when none is pending
 * ```
 */
export function takeError(): unknown {
  return withPython(fetchError);
}

/** Runs `body` holding the GIL, with the open interpreter. */
export function withPython<T>(body: (c: Core) => T): T {
  const c = open();
  enterPython();
  try {
    return body(c);
  } finally {
    leavePython();
  }
}

const kindOut = new BigUint64Array(1), valueOut = new BigUint64Array(1), tracebackOut = new BigUint64Array(1);

function fetchError(c: Core): unknown {
  const { py } = c;
  if (!py.PyErr_Occurred()) return new Error("pyframe: a Python call failed without setting an exception");
  py.PyErr_Fetch(kindOut, valueOut, tracebackOut);
  py.PyErr_NormalizeException(kindOut, valueOut, tracebackOut);
  const [k, v, t] = [kindOut[0], valueOut[0], tracebackOut[0]].map(runtime.pointer);
  // 3.11 leaves the traceback off the exception (3.12 keeps it there): raised again in Python (a
  // PythonError thrown by a JS function Python called), it lost the frames it came through.
  if (v && t && py.PyException_SetTraceback(v, t) !== 0) py.PyErr_Clear();
  try {
    if (v && py.PyErr_GivenExceptionMatches(v, c.jsErrorType)) {
      const original = originalJSError(c, v);
      if (original.found) return original.value;
    }
    const typeName = attributeString(c, k, "__name__") ?? "Exception";
    // Python's own traceback shows this when str() of the exception raises.
    const message = v ? exceptionText(c, v) : "";
    const exception = new PyObject(tupleOfPointers(c, [k || c.none, v || c.none, t || c.none]));
    const formatted = () => formatException(exception, lastLineOf(typeName, message));
    const value = v ? PyObject.borrowed(v) : undefined;
    if (v && py.PyErr_GivenExceptionMatches(v, c.systemExitType)) {
      return new SystemExit(typeName, message, formatted, value, exitCode(c, v));
    }
    if (v && py.PyErr_GivenExceptionMatches(v, c.keyboardInterruptType)) {
      return new KeyboardInterrupt(typeName, message, formatted, value);
    }
    return new PythonError(typeName, message, formatted, value);
  } finally {
    py.Py_DecRef(k);
    py.Py_DecRef(v);
    py.Py_DecRef(t);
  }
}

/** The JS value a JSError carries, when its handle is still held. */
function originalJSError(c: Core, exception: Ptr): { found: boolean; value?: unknown } {
  const { py } = c;
  const handle = py.PyObject_GetAttrString(exception, cName("_js_handle"));
  if (!handle) {
    py.PyErr_Clear();
    return { found: false };
  }
  try {
    if (handle === c.none) return { found: false };
    return { found: true, value: handles.lookup(Number(py.PyLong_AsLongLong(handle))) };
  } catch {
    return { found: false };
  } finally {
    py.Py_DecRef(handle);
  }
}

/**
 * `SystemExit.code`: for an int (subclasses included: CPython exits with `sys.exit(True)`'s 1) a
 * number, or a bigint beyond 2^53; text for anything else; null for None. Never throws.
 */
function exitCode(c: Core, exception: Ptr): unknown {
  const { py } = c;
  const code = py.PyObject_GetAttrString(exception, cName("code"));
  if (!code) {
    py.PyErr_Clear();
    return null;
  }
  try {
    if (code === c.none) return null;
    if (py.PyObject_IsInstance(code, c.types.int) === 1) return intToJS(c, code);
    py.PyErr_Clear(); // isinstance may fail on an object with a broken __class__: text, then.
    return stringOf(c, code) ?? null;
  } catch {
    return stringOf(c, code) ?? null; // Cleared by takeError; an int whose conversion failed.
  } finally {
    py.Py_DecRef(code);
  }
}

/** Whether a JS number becomes a Python int (else a float): a safe integer, and not -0. */
export function isExactInt(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/** Below 2^53 in magnitude a double holds every integer exactly. */
const safeLimit = 2 ** 53;

/**
 * A Python int as JS: a number within ±(2^53 - 1), where it is exact, else a bigint (read in
 * hexadecimal, which has no digit limit, unlike str()). Throws the Python error if it fails.
 */
export function intToJS(c: Core, object: Ptr): number | bigint {
  const { py } = c;
  // Rounding never takes a larger integer below 2^53, so |value| < 2^53 means the double is the int.
  const value = py.PyLong_AsDouble(object);
  if (value === -1 && py.PyErr_Occurred()) py.PyErr_Clear(); // OverflowError: beyond a double.
  else if (Math.abs(value) < safeLimit) return value;
  const hex = check(py.PyNumber_ToBase(object, 16));
  try {
    const text = stringToJS(py, hex)!;
    return text.startsWith("-") ? -BigInt(text.slice(1)) : BigInt(text);
  } finally {
    py.Py_DecRef(hex);
  }
}

/**
 * Sets a Python exception of `type` (default RuntimeError) with `message`.
 *
 * @example
 * ```ts
 * import { raise } from "./mod.ts";
 * raise("pyframe: the callback failed"); // the Python code that called JS sees a RuntimeError
 * ```
 */
export function raise(message: string, type?: Ptr): void {
  const c = open();
  inPython(() => c.py.PyErr_SetString(type ?? c.runtimeErrorType, cString(message)));
}

// The helpers below never throw: they run while an error is being reported.

function attributeString(c: Core, object: Ptr, name: string): string | undefined {
  if (!object) return undefined;
  const { py } = c;
  const value = py.PyObject_GetAttrString(object, cName(name));
  if (!value) {
    py.PyErr_Clear();
    return undefined;
  }
  try {
    return stringOf(c, value);
  } finally {
    py.Py_DecRef(value);
  }
}

function stringOf(c: Core, object: Ptr): string | undefined {
  if (!object) return undefined;
  const result = strLeavingError(c, object);
  if (result === undefined) c.py.PyErr_Clear();
  return result;
}

/** str() of `object`, or undefined with the Python error that stopped it still pending. */
function strLeavingError(c: Core, object: Ptr): string | undefined {
  const { py } = c;
  const text = py.PyObject_Str(object);
  if (!text) return undefined;
  try {
    return stringToJS(py, text);
  } finally {
    py.Py_DecRef(text);
  }
}

/**
 * str() of an exception, as Python's traceback shows it. At CPython 3.12's C recursion limit str()
 * itself fails, with a RecursionError: the text the exception was raised with stands in there.
 */
function exceptionText(c: Core, exception: Ptr): string {
  const { py } = c;
  const text = strLeavingError(c, exception);
  if (text !== undefined) return text;
  const outOfStack = py.PyErr_GivenExceptionMatches(py.PyErr_Occurred(), c.recursionErrorType) !== 0;
  py.PyErr_Clear();
  return (outOfStack ? soleTextArgument(c, exception) : undefined) ?? "<exception str() failed>";
}

/**
 * The text an exception was raised with (`args` of one str). (A class with its own `__str__`,
 * KeyError's quotes for one, would have shown it otherwise.)
 */
function soleTextArgument(c: Core, exception: Ptr): string | undefined {
  const { py } = c;
  const args = py.PyObject_GetAttrString(exception, cName("args"));
  if (!args) return void py.PyErr_Clear();
  try {
    if (Number(py.PyTuple_Size(args)) !== 1) return void py.PyErr_Clear();
    const text = stringToJS(py, py.PyTuple_GetItem(args, 0));
    if (text === undefined) py.PyErr_Clear();
    return text;
  } finally {
    py.Py_DecRef(args);
  }
}

/**
 * The traceback of an exception fetched into a PythonError, formatted as Python prints it when the
 * error's `traceback` is first read, from the type, object and traceback it has held since (let go
 * of then). Formatting (the traceback module reads each frame's source line, and from 3.11 parses
 * it for the markers under the failing part) made an error crossing into JS cost 6-20 times a
 * call that returns, more the deeper it was raised (`bench/bridge.ts`), where most are caught and
 * dropped unread.
 */
function formatException(exception: PyObject, lastLine: string): string {
  // Read after the interpreter ended (in an exit listener pyframe's own went before), the error
  // can tell no more than the line a traceback ends with.
  if (pythonEnded()) return `${lastLine}\n`;
  try {
    return withPython((c) => callHelperString(c, "format_exception", exception.pointer)) ?? "";
  } finally {
    exception.dispose();
  }
}

/** A new tuple of the objects at `pointers`, each given a reference of the tuple's. */
function tupleOfPointers(c: Core, pointers: Ptr[]): Ptr {
  const { py } = c;
  const tuple = check(py.PyTuple_New(pointers.length));
  pointers.forEach((pointer, i) => {
    py.Py_IncRef(pointer);
    py.PyTuple_SetItem(tuple, i, pointer);
  });
  return tuple;
}

/** str() of what the helper function `name` returns for the arguments in `tuple`; undefined when it raises. */
function callHelperString(c: Core, name: string, tuple: Ptr): string | undefined {
  const { py } = c;
  const fn = py.PyObject_GetAttrString(c.helper, cName(name));
  if (!fn) return void py.PyErr_Clear();
  const result = py.PyObject_Call(fn, tuple, runtime.NULL);
  py.Py_DecRef(fn);
  if (!result) return void py.PyErr_Clear();
  try {
    return stringOf(c, result);
  } finally {
    py.Py_DecRef(result);
  }
}

/**
 * The text of a `str` object (borrowed), every code point kept, lone surrogates included.
 *
 * @example
 * ```ts
 * import { python, readString } from "./mod.ts";
 * using text = python.toPython("é");
 * readString(text.pointer); // "é"
 * ```
 */
export function readString(object: Ptr): string {
  const c = open();
  return inPython(() => {
    const text = stringToJS(c.py, object);
    if (text === undefined) throw takeError();
    return text;
  });
}
