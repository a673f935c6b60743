/**
 * Test support, run as its own process by deep_stack_test.ts with the JS engine told it may use
 * more stack than its thread has (Deno: `--v8-flags=--stack-size`; Bun:
 * `BUN_JSC_maxPerThreadStackUsage`), or less than pyframe keeps for a callback: JS and Python call
 * each other ever deeper, under a Dynamo, until refused. Prints one JSON line: how deep they went,
 * what refused them, how many times the Dynamo was asked (once per code object), and whether Python
 * still runs after.
 */
import { Dynamo, type PyObject, python, PythonError } from "../mod.ts";

python.exec(`
import sys
sys.setrecursionlimit(1_000_000)

def step(n, down):
    return down(n)
`);
const step = python.eval("step") as PyObject;
let refusal = "";
/** Levels below this one that ran before the refusal, caught where it happens (carried up through
 * every level, the error would be told again at each: quadratic). */
const down = (n: number): number => {
  if (n === 0) return 0;
  try {
    return 1 + (step.call(n - 1, down).toJS() as number);
  } catch (error) {
    if (!(error instanceof PythonError)) throw error;
    refusal = error.message;
    return 0;
  }
};

let asked = 0;
using _ = new Dynamo(() => void asked++);
const deepest = down(100_000);
console.log(JSON.stringify({ deepest, refusal, asked, after: python.eval("1 + 1") }));
