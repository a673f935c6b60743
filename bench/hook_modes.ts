/**
 * The cost of each hook mode on three workloads, interleaved round by round in one process so the
 * ratios share the machine's noise: recursive fib(27) (635,621 frames of one code object),
 * 2,000 distinct small functions called in turn (many code objects, many cache entries), and
 * 200,000 constructions of a plain class (on CPython 3.13, the price of seeing their `__init__`
 * frames: native/init_shortcut.zig; where a 3.13 build keeps call sites generic one by one, only
 * the Dynamo's general path keeps them, so under native pass-through those constructions skip the
 * eval-frame function and the cached modes are best read against no hook). Each
 * round runs the modes in a new shuffled order, so no mode always follows the same other one.
 *
 *   deno run -A bench/hook_modes.ts      bun run bench/hook_modes.ts
 *   PYFRAME_BENCH_REPLACEMENTS=upfront   when the replacements are compiled (lazy, upfront,
 *                                        together: see _workloads.py's compile_all_again)
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { askAgain, Dynamo, type Frame, patch } from "../src/dynamo/mod.ts";
import { load } from "../src/ffi/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";

const rounds = Number(process.env.PYFRAME_BENCH_ROUNDS ?? 31);

const workloadSource = new URL("./_workloads.py", import.meta.url);
python.exec(readFileSync(workloadSource, "utf8"), { filename: workloadSource.pathname });
const workloadsModule = python.import("__main__");
const identityCode = workloadsModule.get("compiled_again");
const replacementsMade = process.env.PYFRAME_BENCH_REPLACEMENTS ?? "lazy";
workloadsModule.get("compile_all_again").call(replacementsMade);

interface Workload {
  name: string;
  warm: string;
  run: string;
  expected: number;
  frames: number;
}
const workloads: Workload[] = [
  { name: "fib(27)", warm: "fib(12)", run: "fib(27)", expected: 196418, frames: 635621 },
  {
    name: "2,000 small functions x 200",
    warm: "run_many(1)",
    run: "run_many(200)",
    expected: 200 * (2000 + 1999 * 2000 / 2),
    frames: 400001,
  },
  {
    name: "Point(i) x 200,000",
    warm: "construct(10)",
    run: "construct(200000)",
    expected: 199999 * 100000,
    frames: 200001,
  },
];

type Mode = { name: string; enter: () => Disposable | undefined };
const rewritten = (frame: Frame) =>
  frame.name === "fib" || frame.name.startsWith("small_") || frame.qualname === "Point.__init__";
const replaceAll = () =>
  new Dynamo((frame) => rewritten(frame) ? identityCode.call(frame.function) as PyObject : undefined);
// patch(): the function's __code__ becomes the replacement, so its later frames need no swap.
const patchAll = () =>
  new Dynamo((frame) => rewritten(frame) ? patch(identityCode.call(frame.function) as PyObject) : undefined);
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
  { name: "cached: original", enter: () => new Dynamo(() => {}) },
  { name: "cached: replacement", enter: replaceAll },
  { name: "cached: patched", enter: patchAll },
  { name: "JS on every frame", enter: () => new Dynamo(() => askAgain()) },
];

function timeOnce(workload: Workload, mode: Mode): number {
  const scope = mode.enter();
  try {
    python.eval(workload.warm); // decisions made, specialisations settled
    const start = performance.now();
    const result = python.eval(workload.run);
    const elapsed = performance.now() - start;
    if (result !== workload.expected) throw new Error(`${workload.run} gave ${result} under ${mode.name}`);
    return elapsed;
  } finally {
    scope?.[Symbol.dispose]();
  }
}

/** `items` in an order fixed by `seed` (a small linear congruential generator, Fisher-Yates). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const order = [...items];
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = order.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// The machine's noise (other processes, interrupts) only ever adds time: the fastest round is the
// least disturbed one, so it is shown next to the median.
const fastest = (values: number[]) => Math.min(...values);
const runtime = "Bun" in globalThis ? "bun" : "deno";
const percentOver = (ms: number, base: number) => `${((ms / base - 1) * 100).toFixed(1).padStart(5)}%`;
// Nanoseconds a frame, beside the ratios: the same absolute cost weighs more on a build whose frames
// are cheaper (Debian's 3.13 passes them through about a quarter faster than pyenv's on one machine).
const nsPerFrame = (ms: number, workload: Workload) => (ms * 1e6) / workload.frames;
const nsOver = (ms: number, base: number, workload: Workload) => {
  const ns = nsPerFrame(ms, workload) - nsPerFrame(base, workload);
  return `${ns >= 0 ? "+" : ""}${ns.toFixed(1)} ns`;
};

for (const workload of workloads) {
  const samples = new Map(modes.map((mode) => [mode.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of shuffled(modes, round)) samples.get(mode.name)!.push(timeOnce(workload, mode));
  }
  const base = median(samples.get("no hook")!);
  const passthrough = samples.get("native pass-through")!;
  console.log(
    `${workload.name} (~${
      workload.frames.toLocaleString("en")
    } frames), CPython ${python.version}, ${runtime}, ${rounds} interleaved rounds (median; fastest), replacements compiled ${replacementsMade}`,
  );
  for (const mode of modes) {
    const times = samples.get(mode.name)!;
    const ms = median(times);
    const vsPassthrough = mode.name.startsWith("cached")
      ? `   ${percentOver(ms, median(passthrough))} (${nsOver(ms, median(passthrough), workload)}); ${
        percentOver(fastest(times), fastest(passthrough))
      } vs pass-through`
      : "";
    console.log(
      `  ${mode.name.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms ${
        nsPerFrame(ms, workload).toFixed(1).padStart(7)
      } ns/frame ${(ms / base).toFixed(2).padStart(6)}x${vsPassthrough}`,
    );
  }
}
