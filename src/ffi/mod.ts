/**
 * The native boundary: loads pyframe's library and libpython once, on first use, and hands out the
 * bound symbol tables. Everything above this folder calls native code only through here.
 *
 * @module
 */

import { runtime } from "./_select.ts";
import type { Bound, NativeCallback, Ptr, Runtime } from "./_runtime.ts";
import { findNativeLibrary, findPython, LoadError, type PythonInstall, SUPPORTED_MINORS } from "./loader.ts";
import { frameCallbackSpec, NATIVE_ABI_VERSION, nativeSymbols, pythonSymbols } from "./symbols.ts";

export type { Bound, NativeCallback, Ptr, PythonInstall, Runtime };
export { frameCallbackSpec, LoadError, runtime, SUPPORTED_MINORS };

export type Native = Bound<typeof nativeSymbols>;
export type Python = Bound<typeof pythonSymbols>;

export interface Loaded {
  readonly native: Native;
  readonly py: Python;
  readonly install: PythonInstall;
  readonly nativePath: string;
}

let loaded: Loaded | undefined;

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of `text`, for `buffer` parameters. */
export function cString(text: string): Uint8Array {
  return encoder.encode(text + "\0");
}

/** Loads the native library and libpython and starts the interpreter, once. */
export function load(): Loaded {
  if (loaded) return loaded;
  const nativePath = findNativeLibrary();
  const install = findPython();
  const native = runtime.open(nativePath, nativeSymbols);
  const abi = native.pyframe_abi_version();
  if (abi !== NATIVE_ABI_VERSION) {
    throw new LoadError(
      `native library ${nativePath} has ABI ${abi}, this TypeScript expects ${NATIVE_ABI_VERSION}; rebuild it with \`npm run build\``,
    );
  }
  // The native side opens libpython first, with RTLD_GLOBAL, so C extension modules link against it.
  const status = native.pyframe_open(cString(install.libpython), cString(install.home), install.executable ? cString(install.executable) : null);
  if (status !== 0) {
    throw new LoadError(`could not start CPython from ${install.libpython}: ${runtime.cstring(native.pyframe_error())}`);
  }
  const py = runtime.open(install.libpython, pythonSymbols);
  loaded = { native, py, install, nativePath };
  return loaded;
}
