/**
 * The Deno adapter (Deno.dlopen). Addresses travel as `usize` numbers so pointers compare with
 * `===` and never allocate wrapper objects.
 *
 * @module
 */

import type { NativeType, SymbolSpec, SymbolTable } from "./symbols.ts";
import type { Bound, NativeCallback, Ptr, Runtime } from "./_runtime.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;

const denoTypes: Record<NativeType, string> = {
  void: "void",
  u8: "u8",
  i32: "i32",
  u32: "u32",
  i64: "i64",
  u64: "u64",
  f64: "f64",
  ptr: "usize",
  buffer: "buffer",
  function: "function",
};

function denoSpec(spec: SymbolSpec) {
  return { parameters: spec.parameters.map((type) => denoTypes[type]), result: denoTypes[spec.result] };
}

function pointerObject(address: Ptr) {
  return Deno.UnsafePointer.create(BigInt(address));
}

export const runtime: Runtime = {
  name: "deno",
  open<T extends SymbolTable>(path: string, symbols: T): Bound<T> {
    const table: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) table[name] = denoSpec(spec);
    const library = Deno.dlopen(path, table);
    const bound: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) {
      const call = library.symbols[name];
      const passesCallback = spec.parameters.includes("function");
      bound[name] = passesCallback
        ? (...args: unknown[]) => call(...args.map((arg) => (arg as NativeCallback | undefined)?.handle ?? arg))
        : call;
    }
    return bound as Bound<T>;
  },
  callback(spec: SymbolSpec, fn: (...args: number[]) => number): NativeCallback {
    const callback = new Deno.UnsafeCallback(denoSpec(spec), (...args: (number | bigint)[]) => fn(...args.map(Number)));
    return { handle: callback.pointer, close: () => callback.close() };
  },
  view(address: Ptr, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointerObject(address), length));
  },
  cstring(address: Ptr): string {
    return Deno.UnsafePointerView.getCString(pointerObject(address));
  },
};
