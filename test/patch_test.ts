import { test } from "uvu";
import * as assert from "uvu/assert";
import { Dynamo, type Frame, patch } from "../src/dynamo/mod.ts";
import { type PyObject, python, PythonError } from "../src/python/mod.ts";
import { load } from "../src/ffi/mod.ts";
import * as ast from "../src/ast/mod.ts";
import { scaledCode } from "./_rewrite.ts";
import "./_in_a_thread.ts";

python.exec(
  `
import gc, sys

def bob():
    return 1 + 2

def make_adder(k):
    def adder(x):
        return x + k + 1
    return adder

def countdown(n):
    yield from range(n)
    yield 1

def traced(function):
    sys.settrace(lambda *args: None)
    try:
        return function()
    finally:
        sys.settrace(None)

bob_code = bob.__code__

class Tracked:
    alive = 0
    def __init__(self):
        Tracked.alive += 1
    def __del__(self):
        Tracked.alive -= 1

def make_reader():
    x = Tracked()
    def read():
        return x
    read()

steps = []

class Swapped:
    def __init__(self, step):
        steps.append(step * 1)

class Patched:
    def __init__(self, step):
        steps.append(step * 1)

# A call site each: a specialized call serves one class.
def make_swapped(n):
    steps.clear()
    for _ in range(n):
        Swapped(1)
    return sum(steps)

def make_patched(n):
    steps.clear()
    for _ in range(n):
        Patched(1)
    return sum(steps)
`,
  { filename: "patch_test_module.py" },
);

const replacedFrames = () => Number(load().native.pyframe_stat(1));

/** Patches the functions named `name` with their code scaled by `factor`; counts the frames asked about. */
function patching(name: string, factor = 10) {
  const asked: string[] = [];
  const dynamo = new Dynamo((frame: Frame) => {
    asked.push(frame.name);
    return frame.name === name ? patch(scaledCode(frame, factor)) : undefined;
  });
  return { dynamo, asked, [Symbol.dispose]: () => dynamo.dispose() };
}

test("patch(): the replacement runs now and is the function's __code__ until the Dynamo ends", () => {
  {
    using scope = patching("bob");
    assert.is(python.eval("bob()"), 30);
    // A function made of bob's __code__ now runs the replacement (3.14 keeps small ints out of co_consts).
    assert.is(python.eval("bob.__code__ is not bob_code and type(bob)(bob.__code__, globals())()"), 30);
    const before = replacedFrames();
    assert.equal(python.eval("[bob() for _ in range(100)]"), new Array(100).fill(30));
    assert.is(replacedFrames(), before, "later calls start in the replacement: no frame is swapped");
    assert.is(scope.asked.filter((name) => name === "bob").length, 1, "the replacement's frames are not asked about");
  }
  assert.is(python.eval("bob()"), 3);
  assert.ok(python.eval("bob.__code__ is bob_code"));
});

test("a class's __init__: swapped and patched, every instance runs the replacement", () => {
  const asked: string[] = [];
  const scaleInit = (frame: Frame) => {
    asked.push(frame.qualname);
    return frame.name === "__init__" ? scaledCode(frame) : undefined;
  };
  {
    using _ = new Dynamo(scaleInit);
    assert.is(python.eval("make_swapped(1000)"), 10_000, "swapped");
  }
  {
    using scope = patching("__init__");
    assert.is(python.eval("make_patched(1000)"), 10_000, "patched");
    assert.is(python.eval("make_swapped(1000)"), 10_000, "a later Dynamo is asked too");
    assert.equal(scope.asked.filter((name) => name === "__init__").length, 2);
  }
  assert.equal(asked.filter((name) => name.endsWith("__init__")), ["Swapped.__init__"]);
  assert.is(python.eval("make_swapped(1000) + make_patched(1000)"), 2000, "after the Dynamos");
});

test("patch() gives the original code back its references when the Dynamo ends", () => {
  // gc first: the test's rewriter (_rewrite.ts) leaves a reference cycle holding the code it read.
  const count = () => python.eval("gc.collect() and 0 or sys.getrefcount(bob_code)");
  const before = count();
  {
    using _ = patching("bob");
    python.eval("[bob() for _ in range(10000)]");
  }
  assert.is(count(), before);
});

test("a patched closure is not kept alive by the patch, nor what its cells hold", () => {
  using _ = new Dynamo((frame) =>
    frame.name === "read" ? patch(ast.compile(ast.parse(frame.source), frame)) : undefined
  );
  python.exec("for _ in range(10): make_reader()");
  assert.is(python.eval("gc.collect() and 0 or Tracked.alive"), 0);
});

test("a patched generator function makes generators of its replacement", () => {
  {
    using _ = patching("countdown");
    for (let i = 0; i < 3; i++) assert.equal(python.eval("list(countdown(3))"), [0, 1, 2, 10]);
    assert.equal(python.eval("list(type(countdown)(countdown.__code__, globals())(3))"), [0, 1, 2, 10]);
  }
  assert.equal(python.eval("list(countdown(3))"), [0, 1, 2, 1]);
});

test("only the called function is patched; others made from the same code are swapped frame by frame", () => {
  python.exec("first = make_adder(1)\nsecond = make_adder(2)\nadder_code = first.__code__");
  using _ = patching("adder");
  assert.is(python.eval("first(0)"), 11);
  const before = replacedFrames();
  assert.is(python.eval("second(0)"), 12);
  assert.is(replacedFrames(), before + 1);
  assert.ok(python.eval("first.__code__ is not adder_code and second.__code__ is adder_code"));
});

test("a patched function runs its replacement on other threads and under settrace too", () => {
  using _ = patching("bob");
  assert.is(python.eval("bob()"), 30);
  assert.equal(python.eval("in_a_thread(bob)"), [30]);
  assert.is(python.eval("traced(bob)"), 30);
});

test("Dynamos disposed in or out of order undo each patch to the code before it", () => {
  for (const outerFirst of [false, true]) {
    const outer = patching("bob", 10);
    assert.is(python.eval("bob()"), 30);
    const inner = patching("bob", 100);
    assert.is(python.eval("bob()"), 300, "the inner Dynamo is asked about the patched function");
    assert.is(inner.asked.filter((name) => name === "bob").length, 1);
    if (outerFirst) {
      outer.dynamo.dispose();
      assert.is(python.eval("bob()"), 300, "the open inner Dynamo's patch stays");
      inner.dynamo.dispose();
    } else {
      inner.dynamo.dispose();
      assert.is(python.eval("bob()"), 30, "back to the outer Dynamo's patch");
      outer.dynamo.dispose();
    }
    assert.is(python.eval("bob()"), 3);
    assert.ok(python.eval("bob.__code__ is bob_code"));
  }
});

test("a __code__ set by someone else while the Dynamo is open is left as it is", () => {
  python.exec("def other():\n    return 7\n");
  {
    using _ = patching("bob");
    assert.is(python.eval("bob()"), 30);
    python.exec("bob.__code__ = other.__code__");
  }
  assert.is(python.eval("bob()"), 7);
  python.exec("bob.__code__ = bob_code");
});

test("a Dynamo disposed by its own callback before it answers patch() leaves the function as it was", () => {
  const own: { dynamo?: Dynamo } = {};
  own.dynamo = new Dynamo((frame) => {
    if (frame.name !== "bob") return;
    own.dynamo!.dispose();
    return patch(scaledCode(frame));
  });
  assert.is(python.eval("bob()"), 30, "the frame asked about still runs the replacement");
  assert.is(python.eval("bob()"), 3);
  assert.ok(python.eval("bob.__code__ is bob_code"));
});

test("patch() refuses module code and what is not a code object, with a TypeError", () => {
  const refused = (make: (frame: Frame) => PyObject) => {
    using _ = new Dynamo((frame) => frame.name === "<module>" || frame.name === "bob" ? patch(make(frame)) : undefined);
    try {
      python.exec("x = 1", { filename: "patched_module.py" });
      python.eval("bob()");
      return "";
    } catch (error) {
      assert.instance(error, PythonError);
      assert.is((error as PythonError).type, "TypeError");
      return (error as PythonError).message;
    }
  };
  assert.match(refused((frame) => frame.code), /<module> is module or class-body code.*return the replacement itself/);
  assert.match(refused(() => python.builtins.get("len")), /expected a code object, got builtin_function_or_method/);
  assert.match(refused(() => 1 as unknown as PyObject), /patch\(code\) needs a code object \(a PyObject\), got number/);
  assert.match(refused(() => undefined as unknown as PyObject), /patch\(code\) needs a code object/);
  assert.is(python.eval("bob()"), 3);
  assert.ok(python.eval("bob.__code__ is bob_code"));
});

test.run();
