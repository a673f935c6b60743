/**
 * The one table of native symbols: pyframe's own C ABI (native.zig) and the part of libpython's C
 * API the TypeScript side calls. Each runtime adapter translates these types to its own FFI.
 *
 * Types: `ptr` is an address as a number (0 is NULL), `buffer` a Uint8Array/typed array passed by
 * address, `function` a callback made by the adapter.
 *
 * @module
 */

export type NativeType = "void" | "u8" | "i32" | "u32" | "i64" | "u64" | "f64" | "ptr" | "buffer" | "function";

export interface SymbolSpec {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

export type SymbolTable = Record<string, SymbolSpec>;

/**
 * A JS function native code calls: its signature, and what it returns should a JS exception leave
 * it anyway. pyframe's callbacks catch every error, but a JS engine out of stack throws where no
 * catch of theirs can run (in the catch itself), and an exception leaving a callback panics Deno
 * and crashes Bun. The native caller takes that result for a failure without a Python exception
 * set, and sets one.
 */
export interface CallbackSpec extends SymbolSpec {
  readonly whenThrown: number | undefined;
}

const callback = <P extends readonly NativeType[], R extends NativeType>(
  parameters: P,
  result: R,
  whenThrown: R extends "void" ? undefined : number,
): CallbackSpec => ({ parameters, result, whenThrown });

const fn = <P extends readonly NativeType[], R extends NativeType>(parameters: P, result: R) => ({
  parameters,
  result,
});

/** pyframe's C ABI, exported by native.zig. */
export const nativeSymbols = {
  pyframe_abi_version: fn([], "u32"),
  pyframe_error: fn([], "ptr"),
  pyframe_open: fn(["buffer", "buffer", "buffer"], "i32"),
  pyframe_python_version: fn([], "u32"),
  pyframe_hook_install: fn(["function"], "i32"),
  pyframe_hook_uninstall: fn([], "i32"),
  pyframe_hook_is_current: fn([], "i32"),
  pyframe_hook_set_mode: fn(["u8"], "i32"),
  pyframe_set_layer: fn(["u32"], "void"),
  pyframe_clear_layer: fn(["u32"], "void"),
  pyframe_decide_replace: fn(["ptr"], "void"),
  pyframe_code_ignore: fn(["ptr", "u8"], "i32"),
  pyframe_code_run_as_is: fn(["ptr", "u32"], "i32"),
  pyframe_code_has_extra: fn(["ptr"], "i32"),
  pyframe_frame_code: fn(["ptr"], "ptr"),
  pyframe_frame_function: fn(["ptr"], "ptr"),
  pyframe_frame_slot: fn(["ptr", "u32"], "ptr"),
  pyframe_stat: fn(["u32"], "u64"),
  pyframe_js_stack_mark: fn([], "u8"),
  pyframe_set_js_release_target: fn(["function"], "void"),
  pyframe_js_release_entry: fn([], "ptr"),
  pyframe_set_js_function_target: fn(["function", "u32", "ptr"], "void"),
  pyframe_js_function_entry: fn([], "ptr"),
  pyframe_js_function_handle: fn(["ptr"], "f64"),
  pyframe_type_of: fn(["ptr"], "ptr"),
  pyframe_sequence_scan: fn(["ptr", "u8", "buffer", "buffer", "buffer", "buffer", "u32", "buffer", "u32"], "u32"),
  pyframe_dict_scan: fn(["ptr", "buffer", "buffer", "buffer", "buffer", "u32", "buffer", "u32"], "u32"),
  pyframe_list_fill: fn(["ptr", "buffer", "buffer", "buffer", "buffer", "buffer", "u32"], "i32"),
  pyframe_ast_init: fn(["ptr"], "i32"),
  pyframe_ast_dump: fn(["ptr", "ptr", "buffer", "u32"], "i64"),
  pyframe_ast_copy: fn(["buffer", "u32"], "i64"),
  pyframe_ast_load: fn(["buffer", "u32", "ptr"], "ptr"),
  pyframe_ast_parse: fn(["buffer", "buffer", "u32", "i32", "i32", "ptr", "buffer", "u32"], "i64"),
  pyframe_test_force_call_fallback: fn(["u8"], "void"),
  pyframe_probe_install: fn([], "i32"),
  pyframe_probe_uninstall: fn([], "i32"),
  pyframe_probe_frames: fn([], "u64"),
} as const satisfies SymbolTable;

/** The ABI version native.zig must report (its `abi_version`). */
export const NATIVE_ABI_VERSION = 13;

/** The JS callback the eval-frame function calls: (frame address) → answer (-1: failed). */
export const frameCallbackSpec = callback(["ptr"], "i32", -1);

/** libpython's C API as used by src/python (present in CPython 3.11 to 3.15). */
export const pythonSymbols = {
  Py_IncRef: fn(["ptr"], "void"),
  Py_DecRef: fn(["ptr"], "void"),
  PyErr_Occurred: fn([], "ptr"),
  PyErr_Fetch: fn(["buffer", "buffer", "buffer"], "void"),
  PyErr_NormalizeException: fn(["buffer", "buffer", "buffer"], "void"),
  PyErr_Restore: fn(["ptr", "ptr", "ptr"], "void"),
  PyException_SetTraceback: fn(["ptr", "ptr"], "i32"),
  PyErr_SetString: fn(["ptr", "buffer"], "void"),
  PyErr_SetObject: fn(["ptr", "ptr"], "void"),
  PyErr_Clear: fn([], "void"),
  PyImport_ImportModule: fn(["buffer"], "ptr"),
  PyImport_AddModule: fn(["buffer"], "ptr"),
  PyModule_GetDict: fn(["ptr"], "ptr"),
  Py_CompileString: fn(["buffer", "buffer", "i32"], "ptr"),
  PyEval_EvalCode: fn(["ptr", "ptr", "ptr"], "ptr"),
  PyObject_GetAttrString: fn(["ptr", "buffer"], "ptr"),
  PyObject_SetAttrString: fn(["ptr", "buffer", "ptr"], "i32"),
  PyObject_HasAttrString: fn(["ptr", "buffer"], "i32"),
  PyObject_GetItem: fn(["ptr", "ptr"], "ptr"),
  PyObject_SetItem: fn(["ptr", "ptr", "ptr"], "i32"),
  PyObject_Call: fn(["ptr", "ptr", "ptr"], "ptr"),
  PyObject_Str: fn(["ptr"], "ptr"),
  PyObject_Repr: fn(["ptr"], "ptr"),
  PyObject_Type: fn(["ptr"], "ptr"),
  PyObject_IsTrue: fn(["ptr"], "i32"),
  PyObject_IsInstance: fn(["ptr", "ptr"], "i32"),
  PyObject_RichCompareBool: fn(["ptr", "ptr", "i32"], "i32"),
  PyObject_Length: fn(["ptr"], "i64"),
  PyUnicode_FromStringAndSize: fn(["buffer", "i64"], "ptr"),
  PyUnicode_AsUTF8AndSize: fn(["ptr", "buffer"], "ptr"),
  PyLong_FromLongLong: fn(["i64"], "ptr"),
  PyLong_FromString: fn(["buffer", "ptr", "i32"], "ptr"),
  PyLong_AsLongLongAndOverflow: fn(["ptr", "buffer"], "i64"),
  PyFloat_FromDouble: fn(["f64"], "ptr"),
  PyFloat_AsDouble: fn(["ptr"], "f64"),
  PyBool_FromLong: fn(["i64"], "ptr"),
  PyTuple_New: fn(["i64"], "ptr"),
  PyTuple_SetItem: fn(["ptr", "i64", "ptr"], "i32"),
  PyTuple_Size: fn(["ptr"], "i64"),
  PyTuple_GetItem: fn(["ptr", "i64"], "ptr"),
  PyList_New: fn(["i64"], "ptr"),
  PyList_SetItem: fn(["ptr", "i64", "ptr"], "i32"),
  PyList_Size: fn(["ptr"], "i64"),
  PyList_GetItem: fn(["ptr", "i64"], "ptr"),
  PyDict_New: fn([], "ptr"),
  PyDict_SetItem: fn(["ptr", "ptr", "ptr"], "i32"),
  PyDict_Next: fn(["ptr", "buffer", "buffer", "buffer"], "i32"),
  PyDict_Size: fn(["ptr"], "i64"),
  // The GIL: the JS thread detaches its thread state whenever control returns to JS (src/ffi/gil.ts).
  PyEval_SaveThread: fn([], "ptr"),
  PyEval_RestoreThread: fn(["ptr"], "void"),
  PyInterpreterState_Main: fn([], "ptr"),
  PyGILState_GetThisThreadState: fn([], "ptr"),
  PyInterpreterState_ThreadHead: fn(["ptr"], "ptr"),
  PyThreadState_Next: fn(["ptr"], "ptr"),
  // Ending the interpreter when the process exits (src/ffi/mod.ts, finalizeAtExit).
  Py_FinalizeEx: fn([], "i32"),
  // Objects.
  PyObject_DelItem: fn(["ptr", "ptr"], "i32"),
  PyObject_Hash: fn(["ptr"], "i64"),
  PyObject_GetIter: fn(["ptr"], "ptr"),
  PyIter_Next: fn(["ptr"], "ptr"),
  PySequence_Contains: fn(["ptr", "ptr"], "i32"),
  PyCallable_Check: fn(["ptr"], "i32"),
  PyObject_CallObject: fn(["ptr", "ptr"], "ptr"),
  PyErr_GivenExceptionMatches: fn(["ptr", "ptr"], "i32"),
  // Exact conversions: ints beyond 2^53 travel as hexadecimal text (no digit limit in base 16),
  // strings with lone surrogates as UTF-16 with surrogatepass.
  PyLong_AsDouble: fn(["ptr"], "f64"),
  PyLong_FromDouble: fn(["f64"], "ptr"),
  PyLong_AsLongLong: fn(["ptr"], "i64"),
  PyNumber_ToBase: fn(["ptr", "i32"], "ptr"),
  PyUnicode_DecodeUTF16: fn(["buffer", "i64", "buffer", "buffer"], "ptr"),
  PyUnicode_AsEncodedString: fn(["ptr", "buffer", "buffer"], "ptr"),
  PyUnicode_GetLength: fn(["ptr"], "i64"),
  PyUnicode_AsUCS4: fn(["ptr", "buffer", "i64", "i32"], "ptr"),
  PyBytes_FromStringAndSize: fn(["buffer", "i64"], "ptr"),
  PyBytes_FromObject: fn(["ptr"], "ptr"),
  PyBytes_AsString: fn(["ptr"], "ptr"),
  PyBytes_Size: fn(["ptr"], "i64"),
  PyByteArray_AsString: fn(["ptr"], "ptr"),
  PyByteArray_Size: fn(["ptr"], "i64"),
  PySet_New: fn(["ptr"], "ptr"),
  PySet_Add: fn(["ptr", "ptr"], "i32"),
  // JS functions as Python callables: PyMethodDefs, allocated once, pointing at native entries.
  PyMem_RawMalloc: fn(["u64"], "ptr"),
  PyDescr_NewMethod: fn(["ptr", "ptr"], "ptr"),
  PyType_GenericNew: fn(["ptr", "ptr", "ptr"], "ptr"),
} as const satisfies SymbolTable;

/** The JS callback releasing a handle Python dropped (a JSFunction's or JSError's `__del__`), on the
 * JS thread: (handle). */
export const releaseCallbackSpec = callback(["f64"], "void", undefined);

/** The JS callback a call of a JS function from Python runs: (handle, args tuple, kwargs dict or
 * NULL, 1 when handles dropped on other threads wait) → new reference or NULL with an exception. */
export const functionCallbackSpec = callback(["f64", "ptr", "ptr", "u8"], "ptr", 0);
