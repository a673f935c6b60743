/**
 * JS functions as Python callables, and JS errors as Python exceptions. Private to src/python.
 *
 * One C function serves every JS function: a JS callback (made once, never closed) reached through
 * a native entry stored in a `PyMethodDef`, exposed to Python as `_pyframe._call_js(op, handle,
 * args, kwargs)`. A JS function handed to Python becomes a `_pyframe.JSFunction` holding a
 * handle; its `__call__` refuses every thread but the JS thread (calling JS elsewhere hangs or
 * crashes the runtime) and its `__del__` releases the handle, so nothing is kept once Python drops
 * the callable.
 *
 * @module
 */

import { calledFromPython, cString, type Ptr, pythonCallbackSpec, runtime } from "../ffi/mod.ts";
import { check, type Core, open } from "./_core.ts";
import { PythonError } from "./error.ts";
import * as handles from "./_handles.ts";
import { PyObject } from "./object.ts";
import { toJSValue, toPythonValue, tupleOf } from "./convert.ts";

const CALL = 0, RELEASE = 1;
/** `METH_VARARGS`: the C function gets (self, args tuple). */
const methVarargs = 1;

/** What a handle of a JS function holds. */
interface Callable {
  fn: (...args: never[]) => unknown;
  /** Whether arguments arrive as PyObjects instead of converted JS values. */
  rawArguments: boolean;
}

let releasedList: Ptr = 0;
let takeReleased: Ptr = 0;

/** Exposes the JS callback to Python as `_pyframe._call_js`; part of start-up. */
export function installCallbacks(c: Core): void {
  const { py, native } = c;
  const callback = runtime.callback(pythonCallbackSpec, dispatch); // Lives as long as the process.
  // Python reaches it through a native entry that refuses calls too deep in the C stack for the JS
  // engine (native/stack.zig), where V8 would abort the process.
  native.pyframe_set_js_call_target(callback);
  const name = cString("_call_js");
  // PyMethodDef { const char *ml_name; PyCFunction ml_meth; int ml_flags; const char *ml_doc; },
  // allocated once and never freed: Python keeps pointing at it.
  const methodDefBytes = 32;
  const block = check(py.PyMem_RawMalloc(methodDefBytes + name.length));
  const memory = runtime.view(block, methodDefBytes + name.length);
  memory.set(name, methodDefBytes);
  const fields = new DataView(memory.buffer, memory.byteOffset, methodDefBytes);
  fields.setBigUint64(0, BigInt(block) + BigInt(methodDefBytes), true);
  fields.setBigUint64(8, BigInt(native.pyframe_js_call_entry()), true);
  fields.setInt32(16, methVarargs, true);
  fields.setBigUint64(24, 0n, true);
  const function_ = check(py.PyCFunction_NewEx(block, runtime.NULL, runtime.NULL));
  const status = py.PyObject_SetAttrString(c.helper, cString("_call_js"), function_);
  py.Py_DecRef(function_);
  if (status !== 0) check(0);
  releasedList = check(py.PyObject_GetAttrString(c.helper, cString("_released")));
  takeReleased = check(py.PyObject_GetAttrString(c.helper, cString("_take_released")));
}

/** Options for {@link functionToPython}. */
export interface CallableOptions {
  /** The name Python shows (`__name__`); default: the function's own name. */
  name?: string;
  /** `true`: arguments arrive as {@link PyObject}s instead of converted JS values. */
  rawArguments?: boolean;
}

/** A new reference to a Python callable running `fn`. The caller holds the GIL. */
export function functionToPython(c: Core, fn: (...args: never[]) => unknown, options: CallableOptions = {}): Ptr {
  releasePending(c);
  const handle = handles.keep({ fn, rawArguments: options.rawArguments ?? false } satisfies Callable);
  const name = options.name ?? fn.name;
  try {
    return callHelperClass(c, c.types.jsFunction, [handle, name]);
  } catch (error) {
    handles.release(handle);
    throw error;
  }
}

/** The JS function behind a `JSFunction` (borrowed). The caller holds the GIL. */
export function functionOf(c: Core, object: Ptr): unknown {
  const handle = handleOf(c, object);
  return (handles.lookup(handle) as Callable).fn;
}

function handleOf(c: Core, object: Ptr): number {
  const attribute = check(c.py.PyObject_GetAttrString(object, cString("_js_handle")));
  try {
    return Number(c.py.PyLong_AsLongLong(attribute));
  } finally {
    c.py.Py_DecRef(attribute);
  }
}

/** Calls a class of the helper module with converted arguments; a new reference. */
function callHelperClass(c: Core, type: Ptr, args: unknown[]): Ptr {
  const tuple = tupleOf(c, args);
  try {
    return check(c.py.PyObject_Call(type, tuple, runtime.NULL));
  } finally {
    c.py.Py_DecRef(tuple);
  }
}

/**
 * Sets the Python exception for a JS value thrown while Python called JS: a {@link PythonError}
 * re-raises its own Python exception (SystemExit stays SystemExit); anything else becomes a
 * `_pyframe.JSError` (a RuntimeError) carrying the thrown value, which TypeScript gets back
 * unchanged if Python does not catch it. The caller holds the GIL.
 */
export function raiseJSError(c: Core, error: unknown): void {
  raiseThrown(c, error, (shown) => {
    const handle = handles.keep(error);
    try {
      const message = error instanceof Error ? shown : `JavaScript threw ${shown}`;
      const exception = callHelperClass(c, c.jsErrorType, [message, handle]);
      c.py.PyErr_SetObject(c.jsErrorType, exception);
      c.py.Py_DecRef(exception);
    } catch (failure) {
      handles.release(handle);
      throw failure;
    }
  });
}

/**
 * Sets the Python exception for `error`, thrown by JavaScript that Python called: a PythonError
 * still holding a Python exception raises it again; anything else is raised by `raiseOther`, given
 * a description of `error`. Never throws: an exception escaping a call from C aborts Deno and
 * crashes Bun, so a failure to raise becomes a RuntimeError saying so.
 */
export function raiseThrown(c: Core, error: unknown, raiseOther: (shown: string) => void): void {
  const { py } = c;
  try {
    const exception = heldException(c, error);
    if (exception === undefined) return raiseOther(describeThrown(error));
    const type = py.PyObject_Type(exception);
    py.PyErr_SetObject(type, exception);
    py.Py_DecRef(type);
  } catch (failure) {
    py.PyErr_SetString(
      c.runtimeErrorType,
      cString(`pyframe: a JavaScript error could not be raised in Python: ${describeThrown(failure)}`),
    );
  }
}

/**
 * The Python exception a PythonError holds, if any: its value may have been disposed, or be any
 * object in an error constructed by hand (Python refuses to raise a non-exception).
 */
function heldException(c: Core, error: unknown): Ptr | undefined {
  if (!(error instanceof PythonError) || !(error.value instanceof PyObject)) return undefined;
  let exception: Ptr;
  try {
    exception = error.value.pointer;
  } catch {
    return undefined; // Disposed: raised as any other error, by its message.
  }
  const isException = c.py.PyObject_IsInstance(exception, c.baseExceptionType);
  if (isException < 0) c.py.PyErr_Clear();
  return isException === 1 ? exception : undefined;
}

/** `Name: message` for an Error, else the value as a string; never throws. */
function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return "a value that cannot be shown"; // Object.create(null), a throwing toString
  }
}

/** The C function behind `_pyframe._call_js`. Never throws: JS must not unwind native frames. */
function dispatch(_self: Ptr, args: Ptr): Ptr {
  const c = open();
  return calledFromPython(() => {
    try {
      const { py } = c;
      const op = Number(py.PyLong_AsLongLong(py.PyTuple_GetItem(args, 0)));
      const handle = Number(py.PyLong_AsLongLong(py.PyTuple_GetItem(args, 1)));
      if (op === CALL) {
        releasePending(c);
        return callJS(c, handles.lookup(handle) as Callable, py.PyTuple_GetItem(args, 2), py.PyTuple_GetItem(args, 3));
      }
      if (op !== RELEASE) throw new Error(`pyframe: _call_js got unknown operation ${op}`);
      handles.release(handle);
      py.Py_IncRef(c.none);
      return c.none;
    } catch (error) {
      raiseJSError(c, error);
      return runtime.NULL;
    }
  });
}

function callJS(c: Core, callable: Callable, args: Ptr, kwargs: Ptr): Ptr {
  const { py } = c;
  const jsArgs: unknown[] = callable.rawArguments ? rawItems(c, args) : toJSValue(c, args) as unknown[];
  if (Number(py.PyObject_Length(kwargs)) > 0) {
    const keywords = callable.rawArguments ? rawKeywords(kwargs) : toJSValue(c, kwargs) as Map<string, unknown>;
    jsArgs.push(Object.fromEntries(keywords));
  }
  const result = (callable.fn as (...args: unknown[]) => unknown)(...jsArgs);
  return toPythonValue(c, result);
}

function rawItems(c: Core, tuple: Ptr): PyObject[] {
  const count = Number(c.py.PyTuple_Size(tuple));
  return Array.from({ length: count }, (_, i) => PyObject.borrowed(c.py.PyTuple_GetItem(tuple, i)));
}

function rawKeywords(dict: Ptr): Map<string, PyObject> {
  using items = PyObject.borrowed(dict).callMethod("items");
  const result = new Map<string, PyObject>();
  for (const item of items) {
    using pair = item;
    using key = pair.item(0);
    result.set(key.toString(), pair.item(1));
  }
  return result;
}

/** Releases the handles Python dropped on other threads (queued by `_pyframe._release`). */
function releasePending(c: Core): void {
  const { py } = c;
  if (!releasedList || Number(py.PyList_Size(releasedList)) === 0) return;
  const taken = check(py.PyObject_CallObject(takeReleased, runtime.NULL));
  try {
    for (const handle of toJSValue(c, taken) as number[]) handles.release(handle);
  } finally {
    py.Py_DecRef(taken);
  }
}
