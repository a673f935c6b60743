/**
 * The Bun adapter (bun:ffi). Addresses travel as numbers (Bun's `ptr`); 64-bit integers use the
 * `_fast` variants so they arrive as numbers when they fit.
 *
 * @module
 */

import process from "node:process";
import type { CallbackSpec, NativeType, SymbolSpec, SymbolTable } from "./symbols.ts";
import type { Bound, CallbackFunction, NativeCallback, Ptr, Runtime } from "./_runtime.ts";
import { returning } from "./_runtime.ts";

interface BunFfi {
  dlopen(path: string, symbols: Record<string, unknown>): { symbols: Record<string, (...args: unknown[]) => unknown> };
  JSCallback: new (fn: (...args: unknown[]) => unknown, spec: unknown) => { ptr: number; close(): void };
  toArrayBuffer(address: number, offset: number, length: number): ArrayBuffer;
  CString: new (address: number) => string;
}

// A computed specifier keeps Deno's type checker from resolving a Bun-only module.
const ffiModule = "bun:ffi";
const ffi = (await import(ffiModule)) as BunFfi;

const bunTypes: Record<NativeType, string> = {
  void: "void",
  u8: "u8",
  i32: "i32",
  u32: "u32",
  i64: "i64_fast",
  u64: "u64_fast",
  f64: "f64",
  ptr: "ptr",
  buffer: "ptr",
  function: "function",
};

function bunSpec(spec: SymbolSpec) {
  return { args: spec.parameters.map((type) => bunTypes[type]), returns: bunTypes[spec.result] };
}

type Call = (...args: unknown[]) => unknown;

/** Bun answers NULL with null; the table promises 0. One shape per arity keeps the wrapper free
 * of rest-argument arrays on the hot path. */
function nullAsZero(call: Call, arity: number): Call {
  switch (arity) {
    case 0:
      return () => call() ?? 0;
    case 1:
      return (a) => call(a) ?? 0;
    case 2:
      return (a, b) => call(a, b) ?? 0;
    case 3:
      return (a, b, c) => call(a, b, c) ?? 0;
    default:
      return (...args) => call(...args) ?? 0;
  }
}

export const runtime: Runtime = {
  name: "bun",
  NULL: 0,
  open<T extends SymbolTable>(path: string, symbols: T): Bound<T> {
    const table: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) table[name] = bunSpec(spec);
    const library = ffi.dlopen(path, table);
    const bound: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) {
      const call = library.symbols[name];
      if (spec.parameters.includes("function")) {
        bound[name] = (...args: unknown[]) =>
          call(...args.map((arg) => (arg as NativeCallback | undefined)?.handle ?? arg));
      } else if (spec.result === "ptr") {
        bound[name] = nullAsZero(call, spec.parameters.length);
      } else {
        bound[name] = call;
      }
    }
    return bound as Bound<T>;
  },
  callback(spec: CallbackSpec, fn: CallbackFunction): NativeCallback {
    const callback = new ffi.JSCallback(
      (...args: unknown[]) => returning(spec, fn, args.map((arg) => Number(arg ?? 0))),
      bunSpec(spec),
    );
    return { handle: callback.ptr, address: callback.ptr, close: () => callback.close() };
  },
  view(address: Ptr, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(ffi.toArrayBuffer(Number(address), 0, length));
  },
  cstring(address: Ptr): string {
    return String(new ffi.CString(Number(address)));
  },
  pointer(word: bigint): Ptr {
    return Number(word);
  },
  collectGarbage(): void {
    (globalThis as unknown as { Bun: { gc(force: boolean): void } }).Bun.gc(true);
  },
  onExit(fn: () => void): void {
    process.on("exit", fn);
  },
  mayRun(): boolean {
    return true;
  },
};
