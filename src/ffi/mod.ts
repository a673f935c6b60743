/**
 * The native boundary: loads pyframe's library and libpython once, on first use, and hands out the
 * bound symbol tables. Everything above this folder calls native code only through here.
 *
 * @module
 */

import { arch, platform } from "node:process";
import { runtime } from "./_select.ts";
import type { Bound, CallbackFunction, NativeCallback, Ptr, Runtime } from "./_runtime.ts";
import {
  findNativeLibrary,
  findPython,
  firstLine,
  LoadError,
  type NativeLibrary,
  type PythonInstall,
  SUPPORTED_MINORS,
} from "./loader.ts";
import {
  frameCallbackSpec,
  functionCallbackSpec,
  NATIVE_ABI_VERSION,
  nativeSymbols,
  pythonSymbols,
  releaseCallbackSpec,
  type SymbolTable,
} from "./symbols.ts";
import { finalizePython, guarded, startReleasing } from "./gil.ts";

export type { Bound, CallbackFunction, NativeCallback, Ptr, PythonInstall, Runtime };
export { frameCallbackSpec, functionCallbackSpec, LoadError, releaseCallbackSpec, runtime, SUPPORTED_MINORS };
export { calledFromPython, enterPython, holdsPython, inPython, leavePython, pythonEnded } from "./gil.ts";

export type Native = Bound<typeof nativeSymbols>;
export type Python = Bound<typeof pythonSymbols>;

export interface Loaded {
  /** pyframe's C ABI; each call takes the GIL when the caller does not hold it. */
  readonly native: Native;
  /** libpython's C API; each call takes the GIL when the caller does not hold it. */
  readonly py: Python;
  /** The same tables without the GIL check, for code that always runs inside a scope (src/python):
   * a call from outside one is a crash. */
  readonly unguarded: { readonly native: Native; readonly py: Python };
  readonly install: PythonInstall;
  readonly nativePath: string;
}

let loaded: Loaded | undefined;

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of `text`, for `buffer` parameters. */
export function cString(text: string): Uint8Array {
  return encoder.encode(text + "\0");
}

/** Names encoded by {@link cName}; emptied when full, as most programs use a few hundred. */
const namesInC = new Map<string, Uint8Array>();
const mostNamesInC = 4096;

/**
 * `cString` of a name a program passes again and again (an attribute, a module, a helper), encoded
 * once: Deno's TextEncoder is a call into the runtime, which took a fifth of an attribute read
 * and a quarter of making a JS function callable from Python (`bench/bridge.ts`). Only for
 * arguments C reads and never writes (a `const char *`): every caller shares the bytes.
 */
export function cName(name: string): Uint8Array {
  let bytes = namesInC.get(name);
  if (bytes === undefined) {
    if (namesInC.size >= mostNamesInC) namesInC.clear();
    bytes = cString(name);
    namesInC.set(name, bytes);
  }
  return bytes;
}

/** Loads the native library and libpython, starts the interpreter and releases the GIL, once. */
export function load(): Loaded {
  if (loaded) return loaded;
  const library = findNativeLibrary();
  const nativePath = library.path;
  const install = findPython();
  const native = openNativeLibrary(library);
  const abi = native.pyframe_abi_version();
  if (abi !== NATIVE_ABI_VERSION) {
    throw new LoadError(
      `native library ${nativePath} has ABI ${abi}, this TypeScript expects ${NATIVE_ABI_VERSION}; rebuild it with \`npm run build\``,
    );
  }
  // The native side opens libpython first, with RTLD_GLOBAL, so C extension modules link against it.
  const status = native.pyframe_open(
    cString(install.libpython),
    cString(install.home),
    install.executable ? cString(install.executable) : null,
  );
  if (status !== 0) {
    throw new LoadError(
      `could not start CPython from ${install.libpython}: ${runtime.cstring(native.pyframe_error())}`,
    );
  }
  const py = runtime.open(install.libpython, pythonSymbols);
  // The interpreter belongs to the JS thread that started it; a Worker of the same process finds it
  // running already, with no thread state of its own, and must not touch it.
  if (!py.PyGILState_GetThisThreadState()) {
    throw new LoadError(
      "CPython already runs in this process on another JS thread (a Worker cannot use pyframe); " +
        "use pyframe from the thread that loaded it first, and message that thread from Workers",
    );
  }
  startReleasing(py, py.PyInterpreterState_Main());
  runtime.onExit(() => finalizeAtExit(native, py));
  markJsStackLimit(native);
  loaded = { native: guardAll(native), py: guardAll(py), unguarded: { native, py }, install, nativePath };
  return loaded;
}

/** The runtime's dlopen of pyframe's library, its failure told as what to do: a file that is no
 * library for this machine, or a libpyframe of another version lacking a symbol this one calls. */
function openNativeLibrary({ path, remedy }: NativeLibrary): Native {
  try {
    return runtime.open(path, nativeSymbols);
  } catch (error) {
    const reason = firstLine(error);
    const what = /\bpyframe_\w+/.test(reason)
      ? "it is not the library this TypeScript expects (another version of pyframe's?)"
      : `it must be libpyframe built for this machine (${platform} ${arch})`;
    throw new LoadError(`could not load pyframe's native library ${path}: ${reason}; ${what}: ${remedy}`);
  }
}

/**
 * Ends the interpreter as `python` does when it exits: non-daemon threads are joined, atexit
 * handlers run, and files Python left open are flushed and closed. The eval-frame hook goes first,
 * so no Dynamo callback runs while Python shuts down.
 */
function finalizeAtExit(native: Native, py: Python): void {
  finalizePython(() => {
    native.pyframe_hook_uninstall();
    py.Py_FinalizeEx();
  });
}

/**
 * Shows the native side how deep in the stack this JS engine runs: JS recurses, marking its stack
 * position natively each level, until the engine refuses to go deeper (V8 stops about 1 MiB down,
 * JavaScriptCore near the thread's end) or the mark says the thread's own end is near (V8 given a
 * `--stack-size` beyond the thread's stack). Native code then never calls JS from deeper than that
 * minus room for the call's own work, as V8 aborts the process when entered below its limit (see
 * native/stack.zig). The mark needs no GIL, and is called unguarded: a guarded call overflowing
 * between taking and giving back the GIL would leave it taken.
 */
function markJsStackLimit(native: Native): void {
  const dive = (): void => {
    if (native.pyframe_js_stack_mark() !== 0) dive();
  };
  try {
    dive();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
}

function guardAll<T extends SymbolTable>(table: Bound<T>): Bound<T> {
  const result: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(table)) result[name] = guarded(call as (...args: never[]) => unknown);
  return result as Bound<T>;
}
