/**
 * Resident memory across 1,000,000 calls that run replacement code (plain and generator
 * functions), sampled every 100,000 calls: a leak shows as steady growth.
 *
 *   deno run -A bench/memory.ts      bun run bench/memory.ts
 */
import { readFileSync } from "node:fs";
import { Dynamo } from "../src/dynamo/mod.ts";
import { load } from "../src/ffi/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";

python.exec(`
import ast

def leaf(a, b=2, *rest, c=3, **more):
    return a + b + c + 1

def counted(n):
    yield n
    yield 1

def call_many(times):
    total = 0
    for i in range(times):
        total += leaf(i, c=1) + sum(counted(i))
    return total

def scaled(function, factor):
    import inspect, textwrap
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            node.value *= factor
    module = compile(tree, function.__code__.co_filename, "exec")
    return next(c for c in module.co_consts if getattr(c, "co_name", None) == function.__name__)
`);
const scaled = python.import("__main__").get("scaled");

function residentKiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

const runtime = "Bun" in globalThis ? "bun" : "deno";
using _ = new Dynamo((
  frame,
) => (frame.name === "leaf" || frame.name === "counted" ? scaled.call(frame.function, 10) as PyObject : undefined));
python.eval("call_many(1000)"); // warm: decisions cached, allocator pools filled
const replacedBefore = Number(load().native.pyframe_stat(1));
const samples: number[] = [residentKiB()];
for (let batch = 0; batch < 10; batch++) {
  python.eval("call_many(100000)");
  samples.push(residentKiB());
}
const replaced = Number(load().native.pyframe_stat(1)) - replacedBefore;
console.log(
  `resident memory over 1,000,000 replaced calls (${
    replaced.toLocaleString("en")
  } replaced frames), CPython ${python.version}, ${runtime}`,
);
console.log(`  KiB every 100,000 calls: ${samples.join(" ")}`);
console.log(`  growth from first to last sample: ${samples.at(-1)! - samples[0]} KiB`);
