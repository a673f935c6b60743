/**
 * Every frame of a class's `__init__` reaches the Dynamo, however the construction is called. On
 * CPython 3.13 a call `C(...)` of a class with a plain Python `__init__` becomes, from its second
 * run, an instruction (CALL_ALLOC_AND_ENTER_INIT) that enters `__init__` without the eval-frame
 * function; pyframe closes that shortcut while its function is installed (native/init_shortcut.zig).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { askAgain, Dynamo, type Frame } from "../src/dynamo/mod.ts";
import { python } from "../src/python/mod.ts";
import { load } from "../src/ffi/mod.ts";
import { scaledCode } from "./_rewrite.ts";
import "./_in_a_thread.ts";

python.exec(
  `
import dis, sys

steps = []

class Point:
    def __init__(self, step):
        steps.append(step * 1)

class Strict:
    def __init__(self, value):
        if value < 0:
            raise ValueError("negative: %d" % value)
        self.value = value

class Returns:
    def __init__(self):
        return 1

# A call site each: a specialized call serves one class.
def make_points(n):
    steps.clear()
    for _ in range(n):
        Point(1)
    return sum(steps)

def make_strict(values):
    return [Strict(value).value for value in values]

def make_returns():
    return Returns()

def specialized_construction(function):
    return any(i.opname == "CALL_ALLOC_AND_ENTER_INIT" for i in dis.get_instructions(function, adaptive=True))
`,
  { filename: "class_construction_test_module.py" },
);

const isPython313 = python.eval("sys.version_info[:2] == (3, 13)") as boolean;
const shortcutClosed = () => Number(load().native.pyframe_stat(4)) === 1;

/** Defines `name(n)`, which constructs n Points at a call site of its own, and runs it `runs` times. */
function definePointMaker(name: string, runs: number) {
  python.exec(`
def ${name}(n):
    steps.clear()
    for _ in range(n):
        Point(1)
    return sum(steps)
for _ in range(${runs}):
    ${name}(1)
`);
}

function warmUp() {
  assert.is(python.eval("make_points(100)"), 100);
  if (isPython313) assert.ok(python.eval("specialized_construction(make_points)"), "3.13 specialized the call");
}

test("a swapped __init__ runs in every construction, at a call site specialized before the Dynamo", () => {
  warmUp();
  using _ = new Dynamo((frame) => frame.qualname === "Point.__init__" ? scaledCode(frame) : undefined);
  assert.is(python.eval("make_points(1000)"), 10_000);
  assert.is(python.eval("make_points(1000)"), 10_000, "and again, once the site is warm under the hook");
});

test("a call site run once before the Dynamo, about to specialize at its next run, is seen too", () => {
  definePointMaker("make_once", 1);
  using _ = new Dynamo((frame) => frame.qualname === "Point.__init__" ? scaledCode(frame) : undefined);
  assert.is(python.eval("make_once(1000)"), 10_000);
});

test("a call site specialized before the Dynamo, in code it decided before the site runs again", () => {
  definePointMaker("make_later", 100);
  if (isPython313) assert.ok(python.eval("specialized_construction(make_later)"), "3.13 specialized the call");
  using _ = new Dynamo((frame) => frame.qualname === "Point.__init__" ? scaledCode(frame) : undefined);
  assert.is(python.eval("make_later(0)"), 0, "the Dynamo decides for make_later; Point is not constructed");
  assert.is(python.eval("make_later(1000)"), 10_000);
});

test("a Dynamo asking again is asked about every __init__ frame", () => {
  warmUp();
  let asked = 0;
  const askAboutPoint = (frame: Frame) => {
    if (frame.qualname !== "Point.__init__") return undefined;
    asked += 1;
    return askAgain();
  };
  using _ = new Dynamo(askAboutPoint);
  assert.is(python.eval("make_points(500)"), 500);
  assert.is(asked, 500);
});

test("constructions through the eval-frame function keep __init__'s errors and checks", () => {
  using _ = new Dynamo((frame) => frame.qualname === "Strict.__init__" ? scaledCode(frame) : undefined);
  assert.equal(python.eval("make_strict(range(50))"), Array.from({ length: 50 }, (_, i) => i));
  python.exec(`
def strict_error():
    try:
        make_strict([1, 2, -3])
    except ValueError as error:
        return str(error)

def returns_errors():
    messages = set()
    for _ in range(20):
        try:
            make_returns()
        except TypeError as error:
            messages.add(str(error))
    return sorted(messages)
`);
  assert.is(python.eval("strict_error()"), "negative: -3");
  assert.equal(python.eval("returns_errors()"), ["__init__() should return None, not 'int'"]);
});

test("on 3.13 the shortcut is closed while a Dynamo is open, and open again after the last", () => {
  assert.not.ok(shortcutClosed(), "no Dynamo open");
  {
    using _outer = new Dynamo(() => undefined);
    assert.is(shortcutClosed(), isPython313);
    {
      using _inner = new Dynamo(() => undefined);
      assert.is(shortcutClosed(), isPython313);
    }
    assert.is(shortcutClosed(), isPython313, "the outer Dynamo is still open");
  }
  assert.not.ok(shortcutClosed());
  // CPython specializes and runs the construction again as it does without pyframe.
  python.exec("Point.__init__ = Point.__init__"); // a new type version: the site specializes anew
  assert.is(python.eval("make_points(100)"), 100);
  if (isPython313) assert.ok(python.eval("specialized_construction(make_points)"));
});

test("frames of __init__ on another thread run the original, at a warm site too", () => {
  warmUp();
  using _ = new Dynamo((frame) => frame.qualname === "Point.__init__" ? scaledCode(frame) : undefined);
  assert.is(python.eval("make_points(10)"), 100);
  assert.equal(python.eval("in_a_thread(lambda: make_points(1000))"), [1000]);
});

test.run();
