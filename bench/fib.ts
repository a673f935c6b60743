/**
 * fib(25) (242,785 frames) under each hook mode, interleaved round by round in one process so the
 * ratios share the machine's noise. Prints medians and ratios against no hook.
 *
 *   deno run -A bench/fib.ts      bun run bench/fib.ts
 */
import { askAgain, Dynamo } from "../src/dynamo/mod.ts";
import { load } from "../src/ffi/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";

const rounds = Number(process.env.PYFRAME_BENCH_ROUNDS ?? 15);
import process from "node:process";

python.exec(`
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def identity_code(function):
    import ast, inspect, textwrap
    module = compile(ast.parse(textwrap.dedent(inspect.getsource(function))), function.__code__.co_filename, "exec")
    return next(c for c in module.co_consts if getattr(c, "co_name", None) == function.__name__)
`);
const identity = (python.eval("identity_code(fib)") as PyObject);

type Mode = { name: string; enter: () => Disposable | undefined };
const modes: Mode[] = [
  { name: "no hook", enter: () => undefined },
  {
    name: "native pass-through",
    enter: () => {
      const dynamo = new Dynamo(() => {});
      load().native.pyframe_hook_set_mode(1);
      return dynamo;
    },
  },
  { name: "cached decision: original", enter: () => new Dynamo(() => {}) },
  { name: "cached decision: replacement", enter: () => new Dynamo((frame) => (frame.name === "fib" ? identity : undefined)) },
  { name: "JS on every frame", enter: () => new Dynamo(() => askAgain()) },
];

function timeOnce(mode: Mode): number {
  const scope = mode.enter();
  try {
    python.eval("fib(12)"); // warm: decisions made, specialisations settled
    const start = performance.now();
    const result = python.eval("fib(25)");
    const elapsed = performance.now() - start;
    if (result !== 75025) throw new Error(`fib(25) gave ${result} under ${mode.name}`);
    return elapsed;
  } finally {
    scope?.[Symbol.dispose]();
  }
}

const samples = new Map(modes.map((mode) => [mode.name, [] as number[]]));
for (let round = 0; round < rounds; round++) {
  for (const mode of modes) samples.get(mode.name)!.push(timeOnce(mode));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(samples.get("no hook")!);
const runtime = "Bun" in globalThis ? "bun" : "deno";
console.log(`fib(25), CPython ${python.version}, ${runtime}, ${rounds} interleaved rounds (median)`);
for (const mode of modes) {
  const ms = median(samples.get(mode.name)!);
  console.log(`  ${mode.name.padEnd(30)} ${ms.toFixed(1).padStart(8)} ms   ${(ms / base).toFixed(2)}x`);
}
const passthrough = median(samples.get("native pass-through")!);
for (const name of ["cached decision: original", "cached decision: replacement"]) {
  console.log(`  ${name} vs pass-through: ${((median(samples.get(name)!) / passthrough - 1) * 100).toFixed(1)}%`);
}
