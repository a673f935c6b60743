/**
 * The bridge's costs, per runtime, in one process: a no-op JS loop against calling a Python
 * `add(1, 2)` from TypeScript, a Python error caught in TypeScript (its traceback read or not),
 * a Dynamo callback asked about every frame (reading the frame's names or not), and converting a
 * 10,000-element list and a nested dict both ways.
 *
 *   deno run -A bench/bridge.ts      bun run bench/bridge.ts
 */
import { askAgain, Dynamo, type FrameCallback } from "../src/dynamo/mod.ts";
import { runtime } from "../src/ffi/mod.ts";
import { python, PythonError } from "../src/python/mod.ts";

python.exec("def add(a, b):\n    return a + b\n");
using add = python.import("__main__").get("add");

/** Runs `body` `times` times after a warm-up; the mean time per run. */
function measure(times: number, body: (i: number) => void): number {
  for (let i = 0; i < Math.min(times, 10_000); i++) body(i);
  const start = performance.now();
  for (let i = 0; i < times; i++) body(i);
  return (performance.now() - start) / times;
}

function format(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(1)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(2)} µs`;
  return `${ms.toFixed(2)} ms`;
}

const rows: [string, number][] = [];
let sink: unknown;
const noop = (a: number, b: number) => a + b;

rows.push(["no-op JS function call", measure(10_000_000, (i) => sink = noop(i, 2))]);
rows.push(["add(1, 2): call + toJS, result left to GC", measure(300_000, () => sink = add.call(1, 2).toJS())]);
rows.push([
  "add(1, 2): call + toJS + dispose",
  measure(300_000, () => {
    using result = add.call(1, 2);
    sink = result.toJS();
  }),
]);
rows.push([
  "add(1, 2) inside python.batch (GIL taken once)",
  python.batch(() =>
    measure(300_000, () => {
      using result = add.call(1, 2);
      sink = result.toJS();
    })
  ),
]);
rows.push(["attribute get + dispose (add.__name__ read)", measure(300_000, () => add.get("__name__").dispose())]);
python.exec("def takes(callback):\n    return None\n");
using takes = python.import("__main__").get("takes");
const callback = (x: number) => x;
rows.push([
  "takes(callback): a JS function passed, made callable each call",
  measure(100_000, () => takes.call(callback).dispose()),
]);
python.exec("def missing(key, depth=0):\n    return {}[key] if depth == 0 else missing(key, depth - 1)\n");
using missing = python.import("__main__").get("missing");
/** A KeyError raised `depth` calls down, caught in TypeScript, its traceback read or not. */
const caught = (depth: number, read: boolean) => () => {
  try {
    missing.call("key", depth);
  } catch (error) {
    if (!(error instanceof PythonError)) throw error;
    if (read) sink = error.traceback;
  }
};
rows.push(["KeyError caught, traceback unread", measure(50_000, caught(0, false))]);
rows.push(["KeyError caught, traceback read", measure(2_000, caught(0, true))]);
rows.push(["KeyError raised 20 calls down, caught, unread", measure(20_000, caught(20, false))]);
rows.push(["KeyError raised 20 calls down, caught, traceback read", measure(500, caught(20, true))]);
using mainModule = python.import("__main__");
mainModule.set("js_square", (x: number) => x * x);
rows.push([
  "JS function called from Python (per call)",
  measure(20, () => sink = python.eval("sum(map(js_square, range(10000)))")) / 10_000,
]);
python.exec("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n");
/** The time a frame of fib(20) (21,891 frames) takes with `callback` asked about every one. */
const perFrame = (callback: FrameCallback) => {
  using _ = new Dynamo(callback);
  return measure(5, () => python.eval("fib(20)")) / 21_891;
};
rows.push(["Dynamo callback asked about every frame (per frame)", perFrame(() => askAgain())]);
rows.push([
  "... reading frame.name, .qualname and .filename (per frame)",
  perFrame((frame) => (sink = [frame.name, frame.qualname, frame.filename], askAgain())),
]);

const list = Array.from({ length: 10_000 }, (_, i) => i);
rows.push(["10,000-int Array → list", measure(200, () => python.toPython(list).dispose())]);
using pyList = python.toPython(list);
rows.push(["10,000-int list → Array", measure(200, () => sink = pyList.toJS())]);
const strings = Array.from({ length: 10_000 }, (_, i) => `item ${i}`);
rows.push(["10,000-str Array → list", measure(200, () => python.toPython(strings).dispose())]);
using pyStrings = python.toPython(strings);
rows.push(["10,000-str list → Array", measure(200, () => sink = pyStrings.toJS())]);

/** 1,000 records of mixed values, three levels deep. */
const nested = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [
  `key${i}`,
  { id: i, name: `name ${i}`, score: i / 7, tags: ["a", "b"], inner: { ok: i % 2 === 0, big: 2n ** 64n + BigInt(i) } },
]));
rows.push(["nested dict (1,000 records, 9,000 values) → Python", measure(50, () => python.toPython(nested).dispose())]);
using pyNested = python.toPython(nested);
rows.push(["nested dict (1,000 records, 9,000 values) → JS", measure(50, () => sink = pyNested.toJS())]);
void sink;

const width = Math.max(...rows.map(([label]) => label.length));
console.log(`bridge, ${runtime.name}, CPython ${python.version}`);
for (const [label, ms] of rows) console.log(`  ${label.padEnd(width)}  ${format(ms).padStart(10)}`);
