/**
 * The small interface each runtime adapter implements: open a library against the symbol table,
 * make a C-callable callback, read and write native memory.
 *
 * @module
 */

import type { CallbackSpec, NativeType, SymbolTable } from "./symbols.ts";

/**
 * An address, in the representation the running runtime's FFI passes fastest: a bigint in Deno,
 * a number in Bun. Treat it as opaque: compare with `===`, test for NULL with `!address`, pass
 * it back to native code, never do arithmetic on it. {@link Runtime.NULL} is NULL.
 */
export type Ptr = number | bigint;

type JsType<T extends NativeType> = T extends "void" ? void
  : T extends "ptr" ? Ptr
  : T extends "buffer" ? ArrayBufferView | null
  : T extends "function" ? NativeCallback
  : T extends "i64" | "u64" ? number | bigint
  : number;

type JsParameters<P extends readonly NativeType[]> = { [K in keyof P]: P[K] extends NativeType ? JsType<P[K]> : never };

/** A library opened against a table: one JS function per symbol. */
export type Bound<T extends SymbolTable> = {
  [K in keyof T]: (...args: JsParameters<T[K]["parameters"]>) => JsType<T[K]["result"]>;
};

/** A JS function callable from C; `close` frees it (never while native code may still call it). */
export interface NativeCallback {
  readonly handle: unknown;
  /** The C function pointer, e.g. to store in a `PyMethodDef`. */
  readonly address: Ptr;
  close(): void;
}

/** What a callback receives: `ptr` parameters as {@link Ptr}, the others as numbers. It returns
 * nothing for a `void` result. */
export type CallbackFunction = (...args: Ptr[]) => Ptr | void;

/** `fn(...args)`, or `spec.whenThrown` should a JS exception leave it (see {@link CallbackSpec}):
 * every runtime's callbacks call through here. */
export function returning(spec: CallbackSpec, fn: CallbackFunction, args: Ptr[]): Ptr | void {
  try {
    return fn(...args);
  } catch {
    return spec.whenThrown;
  }
}

export interface Runtime {
  readonly name: "deno" | "bun";
  /** NULL in this runtime's pointer representation. */
  readonly NULL: Ptr;
  open<T extends SymbolTable>(path: string, symbols: T): Bound<T>;
  /** `fn` must never throw: a JS exception must not unwind through native frames. Should one
   * leave it anyway (a JS engine out of stack), the callback returns `spec.whenThrown`. */
  callback(spec: CallbackSpec, fn: CallbackFunction): NativeCallback;
  /** A view of `length` bytes at `address`, valid until that memory changes; writes go to it. */
  view(address: Ptr, length: number): Uint8Array;
  /** The NUL-terminated UTF-8 string at `address`. */
  cstring(address: Ptr): string;
  /** A 64-bit word read from memory (an out-parameter) as an address. */
  pointer(word: bigint): Ptr;
  /** Runs a full garbage collection now (tests of lifetimes). Deno needs `--v8-flags=--expose-gc`. */
  collectGarbage(): void;
  /** Calls `fn` when the process exits normally (its event loop ends, or it calls exit), not when
   * a signal or a crash ends it. Listeners run in the order they were added. */
  onExit(fn: () => void): void;
  /** Whether this process may start `command`: Deno's permissions (`--allow-run`); always in Bun. */
  mayRun(command: string): boolean;
}
