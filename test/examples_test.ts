// The runnable examples of examples/, each checked for what it shows.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assertionMessages } from "../examples/assert_rewrite.ts";
import { hotPatch } from "../examples/hot_patch.ts";
import { scaleConstants } from "../examples/scale_constants.ts";
import { traceCalls } from "../examples/trace_calls.ts";
import { python } from "../mod.ts";

test("scale_constants: bob() gives 3, then 30 inside the Dynamo, then 3 again", () => {
  assert.equal(scaleConstants(), { before: 3, inside: 30, after: 3 });
});

test("assert_rewrite: a failing assert reports both sides once rewritten", () => {
  const { plain, rewritten } = assertionMessages();
  assert.is(plain, "", "Python's own assert says nothing");
  assert.is(rewritten, "assert 4 == 5 (sum(prices) == 5)");
});

test("hot_patch: average([]) fails before and after the patch, and gives 0 under it, in a Python thread too", () => {
  assert.equal(hotPatch(), {
    before: "ZeroDivisionError",
    patched: [2, 0],
    inAThread: [0],
    after: "ZeroDivisionError",
  });
});

test("trace_calls: every call records its function and arguments, in call order", () => {
  const { result, calls } = traceCalls("fib(4), greet('Ada', punctuation='?')");
  assert.equal(result, [3, "hello Ada?"]);
  assert.equal(calls, [
    ["fib", 4],
    ["fib", 3],
    ["fib", 2],
    ["fib", 1],
    ["fib", 0],
    ["fib", 1],
    ["fib", 2],
    ["fib", 1],
    ["fib", 0],
    ["greet", "Ada", "?"],
  ]);
});

test("trace_calls: nothing is recorded once the Dynamo is gone", () => {
  traceCalls("fib(1)");
  python.exec("calls.clear()");
  assert.is(python.eval("fib(3)"), 2);
  assert.equal(python.eval("calls"), []);
});

test.run();
