// Deep recursion under the hook. With an eval-frame function installed every Python call uses the
// C stack, so the host must be protected twice: from calling JS deeper than its engine allows
// (V8 aborts the process there, within CPython's default recursion limit) and from running off the
// thread's stack under a raised recursion limit. Without either guard these tests kill the process.
import process from "node:process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Dynamo, type PyObject, python, PythonError } from "../mod.ts";
import { load } from "../src/ffi/mod.ts";
import "./_in_a_thread.ts";
import { lastJsonLine, runChild } from "./_child.ts";

python.exec(`
import sys
sys.setrecursionlimit(1_000_000)

def at_depth(n, function):
    return function() if n == 0 else at_depth(n - 1, function)

made = {}
def fresh(i):
    """A function whose code object no Dynamo has seen yet."""
    namespace = {}
    exec(compile("def fresh_%d():\\n    return 'original'\\n" % i, "<fresh>", "exec"), namespace)
    made[i] = namespace["fresh_%d" % i]
    return made[i]

def rewritten():
    return "rewritten"

def dive(n):
    return 0 if n == 0 else 1 + dive(n - 1)

def call_at_depth(n, function):
    return function(n) if n == 0 else call_at_depth(n - 1, function)

def recurse_without_end():
    try:
        return dive(10_000_000)
    except RecursionError as error:
        return str(error)

`);

const tooDeepForJs = () => Number(load().native.pyframe_stat(3));
const minor = Number(python.version.split(".")[1]);

test("a frame started deeper than JS can be entered runs its original code unasked; higher up it asks", () => {
  const asked = new Set<string>();
  const replacement = python.eval("rewritten.__code__") as PyObject;
  using _ = new Dynamo((frame) => {
    if (!frame.name.startsWith("fresh_")) return;
    asked.add(frame.name);
    return replacement;
  });
  const before = tooDeepForJs();
  // Deeper and deeper, 25 calls (~50 KiB of C stack) at a time, each time with code JS has not
  // seen, until JS is no longer asked or Python's own limit stops the recursion (3.12 stops near
  // 800 calls, before JavaScriptCore's limit).
  let unasked: number | undefined;
  for (let i = 0, depth = 25; depth <= 20_000; i++, depth += 25) {
    let result: unknown;
    try {
      result = python.eval(`at_depth(${depth}, fresh(${i}))`);
    } catch (error) {
      if (error instanceof PythonError && error.type === "RecursionError") break;
      throw error;
    }
    if (result === "original") {
      unasked = i;
      break;
    }
    assert.is(result, "rewritten", `depth ${depth}`);
    assert.ok(asked.has(`fresh_${i}`));
  }
  if (unasked === undefined) return; // The recursion limit came first: nothing ran too deep for JS.
  assert.not.ok(asked.has(`fresh_${unasked}`), "JS was asked about a frame too deep for it");
  assert.ok(tooDeepForJs() > before, "the frame was counted as too deep for JS");
  assert.is(python.eval(`made[${unasked}]()`), "rewritten", "called from higher up, the code is shown to JS");
  assert.ok(asked.has(`fresh_${unasked}`));
});

test("Python calling a JS function deeper than JS can be entered gets a RecursionError, not a dead host", () => {
  using _ = new Dynamo(() => {}); // every Python call now uses the C stack
  const callAtDepth = python.eval("call_at_depth") as PyObject;
  let calls = 0;
  const fromJs = (depth: number) => {
    calls++;
    return depth + 1;
  };
  // As deep as Python allows, 25 calls at a time: JS answers until the guard refuses, or Python's
  // own limit comes first (3.12 near 800 calls, before JavaScriptCore's limit).
  let refused = "";
  for (let depth = 25; depth <= 20_000 && !refused; depth += 25) {
    try {
      assert.is(callAtDepth.call(depth, fromJs).toJS(), 1);
    } catch (error) {
      if (!(error instanceof PythonError) || error.type !== "RecursionError") throw error;
      refused = error.message;
    }
  }
  assert.ok(calls > 0);
  assert.match(refused, /maximum recursion depth exceeded/);
  assert.is(callAtDepth.call(5, fromJs).toJS(), 1, "called from higher up, JS answers again");
});

// V8 stops JS about 1 MiB down the stack unless given more; given more than the thread has, it
// would run off the thread's end, and pyframe measuring that limit (JS recursing until refused,
// as the library loads) did: Deno died at import. Bun's engine is given as much; it keeps to its
// thread by itself.
test("a JS engine given more stack than its thread has: pyframe loads, and uses what there is", () => {
  const moreThanTheThread = 64 * 1024; // KiB: 64 MiB (a main thread usually has 8)
  const child = runChild("test/_js_stack_child.ts", {
    denoFlags: [`--v8-flags=--stack-size=${moreThanTheThread}`],
    env: { ...process.env, BUN_JSC_maxPerThreadStackUsage: String(moreThanTheThread * 1024) },
  });
  const { deepest, refusal, after } = lastJsonLine(child);
  assert.match(refusal, /^RecursionError: maximum recursion depth exceeded/);
  // Deno's default stack takes ~110 levels of JS and Python calling each other under a Dynamo.
  assert.ok(deepest >= 250, `only ${deepest} levels deep`);
  assert.is(after, 2, "Python runs on after the refusal");
});

test("a JS engine given less stack than pyframe kept for a callback: JS is still called, and asked", () => {
  const little = 200; // KiB
  const child = runChild("test/_js_stack_child.ts", {
    denoFlags: [`--v8-flags=--stack-size=${little}`],
    env: { ...process.env, BUN_JSC_maxPerThreadStackUsage: String(little * 1024) },
  });
  const { deepest, refusal, asked, after } = lastJsonLine(child);
  // Before, the 256 KiB kept lay above where JS starts: every JS call from Python was refused.
  assert.ok(deepest >= 3, `only ${deepest} levels deep`);
  assert.ok(asked > 0, "the Dynamo was never asked"); // once per code object: its answer is cached
  assert.match(refusal, /^RecursionError: maximum recursion depth exceeded/);
  assert.is(after, 2);
});

test("a JS error leaving a native callback (a JS engine out of stack) raises in Python, never crashes", () => {
  const { functionCall, frame, after } = lastJsonLine(runChild("test/_escaped_error_child.ts"));
  const escaped =
    /^RuntimeError: pyframe: a JavaScript error escaped pyframe's handling \(the JS engine ran out of stack/;
  assert.match(functionCall, escaped, "Python calling a JS function");
  assert.match(frame, escaped, "a frame callback");
  assert.is(after, "ran", "Python runs on");
});

/** The RecursionError of a recursion that ran out of C stack: pyframe's up to 3.13 (3.12 counts C
 * recursion itself and stops first), CPython's own from 3.14, which checks the stack itself. */
function assertStackRanOut(message: string): void {
  if (minor >= 14) return assert.match(message, /^Stack overflow \(used \d+ kB\)/);
  assert.match(message, /^maximum recursion depth exceeded/);
  if (minor !== 12) assert.match(message, /the C stack is nearly full/);
}

test("recursion past what the C stack holds raises RecursionError instead of killing the host", () => {
  using _ = new Dynamo(() => {});
  assertStackRanOut(python.eval("recurse_without_end()") as string);
  assert.is(python.eval("dive(100)"), 100, "Python runs on normally afterwards");
});

test("a Python thread recursing past what its own stack holds raises RecursionError too", () => {
  using _ = new Dynamo(() => {});
  const [message] = python.eval("in_a_thread(recurse_without_end)") as [string];
  assertStackRanOut(message);
  assert.equal(python.eval("in_a_thread(lambda: dive(100))"), [100], "a thread recursing less is untouched");
});

test("__del__ runs deep in a long chain of deallocations as it does without the hook", () => {
  // Deallocating a nested chain recurses on the C stack until CPython defers the rest (its
  // "trashcan"); from 3.14 it defers only near its own stack limit, below the floor pyframe kept
  // up to 3.13: there every __del__ run that deep failed with RecursionError ("Exception
  // ignored"), 1,002,670 of 2**20 on 3.14.10 and the count below stayed that high.
  python.exec(`
class Counted(list):
    alive = 0
    def __init__(self, *args):
        Counted.alive += 1
        super().__init__(*args)
    def __del__(self):
        Counted.alive -= 1

def build_and_drop_chain(length):
    chain = None
    for _ in range(length):
        chain = Counted((chain,))
    del chain
    return Counted.alive
`);
  using _ = new Dynamo(() => {});
  assert.is(python.eval("build_and_drop_chain(2**18)"), 0);
  assert.is(python.eval("dive(100)"), 100, "Python runs on normally afterwards");
});

test.run();
