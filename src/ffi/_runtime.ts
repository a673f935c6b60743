/**
 * The small interface each runtime adapter implements: open a library against the symbol table,
 * make a C-callable callback, read native memory.
 *
 * @module
 */

import type { NativeType, SymbolSpec, SymbolTable } from "./symbols.ts";

/** An address as a number; 0 (or null from some runtimes) is NULL. */
export type Ptr = number;

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
  close(): void;
}

export interface Runtime {
  readonly name: "deno" | "bun";
  open<T extends SymbolTable>(path: string, symbols: T): Bound<T>;
  callback(spec: SymbolSpec, fn: (...args: number[]) => number): NativeCallback;
  /** A view of `length` bytes at `address`, valid until that memory changes. */
  view(address: Ptr, length: number): Uint8Array;
  /** The NUL-terminated UTF-8 string at `address`. */
  cstring(address: Ptr): string;
}
