/**
 * The Deno adapter (Deno.dlopen). Addresses travel as `usize` bigints: Deno's fast calls take and
 * return 64-bit integers as bigints, and a number given for one falls back to a call about ten
 * times slower (measured: 8 ns vs 80 ns). For the same reason `i64`/`u64` arguments given as
 * numbers are turned into bigints here.
 *
 * @module
 */

import type { CallbackSpec, NativeType, SymbolSpec, SymbolTable } from "./symbols.ts";
import type { Bound, CallbackFunction, NativeCallback, Ptr, Runtime } from "./_runtime.ts";
import { returning } from "./_runtime.ts";

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

type Call = (...args: unknown[]) => unknown;

/** Wraps `call` so its 64-bit integer arguments reach it as bigints. One shape per arity keeps
 * the wrapper free of rest-argument arrays on the hot path. */
function widening(call: Call, parameters: readonly NativeType[]): Call {
  const wide = parameters.map((type) => type === "i64" || type === "u64");
  const [w0, w1, w2, w3] = wide;
  const big = (value: unknown, widen: boolean | undefined) => (widen ? BigInt(value as number) : value);
  switch (parameters.length) {
    case 1:
      return (a) => call(big(a, w0));
    case 2:
      return (a, b) => call(big(a, w0), big(b, w1));
    case 3:
      return (a, b, c) => call(big(a, w0), big(b, w1), big(c, w2));
    case 4:
      return (a, b, c, d) => call(big(a, w0), big(b, w1), big(c, w2), big(d, w3));
    default:
      return (...args) => call(...args.map((arg, at) => big(arg, wide[at])));
  }
}

function passingCallbacks(call: Call): Call {
  return (...args) => call(...args.map((arg) => (arg as NativeCallback | undefined)?.handle ?? arg));
}

export const runtime: Runtime = {
  name: "deno",
  NULL: 0n,
  open<T extends SymbolTable>(path: string, symbols: T): Bound<T> {
    const table: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) table[name] = denoSpec(spec);
    const library = Deno.dlopen(path, table);
    const bound: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(symbols)) {
      let call: Call = library.symbols[name];
      if (spec.parameters.some((type) => type === "i64" || type === "u64")) call = widening(call, spec.parameters);
      if (spec.parameters.includes("function")) call = passingCallbacks(call);
      bound[name] = call;
    }
    return bound as Bound<T>;
  },
  callback(spec: CallbackSpec, fn: CallbackFunction): NativeCallback {
    const callback = new Deno.UnsafeCallback(denoSpec(spec), (...args: (number | bigint)[]) => {
      const result = returning(spec, fn, args);
      if (spec.result === "void") return;
      return spec.result === "ptr" ? BigInt(result as Ptr) : Number(result);
    });
    return {
      handle: callback.pointer,
      address: Deno.UnsafePointer.value(callback.pointer),
      close: () => callback.close(),
    };
  },
  view(address: Ptr, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointerObject(address), length));
  },
  cstring(address: Ptr): string {
    return Deno.UnsafePointerView.getCString(pointerObject(address));
  },
  pointer(word: bigint): Ptr {
    return word;
  },
  collectGarbage(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("pyframe: forcing a garbage collection in Deno needs `deno run --v8-flags=--expose-gc`");
    gc();
  },
  onExit(fn: () => void): void {
    globalThis.addEventListener("unload", fn);
  },
  mayRun(command: string): boolean {
    return Deno.permissions.querySync({ name: "run", command }).state === "granted";
  },
};
