/**
 * Test support, run as its own process by bridge_memory_test.ts (Deno needs
 * `--v8-flags=--expose-gc`): PyObjects released by garbage collection, explicitly, or both, under
 * forced full collections, and PythonErrors caught (their tracebacks read or not) collected. Prints
 * one JSON line: the sentinel's reference counts.
 */
import { runtime } from "../src/ffi/mod.ts";
import { python, PythonError } from "../src/python/mod.ts";

python.exec(
  "import sys\nsentinel = object()\ndef refs():\n    return sys.getrefcount(sentinel)\n" +
    "def raise_holding(held):\n    raise LookupError('held')\n",
);
const main = python.import("__main__");
const refs = () => python.eval("refs()") as number;
const settle = async () => {
  for (let round = 0; round < 5; round++) {
    runtime.collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10)); // finalizers, then their release microtask
  }
};

const base = refs();
/** Makes `count` wrappers of the sentinel; disposes every `disposeEvery`-th one (0: none). */
function churn(count: number, disposeEvery: number): void {
  for (let i = 0; i < count; i++) {
    const wrapper = main.get("sentinel");
    if (disposeEvery && i % disposeEvery === 0) {
      wrapper.dispose();
      wrapper.dispose(); // twice: still one release
    }
  }
}

churn(20_000, 0);
const heldBeforeCollection = refs() - base;
await settle();
const afterCollected = refs() - base;
churn(20_000, 2);
await settle();
const afterMixed = refs() - base;
churn(20_000, 1);
await settle();
const afterDisposed = refs() - base;
/** Catches `count` errors raised in a frame holding the sentinel; reads every `readEvery`-th one's
 * traceback (0: none), which lets go of the traceback it kept for that. */
function catchErrors(count: number, readEvery: number): void {
  const raiseHolding = main.get("raise_holding");
  for (let i = 0; i < count; i++) {
    try {
      raiseHolding.call(main.get("sentinel"));
    } catch (error) {
      if (!(error instanceof PythonError)) throw error;
      if (readEvery && i % readEvery === 0 && !error.traceback.includes("LookupError")) throw error;
    }
  }
}

catchErrors(2_000, 3);
const heldByErrors = refs() - base;
await settle();
const afterErrors = refs() - base;
const alive = python.eval("sentinel is not None and type(sentinel).__name__");
console.log(
  JSON.stringify({ heldBeforeCollection, afterCollected, afterMixed, afterDisposed, heldByErrors, afterErrors, alive }),
);
