import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { inspect } from "node:util";
import { join } from "node:path";
import {
  KeyboardInterrupt,
  KeywordArguments,
  kw,
  PyObject,
  python,
  PythonError,
  SystemExit,
  toJS,
  toPython,
} from "../src/python/mod.ts";
import { scratchDirectory } from "./_scratch.ts";
import { lastJsonLine, runChild } from "./_child.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    // It starts where the program's code does, not in pyframe's helper that ran it.
    assert.match(e.traceback, /^Traceback \(most recent call last\):\n {2}File "<pyframe-\d+>", line 1, in <module>\n/);
    assert.not.match(e.traceback, /pyframe helper/);
  }
  assert.throws(
    () => python.import("no_such_module_here"),
    (e: unknown) => e instanceof PythonError && e.type === "ModuleNotFoundError",
  );
  assert.throws(
    () => python.exec("def broken(:\n"),
    (e: unknown) => e instanceof PythonError && e.type === "SyntaxError",
  );
});

test("a traceback through JS called from Python shows every Python frame, chained ones too, and none of pyframe's", () => {
  // 3.11 lost the frames below the JS call (the exception was raised again without them); 3.12+
  // showed pyframe's entry frame between the program's ("<pyframe helper>", in run).
  python.exec(
    "def calls(f):\n    return f()\n" +
      "def fails_from():\n    try:\n        1 / 0\n    except ZeroDivisionError as error:\n        raise KeyError('k') from error\n",
    { filename: "through_js.py" },
  );
  const calls = python.eval("calls") as PyObject;
  const tracebackOf = (body: () => unknown) => {
    try {
      calls.call(body);
    } catch (error) {
      return (error as PythonError).traceback;
    }
    return assert.unreachable("the call should throw") as never;
  };
  const direct = tracebackOf(() => python.eval("1 / 0"));
  assert.match(
    direct,
    /through_js\.py", line 2, in calls\n.*\n(.*\^.*\n)? {2}File "<pyframe-\d+>", line 1, in <module>\n {4}1 \/ 0\n/,
  );
  assert.not.match(direct, /pyframe helper/);
  const chained = tracebackOf(() => python.eval("fails_from()"));
  assert.match(
    chained,
    /line 5, in fails_from\n {4}1 \/ 0\n[^]*direct cause[^]*in calls[^]*in <module>[^]*line 7, in fails_from/,
  );
  assert.not.match(chained, /pyframe helper/);
});

// Formatting a traceback (the traceback module reads each frame's line, and from 3.11 parses it)
// made every error caught in TypeScript cost 6-20 times what it does unformatted; it waits for a
// read now, with the traceback the error was fetched with (bench/bridge.ts).
test("a PythonError's traceback is formatted when first read, as it was when the error was caught", () => {
  python.exec(
    "import sys, traceback\n" +
      "formatted = []\n" +
      "_TracebackException = traceback.TracebackException\n" +
      "class Counting(_TracebackException):\n" +
      "    def __init__(self, *args, **kwargs):\n" +
      "        formatted.append(1)\n" +
      "        super().__init__(*args, **kwargs)\n" +
      "traceback.TracebackException = Counting\n" +
      "class Sentinel: pass\n" +
      "sentinel = Sentinel()\n" +
      "def raises_holding(held):\n" +
      "    raise LookupError('held')\n",
    { filename: "held.py" },
  );
  const formatted = () => python.eval("len(formatted)");
  const sentinelRefs = () => python.eval("sys.getrefcount(sentinel)") as number;
  const refsBefore = sentinelRefs();
  const errors: PythonError[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      try {
        python.eval("raises_holding(sentinel)");
      } catch (error) {
        assert.instance(error, PythonError);
        errors.push(error as PythonError);
      }
    }
    assert.is(formatted(), 0, "caught, not yet formatted");
    const [first] = errors;
    // The program drops the exception's traceback: the error still has its own.
    python.builtins.get("setattr").call(first.value!, "__traceback__", null);
    assert.match(first.traceback, /held\.py", line 12, in raises_holding/);
    assert.match(first.traceback, /LookupError: held/);
    assert.is(formatted(), 1);
    assert.is(first.traceback, first.traceback, "formatted once");
    assert.is(formatted(), 1);
    assert.is(sentinelRefs(), refsBefore + 2, "the unread errors' frames hold the argument; the read one's not");
  } finally {
    python.exec("traceback.TracebackException = _TracebackException");
    for (const error of errors) error.value?.dispose();
  }
});

// The consoles list an error's fields, and the traceback, formatted when first read, is none.
test("a PythonError shown by the console or inspect carries its Python traceback", () => {
  python.exec("def fails_shown():\n    raise ValueError('shown')\n", { filename: "shown.py" });
  const error = (() => {
    try {
      python.eval("fails_shown()");
    } catch (error) {
      return error;
    }
  })();
  assert.instance(error, PythonError);
  const deno = (globalThis as { Deno?: { inspect(value: unknown): string } }).Deno;
  const shown = [inspect(error), ...deno ? [deno.inspect(error)] : []];
  for (const text of shown) {
    assert.match(text, /^PythonError: ValueError: shown\n\s+at /);
    assert.match(text, /\n\nTraceback \(most recent call last\):\n[^]*File "shown\.py", line 2, in fails_shown\n/);
    assert.match(text, /\nValueError: shown$/);
  }
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
  assert.is(
    python.eval("subprocess.run([sys.executable, '-c', 'print(6*7)'], capture_output=True, text=True).stdout"),
    "42\n",
  );
});

test("the standard library comes from the interpreter that was loaded", () => {
  const version = python.eval("'%d.%d' % __import__('sys').version_info[:2]") as string;
  const osFile = python.eval("__import__('os').__file__") as string;
  assert.ok(osFile.includes(`python${version}/`), `os.py from ${osFile} does not match Python ${version}`);
  assert.is(python.eval("__import__('sys').prefix"), python.eval("__import__('sys').base_prefix"));
});

test("Python does not install its signal handlers in the JS host", () => {
  assert.is(
    python.eval(
      "__import__('signal').getsignal(__import__('signal').SIGINT) is __import__('signal').default_int_handler",
    ),
    false,
  );
});

test("as in a Python program, writing past the file size limit or into a closed pipe raises OSError, leaving the host alive", () => {
  // The kernel's default for SIGXFSZ and SIGPIPE ends the process, JS host and all.
  python.exec(`
import errno, os, resource, tempfile
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, hard))
try:
    with tempfile.TemporaryFile() as big:
        try:
            os.write(big.fileno(), b"x" * 131072)
            os.write(big.fileno(), b"x")  # the first write stops at the limit
            past_limit = "no error"
        except OSError as error:
            past_limit = errno.errorcode[error.errno]
finally:
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
read_end, write_end = os.pipe()
os.close(read_end)
try:
    os.write(write_end, b"x")
    closed_pipe = "no error"
except OSError as error:
    closed_pipe = errno.errorcode[error.errno]
finally:
    os.close(write_end)
`);
  assert.is(python.eval("past_limit"), "EFBIG");
  assert.is(python.eval("closed_pipe"), "EPIPE");
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

test("PyObject attributes: get, set, has, delete", () => {
  using ns = python.import("types").get("SimpleNamespace").call();
  ns.set("answer", 42);
  assert.ok(ns.has("answer"));
  assert.is(ns.get("answer").toJS(), 42);
  ns.delete("answer");
  assert.not.ok(ns.has("answer"));
  assert.throws(() => ns.get("answer"), (e: unknown) => e instanceof PythonError && e.type === "AttributeError");
  assert.throws(() => ns.delete("answer"), (e: unknown) => e instanceof PythonError && e.type === "AttributeError");
});

// Names go to C encoded once and kept (src/ffi's cName), up to a bound past which the kept ones are
// dropped: more names than that, each used again after, still name their own attributes.
test("many attribute names, each used again after more than pyframe keeps encoded, name their own attributes", () => {
  using ns = python.import("types").get("SimpleNamespace").call();
  const names = Array.from({ length: 5_000 }, (_, i) => `name_${i}_é`);
  names.forEach((name, i) => ns.set(name, i));
  for (const [i, name] of [...names.entries()].reverse()) assert.is(ns.get(name).toJS(), i, name);
  assert.is(python.builtins.get("len").call(python.builtins.get("vars").call(ns)).toJS(), names.length);
});

test("PyObject items: item, setItem, deleteItem, contains, len", () => {
  using dict = python.toPython({ a: 1 });
  dict.setItem("b", [2]);
  dict.setItem(3, "three");
  assert.equal(dict.item("b").toJS(), [2]);
  assert.is(dict.item(3).toJS(), "three");
  assert.ok(dict.contains("a"));
  assert.is(dict.len(), 3);
  // Beyond 2^53 - 1 a number rounds: len(range(2**53 + 1)) came back as 2**53.
  using range = python.builtins.get("range");
  using largest = range.call(2 ** 53 - 1);
  assert.is(largest.len(), 2 ** 53 - 1);
  using larger = range.call(2n ** 53n + 1n);
  assert.throws(() => larger.len(), /len\(\) is about 9007199254740992, more than a number holds exactly; ask Python/);
  dict.deleteItem("a");
  assert.not.ok(dict.contains("a"));
  assert.throws(() => dict.item("a"), (e: unknown) => e instanceof PythonError && e.type === "KeyError");
  using list = python.toPython([10, 20, 30]);
  assert.is(list.item(-1).toJS(), 30);
  list.deleteItem(0);
  assert.equal(list.toJS(), [20, 30]);
  assert.throws(() => python.toPython(5).len(), (e: unknown) => e instanceof PythonError && e.type === "TypeError");
});

test("calls: positional arguments, then kw({...}) for keyword arguments; callMethod", () => {
  python.exec("def describe(a, b=0, *rest, c=None, **more):\n    return [a, b, list(rest), c, sorted(more.items())]\n");
  using describe = python.import("__main__").get("describe");
  assert.equal(describe.call(1).toJS(), [1, 0, [], null, []]);
  assert.equal(describe.call(1, 2, 3, kw({ c: "x", z: 9 })).toJS(), [1, 2, [3], "x", [["z", 9]]]);
  assert.equal(describe.call(kw({ a: 5 })).toJS(), [5, 0, [], null, []]);
  using text = python.toPython("a,b");
  assert.equal(text.callMethod("split", ",").toJS(), ["a", "b"]);
  assert.equal(text.callMethod("split", kw({ sep: ",", maxsplit: 0 })).toJS(), ["a,b"]);
});

// call() read the callee's pointer before converting the arguments, and held no reference: a
// getter that disposed the callee's last reference freed it before the call (a segfault).
test("a callee disposed while its arguments convert is still called, held until the call ends", () => {
  for (const where of ["positional", "keyword"]) {
    python.exec("def make_counter():\n    return lambda *a, **k: len(a) + len(k)\n");
    const counter = python.eval("make_counter()") as PyObject; // its only reference
    const argument = {
      get x() {
        counter.dispose();
        python.exec("junk = [object() for _ in range(1000)]\ndel junk"); // reuses freed memory
        return 1;
      },
    };
    using result = where === "positional" ? counter.call(argument, 2) : counter.call(1, kw({ k: argument }));
    assert.is(result.toJS(), 2, where);
    assert.throws(() => counter.call(), /disposed/, "the disposed PyObject refuses later calls");
  }
});

test("kw() takes a plain object, last: anything else is refused saying what to pass", () => {
  python.exec("def takes_keywords(a=0, **more):\n    return [a, sorted(more.items())]\n");
  using takesKeywords = python.import("__main__").get("takes_keywords");
  assert.equal(takesKeywords.call(kw(Object.assign(Object.create(null), { b: 1 }))).toJS(), [0, [["b", 1]]]);
  for (const [value, named] of [[42, "number"], [null, "null"], [[1], "an Array"], [new Map(), "Map"]] as const) {
    assert.throws(
      () => kw(value as never),
      new RegExp(`kw\\(\\) takes a plain object of keyword arguments, kw\\(\\{ name: value \\}\\), got ${named}$`),
    );
    // The exported class is checked too: new KeywordArguments([1, 2]) passed "0" and "1" as names.
    assert.throws(() => new KeywordArguments(value as never), /kw\(\) takes a plain object/);
  }
  assert.throws(
    () => takesKeywords.call(kw({ b: 1 }), 2),
    /kw\(\{ \.\.\. \}\) goes last in a call's arguments; here it is argument 1 of 2/,
  );
  assert.throws(() => takesKeywords.callMethod("__call__", kw({ b: 1 }), 2), /goes last/);
});

test("exec, eval, import and importFile refuse what is not a string, saying what they take", () => {
  const refusals: Array<[() => unknown, RegExp]> = [
    [() => python.exec(42 as never), /python\.exec\(source\) takes Python statements as a string, got number/],
    [
      () => python.eval(undefined as never),
      /python\.eval\(expression\) takes a Python expression as a string, got undefined/,
    ],
    [
      () => python.exec("x = 1", { filename: 7 as never }),
      /python\.exec's filename option takes a file name as a string, got number/,
    ],
    [
      () => python.import(["os"] as never),
      /python\.import\(name\) takes a module name such as "os\.path" as a string, got an Array/,
    ],
    [
      () => python.importFile(null as never),
      /python\.importFile\(path\) takes the path of a Python file as a string, got null/,
    ],
  ];
  for (const [call, message] of refusals) {
    assert.throws(call, (e: unknown) => e instanceof TypeError && message.test(e.message));
  }
});

test("attribute and module names must be strings without NUL, which C would cut short", () => {
  using text = python.toPython("abc");
  const refusals: Array<[() => unknown, RegExp]> = [
    [() => python.builtins.get(5 as never), /PyObject\.get\(name\) takes an attribute name as a string, got number$/],
    [
      () => text.callMethod(5 as never),
      /PyObject\.callMethod\(name\) takes an attribute name as a string, got number$/,
    ],
    [() => text.get("upper\0junk"), /PyObject\.get\(name\) takes an attribute name without NUL characters$/],
    [() => text.has("upper\0"), /PyObject\.has\(name\) takes an attribute name without NUL characters$/],
    [() => text.set(null as never, 1), /PyObject\.set\(name\) takes an attribute name as a string, got null$/],
    [() => text.delete("x\0y"), /PyObject\.delete\(name\) takes an attribute name without NUL characters$/],
    [
      () => python.import("os\0whatever"),
      /python\.import\(name\) takes a module name such as "os\.path" without NUL characters$/,
    ],
  ];
  for (const [call, message] of refusals) {
    assert.throws(call, (e: unknown) => e instanceof TypeError && message.test(e.message));
  }
  assert.is(text.callMethod("upper").toJS(), "ABC");
});

// A lone surrogate became U+FFFD on its way to C: get("\ud800") read the attribute named "\ufffd".
test("attribute and module names with a lone surrogate are refused, never read as another name", () => {
  python.exec(
    "class Surrogates:\n    pass\nsurrogates = Surrogates()\nsurrogates.__dict__['\\ufffd'] = 'replacement'\n",
  );
  using holder = python.import("__main__").get("surrogates");
  for (const name of ["\ud800", "a\udfffb", "\ud83d"]) {
    for (
      const call of [
        () => holder.get(name),
        () => holder.has(name),
        () => holder.set(name, 1),
        () => holder.callMethod(name),
      ]
    ) {
      assert.throws(call, (e: unknown) => e instanceof TypeError && /without lone surrogates/.test(e.message), name);
    }
    assert.throws(() => python.import(name), /python\.import\(name\) takes a module name .* without lone surrogates/);
  }
  assert.is(holder.get("\ufffd").toJS(), "replacement");
  assert.is(python.eval("len(surrogates.__dict__)"), 1, "nothing was set");
  holder.set("\ud83d\ude00", 2); // a pair is one code point, which UTF-8 carries
  assert.is(python.eval("getattr(surrogates, '\\U0001F600')"), 2);
});

test("options that are not an object, or that name an option the call does not have, are refused", () => {
  using list = python.toPython([1]);
  const refusals: Array<[() => unknown, RegExp]> = [
    [
      () => python.exec("x = 1", { file: "a.py" } as never),
      /python\.exec\(source, options\) has no option "file"; its options are filename$/,
    ],
    [
      () => python.eval("1", "a.py" as never),
      /python\.eval\(expression, options\) takes an options object \(\{ filename \}\), got string$/,
    ],
    [
      () => python.toPython([1], { deep: 2 } as never),
      /python\.toPython\(value, options\) has no option "deep"; its options are depth$/,
    ],
    [
      () => python.callable(() => 1, { raw: true } as never),
      /python\.callable\(fn, options\) has no option "raw"; its options are name, rawArguments$/,
    ],
    // A number was taken as the name ("5"), and a string as rawArguments (any non-empty one meaning true).
    [
      () => python.callable(() => 1, { name: 5 } as never),
      /python\.callable's name option takes the name Python shows as a string, got number$/,
    ],
    [
      () => python.callable(() => 1, { rawArguments: "no" } as never),
      /python\.callable's rawArguments option is true or false, got string$/,
    ],
    [() => python.callable(null as never), /python\.callable needs a function, got null$/],
    [
      () => python.importFile("x.py", { module: "x" } as never),
      /python\.importFile\(path, options\) has no option "module"; its options are name$/,
    ],
    [() => list.toJS({ depht: 1 } as never), /toJS\(options\) has no option "depht"; its options are depth$/],
    [() => list.toJS(null as never), /toJS\(options\) takes an options object \(\{ depth \}\), got null$/],
    [
      () => toJS(list.pointer, { deep: 1 } as never),
      /toJS\(object, options\) has no option "deep"; its options are depth$/,
    ],
    [() => toPython(1, 2 as never), /toPython\(value, options\) takes an options object \(\{ depth \}\), got number$/],
  ];
  for (const [call, message] of refusals) {
    assert.throws(call, (e: unknown) => e instanceof TypeError && message.test(e.message));
  }
  assert.equal(list.toJS({ depth: 1 }), [1]);
});

test("str, repr, type, typeName, isInstance", () => {
  using value = python.toPython("é");
  assert.is(value.toString(), "é");
  assert.is(value.repr(), "'é'");
  assert.is(value.typeName, "str");
  using str = python.builtins.get("str");
  using int = python.builtins.get("int");
  assert.ok(value.isInstance(str));
  assert.not.ok(value.isInstance(int));
  using type = value.type;
  assert.ok(type.is(str));
  using both = python.toPython([str, int]).callMethod("__iter__");
  using classes = python.builtins.get("tuple").call(both);
  assert.ok(python.toPython(3).isInstance(classes), "a tuple of classes works as in Python");
});

test("console.log shows a PyObject by its repr, and never throws: a failing __repr__ is shown", () => {
  assert.is(inspect(python.eval("[1, 'a']")), "[ 1, 'a' ]", "converted, not a PyObject");
  using list = python.toPython([1, "a"]);
  assert.is(inspect(list), "PyObject([1, 'a'])");
  python.exec("class NoRepr:\n    def __repr__(self):\n        raise ValueError('no repr')\n");
  using broken = python.eval("NoRepr()") as PyObject;
  // console.log threw the ValueError.
  assert.is(inspect(broken), "PyObject(<NoRepr object; repr() failed: ValueError: no repr>)");
  assert.throws(() => broken.repr(), /no repr/, "repr() itself still raises");
  const disposed = python.toPython(1);
  disposed.dispose();
  assert.is(inspect([disposed]), "[ PyObject(<disposed>) ]");
});

test("comparison and hashing: equals, compare, hash, is", () => {
  using three = python.toPython(3);
  assert.ok(three.equals(3));
  assert.ok(three.equals(3.0));
  assert.not.ok(three.equals("3"));
  assert.ok(three.compare("<", 4));
  assert.ok(three.compare(">=", 3));
  assert.not.ok(three.compare("!=", 3));
  assert.is(three.hash(), 3);
  assert.is(python.toPython("key").hash(), python.eval("hash('key')"));
  assert.throws(() => python.toPython([1]).hash(), (e: unknown) => e instanceof PythonError && e.type === "TypeError");
  assert.throws(() => three.compare("<", "x"), (e: unknown) => e instanceof PythonError && e.type === "TypeError");
  assert.throws(() => three.compare("<>" as never, 1), /compare\(\) takes one of < <= == != > >=/);
  using none = python.toPython(null);
  using alsoNone = python.toPython(undefined);
  assert.ok(none.is(alsoNone), "None is one object");
  assert.not.ok(three.is(none));
});

test("arguments of the wrong kind are refused with a TypeError, never a crash or a silent answer", () => {
  using list = python.toPython([1]);
  // isInstance took type.pointer: Bun segfaulted on a string, Deno named an FFI type.
  assert.throws(
    () => list.isInstance("list" as never),
    (e: unknown) => e instanceof PythonError && /isinstance\(\) arg 2 must be a type/.test(e.message),
  );
  assert.throws(() => list.is(5 as never), /is\(other\) compares with a PyObject, got number$/);
  // "toString" found Object.prototype's, and Bun ran "<" with it.
  for (const operator of ["toString", "__proto__", "valueOf"]) {
    assert.throws(() => list.compare(operator as never, 1), /compare\(\) takes one of < <= == != > >=/, operator);
  }
  assert.throws(() => list.with(5 as never), /with\(body\) needs a function, got number$/);
  assert.throws(() => python.batch("x" as never), /python\.batch\(body\) needs a function, got string$/);
  // toJS takes an address: a PyObject was an FFI type error; 0 left a SystemError set on 3.13.
  assert.throws(
    () => toJS(list as never),
    /toJS\(object\) takes an object's address \(a PyObject's is its \.pointer\), got PyObject$/,
  );
  assert.throws(() => toJS(0), /toJS\(object\) got a NULL pointer$/);
  assert.throws(() => toJS(undefined as never), /toJS\(object\) takes an object's address, got undefined$/);
  assert.throws(() => new PyObject(list as never), /new PyObject\(pointer\) takes an object's address \(a PyObject's/);
  assert.throws(
    () => PyObject.borrowed(null as never),
    /PyObject\.borrowed\(pointer\) takes an object's address, got null$/,
  );
  assert.is(python.eval("1 + 1"), 2, "no Python error left pending");
  assert.equal(toJS(list.pointer), [1]);
});

test("iteration follows Python's protocol: lists, generators, dicts; errors surface", () => {
  using list = python.toPython([1, "two", [3]]);
  assert.equal([...list].map((item) => item.toJS()), [1, "two", [3]]);
  python.exec("def countdown(n):\n    while n:\n        yield n\n        n -= 1\n");
  using generator = python.import("__main__").get("countdown").call(3);
  assert.equal(Array.from(generator, (item) => item.toJS()), [3, 2, 1]);
  using dict = python.toPython(new Map([["k", 1], ["j", 2]]));
  assert.equal(Array.from(dict, (key) => key.toJS()), ["k", "j"]);
  python.exec("def broken():\n    yield 1\n    raise ValueError('midway')\n");
  using failing = python.import("__main__").get("broken").call();
  const seen: unknown[] = [];
  assert.throws(() => {
    for (const item of failing) seen.push(item.toJS());
  }, (e: unknown) => e instanceof PythonError && e.type === "ValueError");
  assert.equal(seen, [1]);
  assert.throws(() => [...python.toPython(5)], (e: unknown) => e instanceof PythonError && e.type === "TypeError");
});

test("with() calls __exit__ on success, on a JS throw and on a Python error; a true __exit__ suppresses", async () => {
  python.exec(`
class Recorder:
    def __init__(self, suppress=False):
        self.log = []
        self.suppress = suppress
    def __enter__(self):
        self.log.append("enter")
        return "value"
    def __exit__(self, kind, value, tb):
        self.log.append(("exit", kind.__name__ if kind else None, str(value) if value else None))
        return self.suppress
`);
  using Recorder = python.import("__main__").get("Recorder");
  using ok = Recorder.call();
  assert.is(ok.with((value) => value.toJS()), "value");
  assert.equal(ok.get("log").toJS(), ["enter", ["exit", null, null]]);

  using jsThrow = Recorder.call();
  const thrown = new Error("boom");
  assert.throws(() =>
    jsThrow.with(() => {
      throw thrown;
    }), (e: unknown) => e === thrown);
  assert.equal(jsThrow.get("log").toJS(), ["enter", ["exit", "JSError", "Error: boom"]]);

  using pythonThrow = Recorder.call();
  assert.throws(
    () => pythonThrow.with(() => python.eval("1 / 0")),
    (e: unknown) => e instanceof PythonError && e.type === "ZeroDivisionError",
  );
  assert.equal(pythonThrow.get("log").toJS(), ["enter", ["exit", "ZeroDivisionError", "division by zero"]]);

  using suppressing = Recorder.call(true);
  assert.is(
    suppressing.with(() => {
      throw new Error("hidden");
    }),
    undefined,
  );

  using later = Recorder.call();
  const result = await later.with(async (value) => {
    await sleep(5);
    assert.equal(later.get("log").toJS(), ["enter"], "__exit__ waits for the promise");
    return value.toJS();
  });
  assert.is(result, "value");
  assert.equal(later.get("log").toJS(), ["enter", ["exit", null, null]]);

  using laterFailing = Recorder.call();
  await laterFailing.with(async () => {
    await sleep(1);
    throw thrown;
  }).then(() => assert.unreachable(), (e) => assert.is(e, thrown));
  assert.equal(laterFailing.get("log").toJS(), ["enter", ["exit", "JSError", "Error: boom"]]);
  assert.throws(() => python.toPython(1).with(() => 0), /with\(\) needs a context manager .* int is not one/);
});

test("python.importFile imports a module from a path and registers it", () => {
  const directory = scratchDirectory("import");
  const path = join(directory, "helper_mod.py");
  writeFileSync(path, "VALUE = 41\ndef bump(x):\n    return x + 1\n");
  using module = python.importFile(path);
  assert.is(module.get("bump").call(module.get("VALUE")).toJS(), 42);
  assert.is(python.eval("__import__('sys').modules['helper_mod'].VALUE"), 41);
  using renamed = python.importFile(path, { name: "renamed_mod" });
  assert.is(renamed.get("__name__").toJS(), "renamed_mod");
  assert.throws(
    () => python.importFile(join(directory, "missing.py")),
    (e: unknown) => e instanceof PythonError && e.type === "FileNotFoundError",
  );
  using again = python.importFile(path);
  assert.is(again.get("VALUE").toJS(), 41, "the same file imports again under its name");
});

test("python.importFile refuses to replace a module imported from elsewhere, and names that are no names", () => {
  // /x/ast.py replaced the standard library's ast in sys.modules (pyframe's ast bridge then failed);
  // { name: "sys" } replaced sys.
  const directory = scratchDirectory("import");
  const shadow = join(directory, "json.py");
  writeFileSync(shadow, "VALUE = 'shadow'\n");
  python.exec("import json");
  assert.throws(
    () => python.importFile(shadow),
    (e: unknown) =>
      e instanceof PythonError && e.type === "ImportError" &&
      /would replace the module 'json' already imported from .*json.*; pass \{ name \}/.test(e.message),
  );
  assert.throws(
    () => python.importFile(shadow, { name: "sys" }),
    (e: unknown) =>
      e instanceof PythonError && /would replace the module 'sys' already imported \(built in\)/.test(e.message),
  );
  assert.ok(python.eval("hasattr(__import__('json'), 'dumps') and hasattr(__import__('sys'), 'path')"));
  using renamed = python.importFile(shadow, { name: "my_json" });
  assert.is(renamed.get("VALUE").toJS(), "shadow");
  // A module not imported yet was hidden from every later import of it: refused too.
  const shadowCsv = join(directory, "csv.py");
  writeFileSync(shadowCsv, "VALUE = 'shadow'\n");
  assert.not.ok(python.eval("'csv' in __import__('sys').modules"), "csv is not imported yet");
  assert.throws(
    () => python.importFile(shadowCsv),
    (e: unknown) =>
      e instanceof PythonError && e.type === "ImportError" &&
      /would replace the module 'csv' that 'import csv' finds at .*csv\.py; pass \{ name \}/.test(e.message),
  );
  assert.ok(python.eval("hasattr(__import__('csv'), 'reader')"));
  for (const name of ["", "a\0b"]) {
    assert.throws(
      () => python.importFile(shadow, { name }),
      (e: unknown) => e instanceof PythonError && e.type === "ValueError" && /needs a module name/.test(e.message),
    );
  }
});

// An exception whose __str__ raised had an empty pythonMessage, as if it had no message.
test("an exception whose str() fails has Python's own placeholder as its message", () => {
  python.exec("class Unprintable(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n");
  assert.throws(
    () => python.exec("raise Unprintable('hidden')"),
    (e: unknown) =>
      e instanceof PythonError && e.type === "Unprintable" && e.pythonMessage === "<exception str() failed>" &&
      e.message === "Unprintable: <exception str() failed>",
  );
  assert.is(python.eval("1 + 1"), 2, "no error is left pending");
});

// CPython 3.12 counts C recursion: a RecursionError caught in JS at its limit (JS and Python
// calling each other, deep_stack_test's child) could not be shown there, str() of it failing in
// turn, and read "<exception str() failed>". Here str() runs out of stack on purpose.
test("an exception whose str() runs out of stack has the text it was raised with as its message", () => {
  python.exec("class TooDeepToShow(Exception):\n    def __str__(self):\n        raise RecursionError('deep')\n");
  assert.throws(
    () => python.exec("raise TooDeepToShow('the text')"),
    (e: unknown) => e instanceof PythonError && e.pythonMessage === "the text",
  );
  python.exec("class TooDeepNoText(Exception):\n    def __str__(self):\n        raise RecursionError('deep')\n");
  assert.throws(
    () => python.exec("raise TooDeepNoText('a', 'b')"),
    (e: unknown) => e instanceof PythonError && e.pythonMessage === "<exception str() failed>",
  );
  assert.is(python.eval("1 + 1"), 2, "no error is left pending");
});

test("SystemExit and KeyboardInterrupt surface as themselves, and the process keeps running", () => {
  try {
    python.exec("import sys\nsys.exit(3)\n");
    assert.unreachable("sys.exit should throw");
  } catch (error) {
    assert.instance(error, SystemExit);
    assert.instance(error, PythonError);
    assert.is((error as SystemExit).code, 3);
  }
  assert.throws(
    () => python.exec("import sys\nsys.exit('bye')\n"),
    (e: unknown) => e instanceof SystemExit && e.code === "bye",
  );
  assert.throws(() => python.exec("raise SystemExit"), (e: unknown) => e instanceof SystemExit && e.code === null);
  assert.throws(
    () => python.exec("raise KeyboardInterrupt"),
    (e: unknown) => e instanceof KeyboardInterrupt && !(e instanceof SystemExit),
  );
  assert.throws(
    () => python.exec("raise ValueError"),
    (e: unknown) => e instanceof PythonError && !(e instanceof SystemExit),
  );
  python.exec("class Quit(SystemExit):\n    pass\n");
  assert.throws(
    () => python.exec("raise Quit(5)"),
    (e: unknown) => e instanceof SystemExit && e.type === "Quit" && e.code === 5,
  );
  assert.is(python.eval("1 + 1"), 2, "still alive");
});

test("SystemExit.code is exact for every int, as the exit status CPython would use", () => {
  const codeOf = (statement: string) => {
    try {
      python.exec(`import sys, enum
${statement}
`);
    } catch (error) {
      assert.instance(error, SystemExit);
      return (error as SystemExit).code;
    }
    assert.unreachable(`${statement} should throw`);
  };
  // Beyond 2^53 the code was rounded (2**60 + 1 read as 2**60); past str()'s 4,300 digits it was NaN.
  assert.is(codeOf("sys.exit(2**60 + 1)"), 2n ** 60n + 1n);
  assert.is(codeOf("sys.exit(-10**5000)"), -(10n ** 5000n));
  assert.is(codeOf("sys.exit(2**53 - 1)"), 2 ** 53 - 1);
  // An int subclass is an int to CPython's exit (sys.exit(True) exits with 1); it was its text.
  assert.is(codeOf("sys.exit(True)"), 1);
  assert.is(codeOf("class Status(enum.IntEnum):\n    FAILED = 4\nsys.exit(Status.FAILED)"), 4);
  assert.is(codeOf("sys.exit([1, 2])"), "[1, 2]");
});

/** Runs `script` in a process of its own on this runtime; asserts it exited with 0. */
test("when the process exits, Python finishes as python does: threads joined, atexit run, files flushed", () => {
  const file = join(scratchDirectory("exit"), "left_open.txt");
  const child = runChild("test/_exit_child.ts", { args: [file] });
  assert.equal(child.stdout.trim().split("\n"), [
    "script ended",
    "thread finished",
    "atexit handler ran",
    "a later exit listener: pyframe: the Python interpreter was finalized as the process began to exit; " +
    "Python cannot be called any more (an exit listener registered before pyframe's first use still can)",
  ]);
  assert.is(readFileSync(file, "utf8"), "written, never closed");
});

test("a JS function Python still holds when it finalizes is released quietly", () => {
  // Freed after pyframe's module was cleared, JSFunction.__del__ found its release function None
  // and Python printed "Exception ignored in: <function JSFunction.__del__ ...> ... TypeError".
  const child = runChild("test/_finalize_child.ts");
  assert.is(child.stdout.trim(), "script ended");
  assert.not.match(child.stderr, /Exception ignored/, child.stderr);
});

// Formatted when first read, a traceback read after the interpreter ended cannot be formatted.
test("a traceback first read after Python ended (an exit listener) is the error's last line", () => {
  const child = runChild("test/_error_at_exit_child.ts");
  assert.equal(lastJsonLine(child), { traceback: "ZeroDivisionError: division by zero\n" });
});

test("python.builtins is the builtins module", () => {
  using builtins = python.builtins;
  assert.is(builtins.get("__name__").toJS(), "builtins");
  assert.is(builtins.get("len").call([1, 2]).toJS(), 2);
});

test.run();
