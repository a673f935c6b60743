// CPython's JIT (3.14+, in builds configured with it; on when PYTHON_JIT=1): its executors run inside
// the evaluator, on whatever code a frame holds, so replacements swapped into frames, patch()ed and
// a generator's are run hot enough for the JIT to compile them, in a child process started with
// the JIT on.
import process from "node:process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { python } from "../mod.ts";
import { skipFile } from "./_skip.ts";
import { lastJsonLine, runChild } from "./_child.ts";

if (!python.eval(`getattr(__import__("sys"), "_jit", None) is not None and __import__("sys")._jit.is_available()`)) {
  skipFile(
    `CPython ${python.version} here has no JIT to turn on (sys._jit: 3.14+, built with --enable-experimental-jit)`,
  );
}

test("replacements run right under CPython's JIT, and the JIT compiles a swapped replacement's loop", () => {
  const child = runChild("test/_jit_child.ts", { timeout: 120_000, env: { ...process.env, PYTHON_JIT: "1" } });
  const seen = lastJsonLine(child);
  const n = 20_000, sumBelow = n * (n - 1) / 2;
  assert.equal(seen.results, {
    hot: Array(5).fill(30 * (sumBelow + n)), // sum of (i + 1) * 30
    patched: Array(5).fill(30 * sumBelow),
    counting: Array(5).fill(30 * sumBelow),
  });
  assert.is(seen.jit, true, "PYTHON_JIT=1 did not turn the JIT on");
  assert.is(seen.replacementRan, true, "the frame ran its original code");
  assert.ok(seen.executors > 0, "the JIT compiled nothing in the swapped replacement's loop");
});

test.run();
