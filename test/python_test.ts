import { test } from "uvu";
import * as assert from "uvu/assert";
import { kw, PyObject, python, PythonError } from "../src/python/mod.ts";

test("exec defines functions in __main__ and eval calls them", () => {
  python.exec("def add(a, b):\n    return a + b\n");
  assert.is(python.eval("add(1, 2)"), 3);
});

test("eval converts Python values to JS", () => {
  assert.is(python.eval("2**53 - 1"), 2 ** 53 - 1);
  assert.is(python.eval("2**53 + 1"), 2n ** 53n + 1n);
  assert.is(python.eval("-(2**70)"), -(2n ** 70n));
  assert.is(python.eval("2.5"), 2.5);
  assert.is(python.eval("'é😀'"), "é😀");
  assert.is(python.eval("True"), true);
  assert.is(python.eval("None"), null);
  assert.equal(python.eval("[1, (2, 3)]"), [1, [2, 3]]);
  assert.equal(python.eval("{'a': 1, 2: 'b'}"), new Map<unknown, unknown>([["a", 1], [2, "b"]]));
  const other = python.eval("object()");
  assert.instance(other, PyObject);
  assert.is((other as PyObject).typeName, "object");
});

test("JS values convert to Python", () => {
  python.exec("def kind(x):\n    return type(x).__name__ + ':' + repr(x)\n");
  const kind = python.import("__main__").get("kind");
  assert.is(kind.call(3).toJS(), "int:3");
  assert.is(kind.call(3.5).toJS(), "float:3.5");
  assert.is(kind.call(2n ** 80n).toJS(), `int:${2n ** 80n}`);
  assert.is(kind.call("é").toJS(), "str:'é'");
  assert.is(kind.call(null).toJS(), "NoneType:None");
  assert.is(kind.call([1, "a"]).toJS(), "list:[1, 'a']");
  assert.is(kind.call(new Map([["k", 1]])).toJS(), "dict:{'k': 1}");
  assert.is(kind.call({ k: true }).toJS(), "dict:{'k': True}");
});

test("PyObject get, set, has, item, call with keywords, str and repr", () => {
  const ns = python.import("types").get("SimpleNamespace").call(kw({ a: 1 }));
  assert.is(ns.get("a").toJS(), 1);
  ns.set("b", "two");
  assert.ok(ns.has("b"));
  assert.not.ok(ns.has("c"));
  assert.is(ns.toString(), "namespace(a=1, b='two')");
  assert.is(python.toPython([10, 20]).item(1).toJS(), 20);
  assert.is(python.builtins.get("repr").call("x").toJS(), "'x'");
  const joined = python.eval("'-'.join") as PyObject;
  assert.is(joined.call(["a", "b"]).toJS(), "a-b");
});

test("Python errors become PythonError with type, message and traceback", () => {
  python.exec("def fails():\n    raise ValueError('bad value')\n", { filename: "failing.py" });
  try {
    python.eval("fails()");
    assert.unreachable("fails() should throw");
  } catch (error) {
    assert.instance(error, PythonError);
    const e = error as PythonError;
    assert.is(e.type, "ValueError");
    assert.is(e.pythonMessage, "bad value");
    assert.match(e.traceback, /failing\.py", line 2, in fails/);
    assert.match(e.traceback, /ValueError: bad value/);
  }
  assert.throws(() => python.import("no_such_module_here"), (e: unknown) => e instanceof PythonError && e.type === "ModuleNotFoundError");
  assert.throws(() => python.exec("def broken(:\n"), (e: unknown) => e instanceof PythonError && e.type === "SyntaxError");
});

test("C extension modules import (libpython loaded RTLD_GLOBAL)", () => {
  python.exec("import math, _decimal, ctypes, _json, _ctypes");
  assert.is(python.eval("math.floor(2.5)"), 2);
  assert.is(python.eval("str(_decimal.Decimal('1.1') + _decimal.Decimal('2.2'))"), "3.3");
  assert.is(python.eval("ctypes.sizeof(ctypes.c_int64)"), 8);
});

test("sys.executable names the Python interpreter, so subprocess works", () => {
  const executable = python.eval("__import__('sys').executable") as string;
  assert.match(executable, /python3(\.\d+)?$/);
  python.exec("import subprocess, sys");
  assert.is(python.eval("subprocess.run([sys.executable, '-c', 'print(6*7)'], capture_output=True, text=True).stdout"), "42\n");
});

test("the standard library comes from the interpreter that was loaded", () => {
  const version = python.eval("'%d.%d' % __import__('sys').version_info[:2]") as string;
  const osFile = python.eval("__import__('os').__file__") as string;
  assert.ok(osFile.includes(`python${version}/`), `os.py from ${osFile} does not match Python ${version}`);
  assert.is(python.eval("__import__('sys').prefix"), python.eval("__import__('sys').base_prefix"));
});

test("Python does not install its signal handlers in the JS host", () => {
  assert.is(python.eval("__import__('signal').getsignal(__import__('signal').SIGINT) is __import__('signal').default_int_handler"), false);
});

test("functions defined through exec keep their source", () => {
  python.exec("def with_source(x):\n    return x * 2\n");
  assert.is(python.eval("__import__('inspect').getsource(with_source)"), "def with_source(x):\n    return x * 2\n");
});

test("a disposed PyObject refuses further use", () => {
  const value = python.toPython([1]);
  value.dispose();
  value.dispose();
  assert.throws(() => value.toJS(), /disposed/);
});

test.run();
