/**
 * Resident memory across 1,000,000 bridge round trips (convert a list with a string and a dict to
 * Python, call, convert the result back; and call a JS function from Python), sampled every
 * 100,000: a leak shows as steady growth of the memory outside the JS heap or of Python's objects.
 *
 *   deno run -A bench/bridge_memory.ts      bun run bench/bridge_memory.ts
 */
import process from "node:process";
import { runtime } from "../src/ffi/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";

python.exec(`
import gc

def echo(value):
    return value

def tracked_objects():
    gc.collect()
    return len(gc.get_objects())
`);
using echo = python.import("__main__").get("echo");
using apply = python.eval("lambda f, x: f(x)") as PyObject;

function round(i: number): void {
  echo.call([i, `text ${i}`, { key: i }]).toJS(); // result wrapper left to the garbage collector
  apply.call((x: number) => x + 1, i).dispose();
}

const MiB = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rows: string[] = [];
function sample(calls: number): void {
  const { rss, heapTotal } = process.memoryUsage();
  rows.push(
    `  ${calls.toLocaleString("en").padStart(9)}  ${MiB(rss).padStart(7)}  ${MiB(heapTotal).padStart(7)}  ${
      MiB(rss - heapTotal).padStart(7)
    }`,
  );
}

for (let i = 0; i < 20_000; i++) round(i);
const objectsBefore = python.eval("tracked_objects()") as number;
const start = performance.now();
sample(0);
for (let batch = 1; batch <= 10; batch++) {
  for (let i = 0; i < 100_000; i++) round(i);
  await new Promise((resolve) => setTimeout(resolve, 1)); // finalizers run
  sample(batch * 100_000);
}
const seconds = (performance.now() - start) / 1000;
const objectsAfter = python.eval("tracked_objects()") as number;
console.log(
  `bridge memory, ${runtime.name}, CPython ${python.version}: 1,000,000 round trips in ${seconds.toFixed(1)} s`,
);
console.log("      calls  RSS MiB  JS heap  outside the JS heap");
for (const row of rows) console.log(row);
console.log(`  Python gc-tracked objects: ${objectsBefore} before, ${objectsAfter} after`);
