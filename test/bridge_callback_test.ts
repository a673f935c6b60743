import { test } from "uvu";
import * as assert from "uvu/assert";
import { handleCount, kw, type PyObject, python, PythonError, SystemExit } from "../src/python/mod.ts";
import { pythonErrorWithoutValue, unhandledRejectionsDuring } from "./_errors.ts";

python.exec(`
import gc

def apply(f, *args, **kwargs):
    return f(*args, **kwargs)

def apply_many(f, times):
    total = 0
    for i in range(times):
        total += f(i)
    return total

def catching(f):
    try:
        f()
    except RuntimeError as e:
        return [type(e).__name__, isinstance(e, RuntimeError), str(e)]

def catching_value_error(f):
    try:
        f()
    except ValueError as e:
        return "caught " + str(e)

kept = []
def keep(f):
    kept.append(f)

def drop_all():
    kept.clear()
    gc.collect()
`);
const main = python.import("__main__");
const apply = main.get("apply");

test("a JS function passed to Python is a Python callable; arguments and results convert", () => {
  assert.is(apply.call((a: number, b: number) => a + b, 2, 3).toJS(), 5);
  assert.equal(apply.call((list: number[]) => list.map((x) => x * 2), [1, 2]).toJS(), [2, 4]);
  using builtins = python.builtins;
  using mapped = builtins.get("map").call((x: string) => x.toUpperCase(), ["a", "b"]);
  assert.equal(builtins.get("list").call(mapped).toJS(), ["A", "B"]);
  using sorted = builtins.get("sorted").call([3, 1, 2], kw({ key: (x: number) => -x }));
  assert.equal(sorted.toJS(), [3, 2, 1]);
  assert.is(apply.call(() => undefined).toJS(), null, "undefined comes back as None");
  assert.is(apply.call(() => 2n ** 70n).toJS(), 2n ** 70n);
});

// A JS function was called as a method of pyframe's record of it: `this` was that record, which
// the function could change (its `fn` replaced the callable for every later call).
test("a JS function called from Python gets undefined as this", () => {
  const seen: unknown[] = [];
  const callable = function (this: unknown) {
    seen.push(this);
    return 1;
  };
  assert.is(apply.call(callable).toJS(), 1);
  assert.equal(seen, [undefined]);
});

// An async JS function's Promise is refused with a TypeError in Python; the rejected Promise,
// which nobody else holds, then ended the process as an unhandled rejection.
test("an async JS function called from Python that rejects is refused, and nothing follows", async () => {
  const rejecting = async () => {
    await Promise.resolve();
    throw new Error("async failure");
  };
  const unhandled = await unhandledRejectionsDuring(() => {
    // The JS TypeError comes back through Python as it was thrown.
    assert.throws(() => apply.call(rejecting), /pyframe: cannot convert a Promise to Python/);
  });
  assert.equal(unhandled, []);
});

test("Python keyword arguments arrive as one trailing plain object", () => {
  const seen: unknown[][] = [];
  python.exec("def call_with_keywords(f):\n    return f(1, [2], key='v', flag=True)\n");
  const result = main.get("call_with_keywords").call((...args: unknown[]) => {
    seen.push(args);
    return "done";
  });
  assert.is(result.toJS(), "done");
  assert.equal(seen, [[1, [2], { key: "v", flag: true }]]);
});

test("a JS function comes back to JS as itself; its repr and name are Python's view of it", () => {
  function namedHelper() {}
  assert.is(apply.call((f: unknown) => f, namedHelper).toJS(), namedHelper);
  python.exec("def identity(x):\n    return x\n");
  assert.is(main.get("identity").call(namedHelper).toJS(), namedHelper);
  using wrapped = python.toPython(namedHelper);
  assert.is(wrapped.repr(), "<JavaScript function namedHelper>");
  assert.is(wrapped.get("__name__").toJS(), "namedHelper");
  using named = python.callable(() => 1, { name: "custom" });
  assert.is(named.get("__name__").toJS(), "custom");
});

test("a JS exception becomes a catchable Python RuntimeError (JSError); uncaught it returns as the original", () => {
  const thrown = new TypeError("bad input");
  const fails = () => {
    throw thrown;
  };
  assert.equal(main.get("catching").call(fails).toJS(), ["JSError", true, "TypeError: bad input"]);
  assert.throws(() => apply.call(fails), (e: unknown) => e === thrown);
  assert.throws(() =>
    apply.call(() => {
      throw "a string";
    }), (e: unknown) => e === "a string");
});

test("a JS function called with more arguments than the engine's stack holds says so; other overflows pass as they are", () => {
  // The engines pass arguments on their stack (Deno takes about 130,000, Bun 640,000): Python
  // got only "RangeError: Maximum call stack size exceeded", from a function that never recursed.
  python.exec(
    "def spread_range(f, count):\n    try:\n        return f(*range(count))\n    except RuntimeError as e:\n        return str(e)\n",
  );
  const spread = main.get("spread_range");
  assert.is(spread.call((...values: number[]) => values.length, 5000).toJS(), 5000);
  assert.is(
    spread.call((...values: number[]) => values.length, 2_000_000).toJS(),
    "RangeError: pyframe: a JS function was called from Python with 2000000 arguments, more than the JS " +
      "engine passes on its stack in one call; pass them in one list instead",
  );
  const recurse = (depth: number): number => recurse(depth + 1) + 1;
  assert.match(
    String(spread.call((first: number) => recurse(first), 1).toJS()),
    /^RangeError: Maximum call stack size exceeded/,
  );
});

test("a Python exception inside a JS callback is a PythonError there, and keeps its Python type on the way out", () => {
  let inside: unknown;
  const result = main.get("catching_value_error").call(() => {
    try {
      python.eval("int('x')");
    } catch (error) {
      inside = error;
      throw error;
    }
  });
  assert.instance(inside, PythonError);
  assert.is((inside as PythonError).type, "ValueError");
  assert.match(result.toJS() as string, /^caught invalid literal for int\(\) with base 10: 'x'$/);
  assert.throws(
    () => apply.call(() => python.exec("import sys\nsys.exit(7)\n")),
    (e: unknown) => e instanceof SystemExit && e.code === 7,
  );
});

test("a thrown PythonError without a live Python exception, or a value that cannot be shown, is a JSError, never a crash", () => {
  // Raising a disposed value threw inside the call from C: Deno aborted ("entered unreachable
  // code"), and a made-up pointer segfaulted both runtimes.
  const disposed = pythonErrorWithoutValue("gone");
  using five = python.toPython(5);
  const cases: [unknown, string][] = [
    [disposed, "PythonError: ValueError: gone"],
    [new PythonError("ValueError", "made up", "", { pointer: 12345 } as never), "PythonError: ValueError: made up"],
    [new PythonError("ValueError", "not one", "", five), "PythonError: ValueError: not one"],
    [Object.create(null), "JavaScript threw a value that cannot be shown"],
  ];
  for (const [thrown, message] of cases) {
    const fails = () => {
      throw thrown;
    };
    assert.equal(main.get("catching").call(fails).toJS(), ["JSError", true, message]);
    assert.throws(() => apply.call(fails), (e: unknown) => e === thrown, "uncaught, it returns as itself");
  }
  assert.is(python.eval("1 + 1"), 2);
});

test("callbacks nest: JS calls Python calls JS calls Python", () => {
  const depthOf = (n: number): number => n === 0 ? 0 : 1 + (apply.call(depthOf, n - 1).toJS() as number);
  assert.is(depthOf(20), 20);
});

test("rawArguments hands Python objects to JS unconverted (mutations are seen by Python)", () => {
  using append = python.callable((list: PyObject) => void list.callMethod("append", 4), { rawArguments: true });
  python.exec("numbers = [1, 2, 3]\n");
  apply.call(append, main.get("numbers"));
  assert.equal(python.eval("numbers"), [1, 2, 3, 4]);
});

test("a callable is released when Python drops it: no handle kept per call or per dropped callable", () => {
  python.eval("drop_all()");
  const before = handleCount();
  const add = (x: number) => x + 1;
  assert.is(main.get("apply_many").call(add, 10_000).toJS(), (10_000 * 9_999) / 2 + 10_000);
  assert.is(handleCount(), before, "10,000 calls keep nothing");
  for (let i = 0; i < 1_000; i++) main.get("keep").call(() => i).dispose();
  assert.is(handleCount(), before + 1_000, "kept callables are held");
  python.eval("drop_all()");
  assert.is(handleCount(), before, "dropped callables are released");
  main.get("catching").call(() => {
    throw new Error("x");
  }).dispose();
  assert.is(handleCount(), before, "a caught JS error is released with its exception");
});

test("copy and deepcopy keep a JS function as itself, pickle refuses it; a copied JSError is a RuntimeError", () => {
  // A copy shared the original's handle: once the original was collected, calling the copy failed
  // with "JS handle N was already released".
  python.exec(`
import copy, gc, pickle
def keep_copies(f):
    global kept
    kept = copy.deepcopy({"callback": f})["callback"], copy.copy(f)
    return all(g is f for g in kept)

def pickle_error(f):
    try:
        pickle.dumps(f)
    except TypeError as error:
        return "TypeError: %s" % error

def copied_error(f):
    try:
        f()
    except RuntimeError as error:
        copies = copy.copy(error), copy.deepcopy(error), pickle.loads(pickle.dumps(error))
    gc.collect()
    return [(type(c).__name__, str(c)) for c in copies]
`);
  const before = handleCount();
  assert.is(main.get("keep_copies").call((x: number) => x + 1).toJS(), true, "the same function");
  python.exec("gc.collect()");
  assert.equal(python.eval("[g(20) for g in kept]"), [21, 21]);
  python.exec("del kept\ngc.collect()");
  using refused = main.get("pickle_error").call(() => 1);
  assert.is(
    refused.toJS(),
    "TypeError: pyframe: JavaScript function <anonymous> cannot be pickled: it lives in this process's JavaScript engine",
  );
  const thrower = () => {
    throw new Error("js failure");
  };
  assert.equal(main.get("copied_error").call(thrower).toJS(), [
    ["RuntimeError", "Error: js failure"],
    ["RuntimeError", "Error: js failure"],
    ["RuntimeError", "Error: js failure"],
  ]);
  assert.is(handleCount(), before, "nothing held, nothing released twice");
});

test("Python's tracers and profilers see no frame of pyframe's when Python calls or drops JS", () => {
  // sys.settrace saw JSFunction.__call__ and __del__ ("<pyframe helper>") run, sys.setprofile also
  // their calls of get_ident and _call_js: a tracer or profiler of the user's code listed pyframe's
  // plumbing.
  python.exec(`
import gc, sys
def events_of(f):
    seen = []
    def tracer(frame, event, arg):
        seen.append(("trace", event, frame.f_code.co_name))
        return tracer
    sys.settrace(tracer)
    try:
        f(1, k=2)
        dropped = f(2)
        del dropped
        gc.collect()
    finally:
        sys.settrace(None)
    sys.setprofile(lambda frame, event, arg: seen.append(("profile", event, getattr(arg, "__name__", None))))
    try:
        f(1)
    finally:
        sys.setprofile(None)
    return seen
`);
  const calls: unknown[][] = [];
  const before = handleCount();
  const events = main.get("events_of").call(function named(...args: unknown[]) {
    calls.push(args);
    return () => {}; // A new JS function for Python each time, dropped at once.
  });
  assert.equal(events.toJS(), [["profile", "c_call", "setprofile"]], "only sys.setprofile's own call");
  assert.equal(calls, [[1, { k: 2 }], [2], [1]]);
  assert.is(handleCount(), before, "the dropped functions were released");
  using named = python.toPython(function named() {});
  assert.is(
    python.builtins.get("str").call(python.import("inspect").get("signature").call(named)).toJS(),
    "(*args, **kwargs)",
  );
});

test("a PyObject returned from a callback goes to Python as itself", () => {
  using object = python.eval("object()") as PyObject;
  using back = apply.call(() => object);
  assert.ok(back.is(object));
});

test.run();
