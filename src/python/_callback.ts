/**
 * JS functions as Python callables, and JS errors as Python exceptions. Private to src/python.
 *
 * A JS function handed to Python becomes a `_pyframe.JSFunction` holding a handle. Its `__call__`
 * is a method whose C function is native (`pyframe_js_function_entry`): no Python frame runs, the
 * native side refuses every thread but the JS thread (calling JS elsewhere hangs or crashes the
 * runtime), reads the handle and calls one JS callback (made once, never closed) with it, the
 * arguments tuple and the keywords. Its `__del__`, native too, releases the handle, so nothing is
 * kept once Python drops the callable (a JSError's `__del__` does the same for the JS value it
 * carries).
 *
 * @module
 */

import {
  calledFromPython,
  cName,
  cString,
  functionCallbackSpec,
  type Ptr,
  releaseCallbackSpec,
  runtime,
} from "../ffi/mod.ts";
import { check, type Core, open } from "./_core.ts";
import { PythonError } from "./error.ts";
import * as handles from "./_handles.ts";
import { PyObject } from "./object.ts";
import { toJSValue, toPythonValue, tupleOf } from "./convert.ts";
import { dropRefusedPromise } from "./_arguments.ts";
import { isStackOverflow } from "./_stack.ts";

/** `METH_VARARGS`: the C function gets (self, args tuple). */
const methVarargs = 1;
/** `METH_KEYWORDS`, with METH_VARARGS: the C function also gets the keywords (a dict, or NULL). */
const methKeywords = 2;
/** `METH_NOARGS`: the C function gets (self, NULL). */
const methNoArgs = 4;

/** What a handle of a JS function holds. */
interface Callable {
  fn: (...args: never[]) => unknown;
  /** Whether arguments arrive as PyObjects instead of converted JS values. */
  rawArguments: boolean;
}

let releasedList: Ptr = 0;
let takeReleased: Ptr = 0;

/**
 * Part of start-up: gives `JSFunction` its `__call__` (calling JS: `callFromPython`) and both
 * `JSFunction` and `JSError` their `__del__` (releasing the handle: `releaseFromPython`), methods
 * whose C functions are native entries. They refuse (or queue, for releases) what JS cannot run:
 * another thread, a forked child, or too deep in the C stack for the JS engine (native/stack.zig),
 * where V8 would abort the process.
 */
export function installCallbacks(c: Core): void {
  const { py, native } = c;
  releasedList = check(py.PyObject_GetAttrString(c.helper, cString("_released")));
  takeReleased = check(py.PyObject_GetAttrString(c.helper, cString("_take_released")));
  // Both callbacks live as long as the process.
  native.pyframe_set_js_release_target(runtime.callback(releaseCallbackSpec, releaseFromPython));
  native.pyframe_set_js_function_target(
    runtime.callback(functionCallbackSpec, callFromPython),
    handleOffset(c),
    releasedList,
  );
  const call = methodDef(
    c,
    "__call__",
    native.pyframe_js_function_entry(),
    methVarargs | methKeywords,
    "__call__($self, /, *args, **kwargs)\n--\n\n",
  );
  setMethod(c, c.types.jsFunction, "__call__", call);
  const release = methodDef(c, "__del__", native.pyframe_js_release_entry(), methNoArgs);
  for (const type of [c.types.jsFunction, c.jsErrorType]) setMethod(c, type, "__del__", release);
  checkHandleOffset(c);
}

/** A new PyMethodDef, allocated once and never freed (Python keeps pointing at it). */
function methodDef(c: Core, name: string, entry: Ptr, flags: number, doc?: string): Ptr {
  // PyMethodDef { const char *ml_name; PyCFunction ml_meth; int ml_flags; const char *ml_doc; }
  const size = 32;
  const nameBytes = cString(name), docBytes = doc === undefined ? undefined : cString(doc);
  const block = check(c.py.PyMem_RawMalloc(size + nameBytes.length + (docBytes?.length ?? 0)));
  const memory = runtime.view(block, size + nameBytes.length + (docBytes?.length ?? 0));
  memory.set(nameBytes, size);
  if (docBytes) memory.set(docBytes, size + nameBytes.length);
  const fields = new DataView(memory.buffer, memory.byteOffset, size);
  fields.setBigUint64(0, BigInt(block) + BigInt(size), true);
  fields.setBigUint64(8, BigInt(entry), true);
  fields.setInt32(16, flags, true);
  fields.setBigUint64(24, docBytes ? BigInt(block) + BigInt(size + nameBytes.length) : 0n, true);
  return block;
}

/** Makes the method `definition` the attribute `name` of the class `type`. */
function setMethod(c: Core, type: Ptr, name: string, definition: Ptr): void {
  const method = check(c.py.PyDescr_NewMethod(type, definition));
  const status = c.py.PyObject_SetAttrString(type, cString(name), method);
  c.py.Py_DecRef(method);
  if (status !== 0) check(0);
}

/** Where a JSFunction holds its handle: its first slot, right after the object header. */
function handleOffset(c: Core): number {
  const { py } = c;
  const object = check(py.PyObject_GetAttrString(c.builtins, cString("object")));
  const size = py.PyObject_GetAttrString(object, cString("__basicsize__"));
  py.Py_DecRef(object);
  try {
    return Number(py.PyLong_AsLongLong(check(size)));
  } finally {
    py.Py_DecRef(size);
  }
}

/** Fails start-up, rather than a first call, if the native side does not find a handle there. */
function checkHandleOffset(c: Core): void {
  const probe = 2 ** 40; // No handle of this process: its release at once is a no-op.
  const instance = newJSFunction(c, probe, "probe");
  const found = c.native.pyframe_js_function_handle(instance);
  c.py.Py_DecRef(instance);
  if (found !== probe) {
    throw new Error(
      `pyframe: JSFunction's handle slot is not where the native side reads it (found ${found}); please report this`,
    );
  }
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
    return newJSFunction(c, handle, name || "<anonymous>");
  } catch (error) {
    handles.release(handle);
    throw error;
  }
}

/** The JS function behind a `JSFunction` (borrowed). The caller holds the GIL. */
export function functionOf(c: Core, object: Ptr): unknown {
  return (handles.lookup(c.native.pyframe_js_function_handle(object)) as Callable).fn;
}

/**
 * A new JSFunction holding `handle`, made without running Python code (no `__init__`), so that
 * Python's tracers and profilers see no frame of pyframe's.
 */
function newJSFunction(c: Core, handle: number, name: string): Ptr {
  const { py } = c;
  // object.__new__ without its checks: allocates the instance; nothing of Python runs.
  const instance = check(py.PyType_GenericNew(c.types.jsFunction, runtime.NULL, runtime.NULL));
  try {
    setHandle(c, instance, handle);
    for (const attribute of ["__name__", "__qualname__"]) setConverted(c, instance, attribute, name);
    return instance;
  } catch (error) {
    py.Py_DecRef(instance);
    throw error;
  }
}

/** Sets `instance._js_handle`, which its `__call__` and `__del__` read. */
function setHandle(c: Core, instance: Ptr, handle: number): void {
  setConverted(c, instance, "_js_handle", handle);
}

function setConverted(c: Core, target: Ptr, name: string, value: unknown): void {
  const converted = toPythonValue(c, value);
  const status = c.py.PyObject_SetAttrString(target, cName(name), converted);
  c.py.Py_DecRef(converted);
  if (status !== 0) check(0);
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
      const exception = callHelperClass(c, c.jsErrorType, [message]);
      try {
        setHandle(c, exception, handle);
        c.py.PyErr_SetObject(c.jsErrorType, exception);
      } finally {
        c.py.Py_DecRef(exception);
      }
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

/** `JSFunction.__call__` (through the native entry). Never throws: JS must not unwind native frames. */
function callFromPython(handle: Ptr, args: Ptr, kwargs: Ptr, releasedWaiting: Ptr): Ptr {
  const c = open();
  return calledFromPython(() => {
    try {
      if (releasedWaiting) releasePending(c);
      return callJS(c, handles.lookup(Number(handle)) as Callable, args, kwargs);
    } catch (error) {
      raiseJSError(c, error);
      return runtime.NULL;
    }
  });
}

/** `__del__` of a JSFunction or JSError (through the native entry), on the JS thread. */
function releaseFromPython(handle: Ptr): void {
  handles.release(Number(handle));
}

function callJS(c: Core, callable: Callable, args: Ptr, kwargs: Ptr): Ptr {
  const { py } = c;
  const jsArgs: unknown[] = callable.rawArguments ? rawItems(c, args) : toJSValue(c, args) as unknown[];
  if (kwargs && Number(py.PyObject_Length(kwargs)) > 0) {
    const keywords = callable.rawArguments ? rawKeywords(kwargs) : toJSValue(c, kwargs) as Map<string, unknown>;
    jsArgs.push(Object.fromEntries(keywords));
  }
  const result = applyFromPython(callable.fn as (...args: unknown[]) => unknown, jsArgs);
  dropRefusedPromise(result); // refused just below
  return toPythonValue(c, result);
}

/** Fewer arguments than this leave the engines' stacks room to spare (an overflow is the callee's). */
const MANY_ARGUMENTS = 10_000;

/**
 * `fn(...args)`, called as a plain function: `this` is undefined, not pyframe's record of the
 * callable. The engines pass arguments on their stack (Deno takes some 130,000, Bun 640,000), so
 * an overflow with many of them is said to be theirs, not the function's.
 */
function applyFromPython(fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  try {
    return Reflect.apply(fn, undefined, args);
  } catch (error) {
    if (args.length < MANY_ARGUMENTS || !isStackOverflow(error)) throw error;
    throw new RangeError(
      `pyframe: a JS function was called from Python with ${args.length} arguments, more than the JS engine ` +
        "passes on its stack in one call; pass them in one list instead",
      { cause: error },
    );
  }
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
