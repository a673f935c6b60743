/**
 * The open interpreter: bound C API, well-known type addresses, and turning a NULL result into a
 * thrown PythonError. Private to src/python.
 *
 * @module
 */

import { cString, load, type Loaded, type Ptr, runtime } from "../ffi/mod.ts";
import { PythonError } from "./error.ts";
import { helperSource } from "./_helper_source.ts";
import { PyObject } from "./object.ts";

export interface Core extends Loaded {
  types: {
    none: Ptr;
    bool: Ptr;
    int: Ptr;
    float: Ptr;
    str: Ptr;
    list: Ptr;
    tuple: Ptr;
    dict: Ptr;
    code: Ptr;
  };
  none: Ptr;
  true: Ptr;
  false: Ptr;
  helper: Ptr;
  runtimeErrorType: Ptr;
  typeErrorType: Ptr;
}

let core: Core | undefined;

/** The interpreter, opened on first use. */
export function open(): Core {
  if (core) return core;
  const loaded = load();
  const { py } = loaded;
  const builtins = py.PyImport_ImportModule(cString("builtins"));
  if (!builtins) throw new Error("pyframe: CPython started but `import builtins` failed");
  const builtin = (name: string): Ptr => {
    const value = py.PyObject_GetAttrString(builtins, cString(name));
    if (!value) throw new Error(`pyframe: builtins.${name} is missing`);
    return value; // Kept for the life of the process.
  };
  const none = builtin("None");
  const partial: Omit<Core, "helper" | "types"> & { types: Partial<Core["types"]> } = {
    ...loaded,
    types: {},
    none,
    true: builtin("True"),
    false: builtin("False"),
    runtimeErrorType: builtin("RuntimeError"),
    typeErrorType: builtin("TypeError"),
  };
  for (const name of ["bool", "int", "float", "str", "list", "tuple", "dict"] as const) partial.types[name] = builtin(name);
  partial.types.none = py.PyObject_Type(none);
  py.Py_DecRef(builtins);
  core = { ...partial, types: partial.types as Core["types"], helper: 0 };
  core.helper = installHelper(core);
  hideHelperFrames(core);
  core.types.code = check(py.PyObject_GetAttrString(check(py.PyImport_ImportModule(cString("types"))), cString("CodeType")));
  return core;
}

function installHelper(c: Core): Ptr {
  const { py } = c;
  const code = check(py.Py_CompileString(cString(helperSource), cString("<pyframe helper>"), 257 /* Py_file_input */));
  const module = check(py.PyImport_AddModule(cString("_pyframe"))); // borrowed
  const namespace = py.PyModule_GetDict(module); // borrowed
  py.Py_DecRef(check(py.PyEval_EvalCode(code, namespace, namespace)));
  py.Py_DecRef(code);
  py.Py_IncRef(module);
  return module;
}

/** A function of the `_pyframe` helper module. */
export function helperFunction(name: string): PyObject {
  return new PyObject(check(open().py.PyObject_GetAttrString(open().helper, cString(name))));
}

/** Pyframe's own Python never shows up in a Dynamo callback; `run` executes the user's code,
 * so what it calls stays visible. */
function hideHelperFrames(c: Core): void {
  using helper = PyObject.borrowed(c.helper);
  hideFramesOf(helper, { callsUserCode: ["run"] });
}

/** Options for {@link hideFramesOf}. */
export interface HideOptions {
  /** Names of functions that call user code: hidden themselves, but not what they call. */
  callsUserCode?: readonly string[];
}

/**
 * Marks pyframe-internal Python (a module's functions, or a code object and its nested code) so
 * no Dynamo ever shows its frames, nor those it starts: they run unchanged without calling JS.
 */
export function hideFramesOf(target: PyObject, options: HideOptions = {}): void {
  const c = open();
  const visible = new Set(options.callsUserCode ?? []);
  using codes = helperFunction("own_code_objects").call(target);
  const count = Number(c.py.PyObject_Length(codes.pointer));
  for (let i = 0; i < count; i++) {
    using code = codes.item(i);
    using name = code.get("co_name");
    const withCalls = visible.has(String(name.toJS())) ? 0 : 1;
    if (c.native.pyframe_code_ignore(code.pointer, withCalls) !== 0) {
      throw new Error("pyframe: could not mark pyframe's own code objects");
    }
  }
}

/** Returns `result`, or throws the pending Python exception when it is NULL (0). */
export function check(result: Ptr): Ptr {
  if (!result) throw takeError();
  return result;
}

/** Throws the pending Python exception when `status` is -1. */
export function checkStatus(status: number): number {
  if (status === -1) throw takeError();
  return status;
}

/** Clears the pending Python exception and returns it as a PythonError. */
export function takeError(): Error {
  const c = open();
  const { py } = c;
  if (!py.PyErr_Occurred()) return new Error("pyframe: a Python call failed without setting an exception");
  const kind = new BigUint64Array(1), value = new BigUint64Array(1), traceback = new BigUint64Array(1);
  py.PyErr_Fetch(kind, value, traceback);
  py.PyErr_NormalizeException(kind, value, traceback);
  const [k, v, t] = [Number(kind[0]), Number(value[0]), Number(traceback[0])];
  try {
    const typeName = attributeString(k, "__name__") ?? "Exception";
    const message = stringOf(v) ?? "";
    const formatted = callHelperString(c, "format_exception", [k || c.none, v || c.none, t || c.none]) ?? "";
    const error = new PythonError(typeName, message, formatted, v ? PyObject.borrowed(v) : undefined);
    return error;
  } finally {
    py.Py_DecRef(k);
    py.Py_DecRef(v);
    py.Py_DecRef(t);
  }
}

/** Sets a Python exception of `type` (default RuntimeError) with `message`. */
export function raise(message: string, type?: Ptr): void {
  const c = open();
  c.py.PyErr_SetString(type ?? c.runtimeErrorType, cString(message));
}

// The helpers below never throw: they run while an error is being reported.

function attributeString(object: Ptr, name: string): string | undefined {
  if (!object) return undefined;
  const { py } = open();
  const value = py.PyObject_GetAttrString(object, cString(name));
  if (!value) {
    py.PyErr_Clear();
    return undefined;
  }
  try {
    return stringOf(value);
  } finally {
    py.Py_DecRef(value);
  }
}

function stringOf(object: Ptr): string | undefined {
  if (!object) return undefined;
  const { py } = open();
  const text = py.PyObject_Str(object);
  if (!text) {
    py.PyErr_Clear();
    return undefined;
  }
  try {
    return readString(text);
  } catch {
    py.PyErr_Clear();
    return undefined;
  } finally {
    py.Py_DecRef(text);
  }
}

function callHelperString(c: Core, name: string, args: Ptr[]): string | undefined {
  const { py } = c;
  const fn = py.PyObject_GetAttrString(c.helper, cString(name));
  if (!fn) return void py.PyErr_Clear();
  const tuple = py.PyTuple_New(args.length);
  args.forEach((arg, i) => {
    py.Py_IncRef(arg);
    py.PyTuple_SetItem(tuple, i, arg);
  });
  const result = py.PyObject_Call(fn, tuple, 0);
  py.Py_DecRef(tuple);
  py.Py_DecRef(fn);
  if (!result) return void py.PyErr_Clear();
  try {
    return stringOf(result);
  } finally {
    py.Py_DecRef(result);
  }
}

const decoder = new TextDecoder();
const sizeOut = new BigInt64Array(1);

/** The text of a `str` object; throws PythonError when it cannot be encoded as UTF-8. */
export function readString(object: Ptr): string {
  const { py } = open();
  const data = check(py.PyUnicode_AsUTF8AndSize(object, sizeOut));
  return decoder.decode(runtime.view(data, Number(sizeOut[0])));
}
