import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { inspect } from "node:util";
import process from "node:process";
import { askAgain, Dynamo, Frame, patch, skip, standardLibraryPaths } from "../src/dynamo/mod.ts";
import { type PyObject, python, PythonError } from "../src/python/mod.ts";
import * as ast from "../src/ast/mod.ts";
import { load } from "../src/ffi/mod.ts";
import { scaledCode } from "./_rewrite.ts";
import { sandboxPython } from "./_sandbox.ts";
import "./_in_a_thread.ts";
import { pythonErrorWithoutValue, unhandledRejectionsDuring } from "./_errors.ts";
import { lastJsonLine, runChild } from "./_child.ts";
import { scratchDirectory } from "./_scratch.ts";
import { ScaleIntegers } from "./_scale_integers.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Replacements the native cache holds, all Dynamos together. */
const liveEntries = () => Number(load().native.pyframe_stat(2));

python.exec(
  `
def bob():
    return 1 + 2

def twice(x):
    return bob() * 2 + x

class Greeter:
    def greet(self, name, *, punctuation="!"):
        return "hi " + name + punctuation
`,
  { filename: "dynamo_test_module.py" },
);

const scaleFunction = (name: string, factor = 10) => (frame: Frame) =>
  frame.name === name ? scaledCode(frame, factor) : undefined;

test("the seed's example: 3 outside, 30 inside, 3 after", () => {
  assert.is(python.eval("bob()"), 3);
  {
    using _ = new Dynamo(scaleFunction("bob"));
    assert.is(python.eval("bob()"), 30);
    assert.is(python.eval("twice(1)"), 61);
  }
  assert.is(python.eval("bob()"), 3);
  assert.is(load().native.pyframe_hook_is_current(), 0);
});

test("the callback runs once per code object, and again in a new Dynamo", () => {
  const seen: string[] = [];
  {
    using _ = new Dynamo((frame) => {
      seen.push(frame.qualname);
      return frame.name === "bob" ? scaledCode(frame) : undefined;
    });
    for (let i = 0; i < 5; i++) assert.is(python.eval("twice(0)"), 60);
  }
  assert.is(seen.filter((name) => name === "bob").length, 1);
  assert.is(seen.filter((name) => name === "twice").length, 1);
  {
    using _ = new Dynamo((frame) => void seen.push(frame.qualname));
    python.eval("bob()");
  }
  assert.is(seen.filter((name) => name === "bob").length, 2);
});

test("the frame exposes name, qualname, filename, first line, source, code, function and arguments", () => {
  let captured: Record<string, unknown> | undefined;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "greet") return;
      captured = {
        name: frame.name,
        qualname: frame.qualname,
        filename: frame.filename,
        firstLineNo: frame.firstLineNo,
        source: frame.source,
        codeType: frame.code.typeName,
        functionName: frame.function.get("__name__").toJS(),
        locals: frame.locals,
      };
    });
    assert.is(python.eval("Greeter().greet('ada', punctuation='?')"), "hi ada?");
  }
  assert.ok(captured);
  assert.is(captured.name, "greet");
  assert.is(captured.qualname, "Greeter.greet");
  assert.is(captured.filename, "dynamo_test_module.py");
  assert.is(captured.firstLineNo, 9);
  assert.is(captured.source, 'def greet(self, name, *, punctuation="!"):\n    return "hi " + name + punctuation\n');
  assert.is(captured.codeType, "code");
  assert.is(captured.functionName, "greet");
  const locals = captured.locals as Map<string, unknown>;
  assert.equal([...locals.keys()], ["self", "name", "punctuation"]);
  assert.is(locals.get("name"), "ada");
  assert.is(locals.get("punctuation"), "?");
});

test("a class body's frame.source is its class statement, decorators included", () => {
  // inspect finds a code object's source by walking up to a line that looks like a def or a
  // lambda: for a class body defined under one it gave that line.
  python.exec(
    `
def _keep(cls):
    return cls

def make_classes(items):
    ordered = sorted(items, key=lambda item: -item)
    @_keep
    class Made:
        first = ordered[0]
    class Plain(Exception):
        pass
    return Made.first, Plain
`,
    { filename: "class_source_module.py" },
  );
  const sources: Record<string, string> = {};
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename === "class_source_module.py") sources[frame.name] = frame.source;
    });
    python.eval("make_classes([1, 3, 2])");
  }
  assert.is(sources.Made, "@_keep\nclass Made:\n    first = ordered[0]\n");
  assert.is(sources.Plain, "class Plain(Exception):\n    pass\n");
  assert.is(
    sources["<lambda>"],
    "ordered = sorted(items, key=lambda item: -item)\n",
    "a lambda: its line, which parses",
  );
});

// On 3.11 and 3.12 inspect walked up from a generator expression's (or 3.11's comprehension's)
// line to whatever def came before (a sibling function), or to the module's first line.
// ... and from 3.13 it ran on from a simple statement to the end of the text (the statements after).
test("a comprehension's or generator expression's frame.source is its statement, and only that", () => {
  const sources = new Map<string, string>();
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename === "comprehension_source_module.py") {
        sources.set(`${frame.qualname}:${frame.firstLineNo}`, frame.source);
      }
    });
    python.exec(
      "x = 1\ntotal = sum(i for i in range(2))\n" +
        "def outer():\n    def inner():\n        return 1\n    z = [j for j in range(2)]\n    return sum(k for k in z)\n" +
        "class Holder:\n    items = {k: k for k in range(2)}\n" +
        "for each in (n for n in range(2)):\n    pass\n" +
        "outer()\n",
      { filename: "comprehension_source_module.py" },
    );
  }
  assert.is(sources.get("<genexpr>:2"), "total = sum(i for i in range(2))\n");
  assert.is(sources.get("outer.<locals>.<genexpr>:7"), "return sum(k for k in z)\n");
  assert.is(sources.get("<genexpr>:10"), "for each in (n for n in range(2)):\n    pass\n", "with its block");
  if (python.eval("__import__('sys').version_info < (3, 12)")) { // comprehensions inlined from 3.12
    assert.is(sources.get("outer.<locals>.<listcomp>:6"), "z = [j for j in range(2)]\n");
    assert.is(sources.get("Holder.<dictcomp>:9"), "items = {k: k for k in range(2)}\n");
  }
});

test("reading sources and compiling rewrites leave the program's linecache as it was", () => {
  // Each file a rewrite read stayed in linecache.cache (CPython's test_traceback, every function
  // rewritten, checks it holds nothing once cleared); pyframe keeps its own copy instead.
  const directory = scratchDirectory("linecache");
  const file = join(directory, "linecache_untouched.py");
  writeFileSync(file, "def first():\n    return 1\n\nclass K:\n    def second(self):\n        return 2\n");
  python.importFile(file).dispose();
  python.exec(`
import linecache
def linecache_holds(filename):
    return filename in linecache.cache
`);
  const holds = () => python.eval(`linecache_holds(${JSON.stringify(file)})`);
  python.exec(`linecache.cache.pop(${JSON.stringify(file)}, None)`);
  const kinds: boolean[] = [];
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename !== file) return;
      kinds.push(frame.isFunction);
      return ast.compile(new ScaleIntegers().visit(ast.parse(frame.source)), frame);
    });
    using module = python.import("linecache_untouched");
    assert.is(module.get("first").call().toJS(), 10);
    assert.is(holds(), false);
    // A second function of the file: its lines come from pyframe's copy, and go back to it.
    assert.is(python.eval("__import__('linecache_untouched').K().second()"), 20);
    assert.is(holds(), false);
  }
  assert.equal(kinds, [true, true]);
  // Lines the program's linecache holds are read there, and stay.
  python.exec(`linecache.getlines(${JSON.stringify(file)})`);
  {
    using _ = new Dynamo((frame) => frame.filename === file ? ast.compile(ast.parse(frame.source), frame) : undefined);
    assert.is(python.eval("__import__('linecache_untouched').first()"), 1);
  }
  assert.is(holds(), true);
});

test("source run by python.exec is still read after the program clears linecache", () => {
  // CPython's test_traceback clears it; functions defined through python.exec then had no source.
  // Put back afterwards: other tests read sources with the program's inspect (test/_rewrite.ts).
  python.exec("def defined_before_clearing():\n    return 4\n");
  python.exec("import linecache\nlinecache_before_clearing = dict(linecache.cache)\nlinecache.clearcache()");
  try {
    using _ = new Dynamo((frame) =>
      frame.name === "defined_before_clearing"
        ? ast.compile(new ScaleIntegers().visit(ast.parse(frame.source)), frame)
        : undefined
    );
    assert.is(python.eval("defined_before_clearing()"), 40);
  } finally {
    python.exec("linecache.cache.update(linecache_before_clearing)");
  }
});

test("a function whose source warns when compiled is rewritten under the program's error filter", () => {
  // Its source read and compiled again warned into the program: under "error" (python -W error,
  // pytest's filterwarnings) frame.source's checks and the compile raised SyntaxError.
  python.exec("import re, warnings\nwarnings_before_escapes = warnings.filters[:]\nwarnings.simplefilter('ignore')");
  try {
    // "\d": an invalid escape sequence, which Python warns of as it compiles.
    python.exec(String.raw`def count_digit_runs(s):
    return len(re.findall("\d+", s)) + 1
`);
  } finally {
    python.exec("warnings.filters[:] = warnings_before_escapes");
  }
  python.exec(`
def digit_runs_under_error_filter(text):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        return [count_digit_runs(text), len(seen)]
`);
  using _ = new Dynamo((frame) =>
    frame.name === "count_digit_runs"
      ? ast.compile(new ScaleIntegers().visit(ast.parse(frame.source)), frame)
      : undefined
  );
  assert.equal(python.eval("digit_runs_under_error_filter('a1b22c')"), [12, 0]);
});

test("a module's frame.source is its whole text, from a file imported or from python.exec", () => {
  // inspect gives a module's code its first block only: the statements up to the first def's
  // end ("a = 1\nb = a + 1\ndef f():\n    return b * 10\n", without "c = f()").
  const text = "a = 1\nb = a + 1\ndef f():\n    return b * 10\nc = f()\n\nclass K:\n    pass\nd = [c]\n";
  const directory = scratchDirectory("module-source");
  writeFileSync(join(directory, "whole_module_source.py"), text);
  const sources = new Map<string, string>();
  {
    using _ = new Dynamo((frame) => {
      if (frame.name === "<module>" && /whole_module_source/.test(frame.filename)) {
        sources.set(frame.filename.endsWith(".py") && frame.filename.includes("/") ? "file" : "exec", frame.source);
      }
    });
    using sys = python.import("sys");
    sys.get("path").callMethod("insert", 0, directory).dispose();
    try {
      python.exec("import whole_module_source");
    } finally {
      sys.get("path").callMethod("remove", directory).dispose();
    }
    python.exec(text, { filename: "whole_module_source.py" });
  }
  assert.equal(python.eval("__import__('whole_module_source').d"), [20]);
  assert.is(sources.get("file"), text);
  assert.is(sources.get("exec"), text);
});

test("frame.source refuses the def at a code's lines when it is another function's", () => {
  // hypothesis's @given wraps a test in two functions built at run time, each given the test's
  // co_filename and co_firstlineno: one taking fewer arguments, one taking the same. inspect read
  // the test's def for both, which compiled to code that failed in their frames (a TypeError, or
  // a NameError for the test's globals). Private argument names are mangled in the code and still
  // match; a closure's def is found under its qualified name.
  python.exec(
    `
def given_test(self, x, *, y):
    return x + y

class Private:
    def __twice(self, __value, /, *__rest, **__options):
        return 2 * __value
    def twice(self, value):
        return self.__twice(value)

def outer(a):
    def inner(b):
        return a + b
    return inner(1)

def _claiming_given_test_lines(function):
    borrowed = function.__code__.replace(co_filename="borrowed_lines_module.py", co_firstlineno=2)
    function.__code__ = borrowed
    return function

def fewer_arguments():
    def given_test(self):
        return "fewer"
    return _claiming_given_test_lines(given_test)

def same_arguments():
    def given_test(self, x, *, y):
        return "same"
    return _claiming_given_test_lines(given_test)
`,
    { filename: "borrowed_lines_module.py" },
  );
  const sources = new Map<string, string | PythonError>();
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename !== "borrowed_lines_module.py") return;
      try {
        sources.set(frame.qualname, frame.source);
      } catch (error) {
        sources.set(frame.qualname, error as PythonError);
      }
    });
    assert.is(python.eval("fewer_arguments()(None)"), "fewer");
    assert.is(python.eval("same_arguments()(None, 1, y=2)"), "same");
    assert.is(python.eval("given_test(None, 1, y=2)"), 3);
    assert.is(python.eval("Private().twice(4)"), 8);
    assert.is(python.eval("outer(2)"), 3);
  }
  assert.is(sources.get("given_test"), "def given_test(self, x, *, y):\n    return x + y\n");
  assert.is(
    sources.get("Private.__twice"),
    "def __twice(self, __value, /, *__rest, **__options):\n    return 2 * __value\n",
  );
  assert.is(sources.get("outer.<locals>.inner"), "def inner(b):\n    return a + b\n");
  const refusal = (qualname: string) => {
    const error = sources.get(qualname);
    assert.instance(error, PythonError, qualname);
    assert.is((error as PythonError).type, "OSError");
    return (error as PythonError).message;
  };
  assert.match(
    refusal("fewer_arguments.<locals>.given_test"),
    "borrowed_lines_module.py line 2 holds def given_test(self, x, *, y), not the source of " +
      "fewer_arguments.<locals>.given_test, which takes (self): the code claims lines that are not its own",
  );
  assert.match(
    refusal("same_arguments.<locals>.given_test"),
    "borrowed_lines_module.py line 2 holds the def of given_test, not the source of " +
      "same_arguments.<locals>.given_test, which takes (self, x, *, y): the code claims lines",
  );
});

test("lines are split where Python splits them: a form feed, \\x1c or U+2028 stays within its line", () => {
  // str.splitlines also breaks at \f, \v, \x1c-\x1e, \x85, \u2028 and \u2029, which the compiler
  // and tokenize keep within a line: source taken apart with it was numbered otherwise than the
  // code, so a dedented method lost a string's spaces, a def after a form feed was "no def" on
  // 3.11, and python.exec's text stood in linecache at the wrong lines.
  const directory = scratchDirectory("line-breaks");
  writeFileSync(
    join(directory, "line_breaks_module.py"),
    "class Paged:\n" +
      "    def method(self):\n" +
      "        # page\fbreak in a comment\n" +
      '        kept = """a\n' +
      '    b"""\n' +
      "        return [kept, 1]\n" +
      "    def separated(self):\n" +
      '        a = "para\u2028graph\x1cgroup"\n' +
      '        b = """p\n' +
      'q"""\n' +
      "        return [len(a + b), 1]\n" +
      "\n" +
      "\fdef after_form_feed(x,\n" +
      "                    y=2):\n" +
      "    return [x + y, 1]\n",
  );
  python.importFile(join(directory, "line_breaks_module.py")).dispose();
  python.exec("para = 'a\u2028b'\ndef after_separator():\n    return [para, 1]\n", { filename: "separated_exec.py" });
  using main = python.import("__main__");
  using inspectModule = python.import("inspect");
  assert.is(
    inspectModule.get("getsource").call(main.get("after_separator")).toJS(),
    "def after_separator():\n    return [para, 1]\n",
    "python.exec's text, as linecache holds it",
  );
  const expressions: [string, unknown, unknown][] = [
    ["line_breaks_module.Paged().method()", ["a\n    b", 1], ["a\n    b", 10]],
    ["line_breaks_module.Paged().separated()", [19, 1], [19, 10]],
    ["line_breaks_module.after_form_feed(1)", [3, 1], [3, 10]], // a default is the def's, not the code's
    ["after_separator()", ["a\u2028b", 1], ["a\u2028b", 10]],
  ];
  python.exec("import line_breaks_module");
  const sources = new Map<string, string>();
  for (const [expression, plain, scaled] of expressions) {
    assert.equal(python.eval(expression), plain, expression);
    using _ = new Dynamo((frame) => {
      if (!frame.isFunction || !/line_breaks_module|separated_exec/.test(frame.filename)) return;
      sources.set(frame.qualname, frame.source);
      return ast.compile(new ScaleIntegers().visit(ast.parse(frame.source)), frame);
    });
    assert.equal(python.eval(expression), scaled, `${expression}, rewritten`);
    assert.equal(python.eval(expression), scaled, `${expression}, rewritten, cached`);
  }
  assert.is(
    sources.get("after_form_feed"),
    "\fdef after_form_feed(x,\n                    y=2):\n    return [x + y, 1]\n",
  );
  assert.is(sources.get("after_separator"), "def after_separator():\n    return [para, 1]\n");
});

test("frame.source of code evaluating type parameters and type aliases is their statement (3.12+)", () => {
  if (!python.eval("__import__('sys').version_info >= (3, 12)")) return;
  // Each runs in code of its own, named after what it evaluates; on 3.12 inspect walked up from
  // its line to whatever def came before (the alias's value got `def first`'s text).
  const sources: Record<string, string> = {};
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename === "type_parameters_module.py") sources[frame.name] = frame.source;
    });
    python.exec(
      `
def first[T: int](x: T) -> T:
    return x

class Box[U: (int, str)]:
    pass

type Alias[V] = list[V]

def local_alias():
    type Local = dict[
        str, int]
    return Local.__value__

def after():
    pass

evaluated = (first.__type_params__[0].__bound__, Box.__type_params__[0].__constraints__, Alias.__value__, local_alias())
`,
      { filename: "type_parameters_module.py" },
    );
  }
  assert.is(
    python.eval("repr(evaluated)"),
    "(<class 'int'>, (<class 'int'>, <class 'str'>), list[V], dict[str, int])",
  );
  const first = "def first[T: int](x: T) -> T:\n    return x\n";
  const box = "class Box[U: (int, str)]:\n    pass\n";
  const alias = "type Alias[V] = list[V]\n";
  delete sources["<module>"];
  delete sources["local_alias"];
  assert.equal(sources, {
    // A type alias inside a function: its statement alone (inspect's getblock ran on to the end of
    // the next def).
    Local: "type Local = dict[\n    str, int]\n",
    "<generic parameters of first>": first,
    T: first,
    "<generic parameters of Box>": box,
    Box: box,
    U: box,
    "<generic parameters of Alias>": alias,
    Alias: alias,
  });
});

test("frame fields first read after the callback returned throw a clear error", () => {
  let kept: Frame | undefined;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name === "bob") kept = frame;
    });
    python.eval("bob()");
  }
  assert.ok(kept);
  assert.throws(() => kept!.locals, /frame.locals was first read after the Dynamo callback returned/);
  assert.throws(() => kept!.function, /frame.function was first read after/);
  assert.throws(() => kept!.filename, /frame.filename was first read after/);
  assert.throws(() => kept!.qualname, /frame.qualname was first read after/);
  assert.throws(() => kept!.firstLineNo, /frame.firstLineNo was first read after/);
  assert.is(kept!.name, "bob", "fields read during the callback stay readable");
});

test("a frame whose code the callback took reads its code's fields after the callback too", () => {
  let kept: Frame | undefined;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name === "bob" && !kept) kept = (frame.code, frame);
    });
    python.eval("bob()");
  }
  assert.is(kept!.qualname, "bob");
  assert.match(kept!.filename, /./);
  assert.type(kept!.firstLineNo, "number");
  kept!.code.dispose();
});

test("console.log shows a Frame by qualified name and place, during and after its callback", () => {
  // It showed "Frame {}" in Deno, and the accessors and internal symbols in Bun.
  python.exec("class Greeter:\n    def greet(self):\n        return 'hi'\n", { filename: "greeter.py" });
  const shown: string[] = [];
  const kept: Frame[] = [];
  {
    using _ = new Dynamo((frame) => {
      if (frame.name === "greet") shown.push(inspect(frame));
      if (frame.name === "bob" || frame.name === "greet") kept.push(frame);
    });
    python.eval("(Greeter().greet(), bob())");
  }
  assert.equal(shown, ["Frame(Greeter.greet at greeter.py:2)"]);
  assert.is(inspect(kept[0]), "Frame(Greeter.greet at greeter.py:2, after its callback)");
  assert.is(inspect(kept[1]), "Frame(<after its callback>)", "nothing read during it");
});

test("a callback that throws raises a Python exception in that call, and later calls work", () => {
  let calls = 0;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "bob") return;
      calls++;
      if (calls === 1) throw new Error("boom from TypeScript");
      return scaledCode(frame);
    });
    try {
      python.eval("bob()");
      assert.unreachable("bob() should raise");
    } catch (error) {
      assert.instance(error, PythonError);
      assert.is((error as PythonError).type, "RuntimeError");
      assert.match((error as PythonError).pythonMessage, /boom from TypeScript/);
    }
    python.exec(
      "def catches():\n    try:\n        return bob()\n    except RuntimeError as e:\n        return 'caught: ' + str(e)\n",
    );
    assert.is(python.eval("bob()"), 30);
  }
  assert.is(calls, 2);
});

test("a Python exception raised inside the callback keeps its type", () => {
  using _ = new Dynamo((frame) => {
    if (frame.name === "bob") python.eval("int('not a number')");
  });
  assert.throws(() => python.eval("bob()"), (e: unknown) => e instanceof PythonError && e.type === "ValueError");
});

test("Python code can catch the exception a throwing callback raises", () => {
  python.exec(
    "def guarded():\n    try:\n        return bob()\n    except RuntimeError as e:\n        return 'caught ' + str(e)\n",
  );
  using _ = new Dynamo((frame) => {
    if (frame.name === "bob") throw new TypeError("no bob today");
  });
  assert.match(
    python.eval("guarded()") as string,
    /^caught pyframe: the Dynamo callback threw TypeError: no bob today/,
  );
});

test("a callback throwing a PythonError whose exception is gone, or an unprintable value, raises a RuntimeError", () => {
  // Re-raising read the disposed value's pointer, and that ReferenceError replaced the error thrown.
  const disposed = pythonErrorWithoutValue("gone");
  for (
    const [thrown, shown] of [
      [disposed, "PythonError: ValueError: gone"],
      [new PythonError("KeyError", "made up", "", { pointer: 12345 } as never), "PythonError: KeyError: made up"],
      [Object.create(null), "a value that cannot be shown"],
    ] as const
  ) {
    using _ = new Dynamo((frame) => {
      if (frame.name === "bob") throw thrown;
    });
    assert.is(python.eval("guarded()"), `caught pyframe: the Dynamo callback threw ${shown}`);
  }
});

test("a callback returning garbage gets a Python TypeError; nothing means the original", () => {
  {
    using _ = new Dynamo((frame) => (frame.name === "bob" ? (42 as unknown as PyObject) : undefined));
    assert.throws(
      () => python.eval("bob()"),
      (e: unknown) => e instanceof PythonError && e.type === "TypeError" && /returned number/.test(e.message),
    );
  }
  {
    using _ = new Dynamo((frame) => (frame.name === "bob" ? python.toPython(7) : undefined));
    assert.throws(
      () => python.eval("bob()"),
      (e: unknown) =>
        e instanceof PythonError && e.type === "TypeError" && /expected a code object, got int/.test(e.message),
    );
  }
  {
    const asynchronous = async () => await Promise.resolve(undefined);
    using _ = new Dynamo((frame) => (frame.name === "bob" ? asynchronous() : undefined) as undefined);
    assert.throws(
      () => python.eval("bob()"),
      (e: unknown) =>
        e instanceof PythonError && e.type === "TypeError" && /returned Promise for bob/.test(e.message) &&
        /must answer synchronously/.test(e.message),
    );
  }
  {
    using _ = new Dynamo(() => {});
    assert.is(python.eval("bob()"), 3);
  }
});

// The refused Promise of an async callback, which nobody else holds, rejected after the TypeError
// was raised and ended the process as an unhandled rejection.
test("an async callback that rejects gives the TypeError and nothing after it", async () => {
  python.exec("def rejected_answer():\n    return 1\n");
  const unhandled = await unhandledRejectionsDuring(() => {
    using _ = new Dynamo(
      (async (frame: Frame) => {
        await Promise.resolve();
        if (frame.name === "rejected_answer") throw new Error("async failure");
      }) as unknown as () => undefined,
    );
    assert.throws(
      () => python.eval("rejected_answer()"),
      (e: unknown) => e instanceof PythonError && e.type === "TypeError" && /must answer synchronously/.test(e.message),
    );
  });
  assert.equal(unhandled, []);
});

test("a replacement whose arguments differ is refused with a TypeError naming the difference", () => {
  python.exec("def one_arg(a):\n    return a\ndef two_args(a, b):\n    return a + b\n");
  using _ = new Dynamo((
    frame,
  ) => (frame.name === "one_arg" ? python.eval("two_args.__code__") as PyObject : undefined));
  assert.throws(
    () => python.eval("one_arg(1)"),
    (e: unknown) =>
      e instanceof PythonError && e.type === "TypeError" &&
      /positional argument count differs: the original has 1, the replacement 2/.test(e.message),
  );
});

test("a replacement of another kind of code (namespace-dict code for a function, or the reverse) is refused with a TypeError", () => {
  python.exec(`
def fast_locals_only():
    return 7

module_code = compile("y = 5", "<module code>", "exec")

def run_module_code():
    namespace = {}
    exec(compile("z = 9", "<exec'd module>", "exec"), namespace)
    return namespace["z"]
`);
  const moduleCode = python.eval("module_code") as PyObject;
  const functionCode = python.eval("fast_locals_only.__code__") as PyObject;
  const refused = (pattern: RegExp) => (e: unknown) =>
    e instanceof PythonError && e.type === "TypeError" && pattern.test(e.message);
  {
    using _ = new Dynamo((frame) => (frame.name === "fast_locals_only" ? moduleCode : undefined));
    assert.throws(
      () => python.eval("fast_locals_only()"),
      refused(/the original is function code \(fast locals\), the replacement module or class-body code/),
    );
  }
  {
    // The likely mistake, a whole module compiled (ast.compile(tree) without the frame), is named.
    using _ = new Dynamo((frame) =>
      frame.name === "fast_locals_only" ? ast.compile(ast.parse(frame.source)) as PyObject : undefined
    );
    assert.throws(
      () => python.eval("fast_locals_only()"),
      refused(/a namespace dict\) \(a module's code: compile a rewritten function with ast\.compile\(tree, frame\)\)$/),
    );
  }
  {
    using _ = new Dynamo((frame) => (frame.filename === "<exec'd module>" ? functionCode : undefined));
    assert.throws(
      () => python.eval("run_module_code()"),
      refused(/the original is module or class-body code \(a namespace dict\), the replacement function code/),
    );
  }
  {
    const withoutNewLocals = python.eval(
      "fast_locals_only.__code__.replace(co_flags=fast_locals_only.__code__.co_flags & ~__import__('inspect').CO_NEWLOCALS)",
    ) as PyObject;
    using _ = new Dynamo((frame) => (frame.name === "fast_locals_only" ? withoutNewLocals : undefined));
    assert.throws(
      () => python.eval("fast_locals_only()"),
      refused(/flags differ: the original has co_flags 0x3, the replacement 0x1 \(OPTIMIZED, NEWLOCALS\)/),
    );
  }
  assert.is(python.eval("run_module_code()"), 9);
});

test("nested Dynamos: the innermost decides, disposing restores the outer one", () => {
  using outer = new Dynamo(scaleFunction("bob", 10));
  assert.is(python.eval("bob()"), 30);
  {
    using _inner = new Dynamo(scaleFunction("bob", 100));
    assert.is(python.eval("bob()"), 300);
  }
  assert.is(python.eval("bob()"), 30);
  outer.dispose();
  assert.is(python.eval("bob()"), 3);
});

test("overlapping Dynamos: disposing the outer first keeps the inner active", () => {
  const a = new Dynamo(scaleFunction("bob", 10));
  const b = new Dynamo(scaleFunction("bob", 100));
  assert.is(python.eval("bob()"), 300);
  a.dispose();
  assert.is(python.eval("bob()"), 300);
  assert.ok(b.active && !a.active);
  b.dispose();
  assert.is(python.eval("bob()"), 3);
  assert.is(load().native.pyframe_hook_is_current(), 0);
});

test("skip runs the original without asking again; askAgain asks on every frame", () => {
  let asked = 0;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "bob") return;
      asked++;
      return skip();
    });
    python.eval("[bob() for _ in range(4)]");
  }
  assert.is(asked, 1);
  asked = 0;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "bob") return;
      asked++;
      return askAgain(asked % 2 ? scaledCode(frame) : undefined);
    });
    assert.equal(python.eval("[bob() for _ in range(4)]"), [30, 3, 30, 3]);
  }
  assert.is(asked, 4);
});

test("skip({ calls: true }) also skips every frame started underneath", () => {
  const seen: string[] = [];
  using _ = new Dynamo((frame) => {
    seen.push(frame.name);
    if (frame.name === "twice") return skip({ calls: true });
  });
  assert.is(python.eval("twice(1)"), 7);
  assert.ok(seen.includes("twice"));
  assert.not.ok(seen.includes("bob"), `bob was asked about: ${seen}`);
});

test("run-only mode applies cached decisions and never calls JS for unseen code", () => {
  let asked = 0;
  using _ = new Dynamo(() => void asked++, { mode: "run-only" });
  python.eval("twice(2)");
  assert.is(asked, 0);
});

test("a Python thread started inside a Dynamo finishes and never reaches JS", () => {
  python.exec(`
import threading
def thread_work(out):
    out.append(sum(i * i for i in range(1000)))

def run_thread():
    out = []
    worker = threading.Thread(target=thread_work, args=(out,))
    worker.start()
    worker.join(10)
    return [worker.is_alive(), out]
`);
  const seen: string[] = [];
  using _ = new Dynamo((frame) => void seen.push(frame.name));
  assert.equal(python.eval("run_thread()"), [false, [332833500]]);
  assert.ok(seen.includes("run_thread"));
  assert.not.ok(seen.includes("thread_work"), "a frame of the Python thread reached JS");
});

test("another tool's eval-frame function is chained and restored", () => {
  const { native } = load();
  assert.is(native.pyframe_probe_install(), 0);
  const before = Number(native.pyframe_probe_frames());
  {
    using _ = new Dynamo(scaleFunction("bob"));
    assert.is(python.eval("bob()"), 30);
    assert.ok(Number(native.pyframe_probe_frames()) > before, "the earlier hook stopped seeing frames");
  }
  assert.is(native.pyframe_hook_is_current(), 0);
  const afterDynamo = Number(native.pyframe_probe_frames());
  assert.is(python.eval("bob()"), 3);
  assert.ok(Number(native.pyframe_probe_frames()) > afterDynamo, "the earlier hook was not restored");
  assert.is(native.pyframe_probe_uninstall(), 0, "the earlier hook is no longer the current one");
});

test("a tool installed on top of a Dynamo keeps working after the Dynamo ends", () => {
  const { native } = load();
  const dynamo = new Dynamo(scaleFunction("bob"));
  native.pyframe_probe_install();
  assert.is(python.eval("bob()"), 30);
  dynamo.dispose();
  const frames = Number(native.pyframe_probe_frames());
  assert.is(python.eval("bob()"), 3);
  assert.ok(Number(native.pyframe_probe_frames()) > frames);
  assert.is(native.pyframe_probe_uninstall(), 0);
  {
    using _ = new Dynamo(scaleFunction("bob"));
    assert.is(python.eval("bob()"), 30);
  }
  assert.is(python.eval("bob()"), 3);
});

test("bad Dynamo arguments are clear errors", () => {
  assert.throws(() => new Dynamo(42 as never), /needs a function, got number/);
  assert.throws(() => new Dynamo(null as never), /needs a function, got null$/);
  // A Frame read native memory at any address given: new Frame(12345).name aborted the process.
  assert.throws(
    () => new (Frame as unknown as new (address: number) => Frame)(12345),
    /a Frame cannot be constructed$/,
  );
  assert.throws(() => new Dynamo(() => {}, { mode: "fast" as never }), /mode must be "normal" or "run-only"/);
  assert.throws(
    () => new Dynamo(() => {}, "run-only" as never),
    /new Dynamo\(callback, options\) takes an options object \(\{ mode, skip \}\), got string/,
  );
  assert.throws(
    () => new Dynamo(() => {}, { skips: ["/usr/lib"], mode: "normal" } as never),
    /new Dynamo\(callback, options\) has no option "skips"; its options are mode, skip/,
  );
  assert.is(load().native.pyframe_hook_is_current(), 0, "a refused Dynamo installs nothing");
});

test("frame.source for code without source says whose, where, and what would give it", () => {
  // inspect said only "could not get source code".
  python.exec('_t_ns = {}\nexec(compile("def sourceless(x):\\n    return x * 2\\n", "<nosource>", "exec"), _t_ns)');
  let message = "";
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "sourceless") return;
      try {
        void frame.source;
      } catch (error) {
        message = (error as Error).message;
      }
    });
    assert.is(python.eval("_t_ns['sourceless'](2)"), 4);
  }
  assert.match(
    message,
    /^OSError: pyframe: no source for sourceless \(<nosource>, line 1\): could not get source code; .*python\.exec$/,
  );
});

test("bad skip() options are clear errors, not a plain skip", () => {
  // A misspelt or non-boolean calls option skipped only the frame's own code, silently.
  assert.throws(() => skip({ call: true } as never), /skip\(options\) has no option "call"; its options are calls$/);
  assert.throws(() => skip({ calls: "yes" } as never), /skip's calls option is true or false, got string$/);
  assert.throws(() => skip(true as never), /skip\(options\) takes an options object \(\{ calls \}\), got boolean$/);
  python.exec("def skipped_by_typo(x):\n    return x + 1\n");
  using _ = new Dynamo((frame) => frame.name === "skipped_by_typo" ? skip({ calls: 1 } as never) : undefined);
  assert.throws(
    () => python.eval("skipped_by_typo(1)"),
    (e: unknown) =>
      e instanceof PythonError && /callback threw TypeError: pyframe: skip's calls option/.test(e.message),
  );
});

test("10,000 replaced calls leave the code object's and the function's reference counts unchanged", () => {
  python.exec(`
import sys
def leaf(a, b=2, *rest, c=3, **more):
    return a + b + c + 1

def counted_gen(n):
    yield from range(n)
    yield 1

def refcounts():
    return [sys.getrefcount(leaf), sys.getrefcount(leaf.__code__), sys.getrefcount(counted_gen), sys.getrefcount(counted_gen.__code__)]

def call_many(times):
    total = 0
    for i in range(times):
        total += leaf(i, c=1) + sum(counted_gen(3))
    return total
`);
  using _ = new Dynamo((
    frame,
  ) => (frame.name === "leaf" || frame.name === "counted_gen" ? scaledCode(frame) : undefined));
  python.eval("call_many(10)"); // decisions made and cached
  const before = python.eval("refcounts()");
  const replacedBefore = Number(load().native.pyframe_stat(1));
  // Scaled: leaf adds 10 instead of 1 (its default b=2 is the function's, unscaled); the
  // generator yields 0, 1, 2 and then 10 instead of 1.
  assert.is(python.eval("call_many(10000)"), (10000 * 9999) / 2 + 10000 * (2 + 1 + 10) + 10000 * (0 + 1 + 2 + 10));
  assert.is(Number(load().native.pyframe_stat(1)) - replacedBefore, 20000, "every call ran replacement code");
  assert.equal(python.eval("refcounts()"), before);
});

test("immortal code objects (3.12's deep-frozen standard library) are swapped both ways, their counts untouched", () => {
  // genericpath is deep-frozen into 3.12's interpreter: its code objects are immortal there (on
  // 3.11 they are static but counted, on 3.13 ordinary: the usual paths, same behaviour).
  python.exec(`
import genericpath, inspect, sys
from types import SimpleNamespace as _Stat

# With genericpath's own arguments ((s1, s2, /) from 3.15), as a replacement must have.
_arguments = str(inspect.signature(genericpath.samestat))
exec("def samestat%s:\\n    return 'mine'\\n" % _arguments)
exec("def samestat_replacement%s:\\n    return 'replaced'\\n" % _arguments)

_a, _b = _Stat(st_ino=1, st_dev=2), _Stat(st_ino=1, st_dev=3)

def call_both(times):
    results = set()
    for _ in range(times):
        results.add((genericpath.samestat(_a, _a), samestat(_a, _b)))
    return sorted(results)

def counts():
    return [sys.getrefcount(genericpath.samestat.__code__), sys.getrefcount(samestat_replacement.__code__)]
`);
  const frozen = python.eval("genericpath.samestat.__code__") as PyObject;
  const replacement = python.eval("samestat_replacement.__code__") as PyObject;
  const before = python.eval("counts()");
  assert.ok(python.eval("sys.version_info[:2] != (3, 12) or sys.getrefcount(genericpath.samestat.__code__) >= 2**31"));
  {
    // The deep-frozen code replaced by a user's, and a user's code by the deep-frozen one.
    using _ = new Dynamo((frame) => {
      if (frame.name !== "samestat") return;
      return frame.filename.includes("genericpath") ? replacement : frozen; // "<frozen genericpath>"
    });
    assert.equal(python.eval("call_both(1000)"), [["replaced", false]]);
  }
  assert.equal(python.eval("call_both(1)"), [[true, "mine"]]);
  assert.equal(python.eval("counts()"), before);
});

test("replacements with fewer or more local slots than the original run on every call and leak nothing", () => {
  python.exec(`
import sys
def fewer_locals(x):
    doubled = x * 2
    tripled = x * 3
    return doubled + tripled

def more_locals(x):
    return x + 1

def _code_of(source, name):
    namespace = {}
    exec(compile(source, "<resized>", "exec"), namespace)
    return namespace[name].__code__

fewer_code = _code_of("def fewer_locals(x):\\n    return x * 50\\n", "fewer_locals")
more_code = _code_of("def more_locals(x):\\n    a = x\\n    b = a + 1\\n    c = [b] * 2\\n    return c[0] * 100\\n", "more_locals")

def resized_refcounts():
    return [sys.getrefcount(c) for c in (fewer_locals.__code__, more_locals.__code__, fewer_code, more_code)]

def call_resized(times):
    return [fewer_locals(i) + more_locals(i) for i in range(times)]
`);
  const main = python.import("__main__");
  const fewerCode = main.get("fewer_code") as PyObject;
  const moreCode = main.get("more_code") as PyObject;
  assert.ok(
    python.eval("fewer_code.co_nlocals < fewer_locals.__code__.co_nlocals < more_code.co_nlocals") &&
      python.eval("more_locals.__code__.co_nlocals < more_code.co_nlocals"),
  );
  using _ = new Dynamo((frame) =>
    frame.name === "fewer_locals" ? fewerCode : frame.name === "more_locals" ? moreCode : undefined
  );
  assert.equal(python.eval("call_resized(3)"), [100, 250, 400]);
  const before = python.eval("resized_refcounts()");
  const replacedBefore = Number(load().native.pyframe_stat(1));
  const results = python.eval("call_resized(5000)") as number[];
  assert.ok(results.every((value, i) => value === i * 50 + (i + 1) * 100), "a resized replacement gave a wrong result");
  assert.is(Number(load().native.pyframe_stat(1)) - replacedBefore, 10000, "every call ran replacement code");
  assert.equal(python.eval("resized_refcounts()"), before);
});

test("skip rules keep the standard library and matching files away from the callback", () => {
  const paths = standardLibraryPaths();
  assert.ok(
    paths.some((path) => path.endsWith(`/lib/python${python.eval("'%d.%d' % __import__('sys').version_info[:2]")}/`)),
    String(paths),
  );
  const seen = new Set<string>();
  {
    using _ = new Dynamo((frame) => void seen.add(frame.filename), { skip: [...paths, /^dynamo_test_module\.py$/] });
    python.eval("__import__('json').dumps({'a': [1, 2]})");
    python.eval("twice(1)");
    python.exec("def elsewhere():\n    return 1\n", { filename: "elsewhere.py" });
    python.eval("elsewhere()");
  }
  assert.not.ok([...seen].some((file) => paths.some((path) => file.startsWith(path))), [...seen].join(", "));
  assert.not.ok(seen.has("dynamo_test_module.py"));
  assert.ok(seen.has("elsewhere.py"));
  assert.throws(
    () => new Dynamo(() => {}, { skip: [42 as never] }),
    /skip rules are filename prefixes \(strings\) or RegExps, got number/,
  );
  for (const [rule, named] of [["/usr/lib", "string"], [/site-packages/, "RegExp"]] as const) {
    assert.throws(
      () => new Dynamo(() => {}, { skip: rule as never }),
      new RegExp(`skip takes an array of filename prefixes and RegExps, got ${named} \\(wrap a single rule`),
    );
  }
});

test("an empty skip prefix, which would skip all code, is refused; the rules are copied", () => {
  // "" skipped every frame silently (as an unset environment variable turned into a rule would).
  assert.throws(
    () => new Dynamo(() => {}, { skip: ["/opt/", ""] }),
    /skip rule "" is a prefix of every filename, so it would skip all code; remove it/,
  );
  python.exec("def copied_rules():\n    return 1\n", { filename: "copied_rules.py" });
  const rules: string[] = ["/nowhere/"];
  const seen: string[] = [];
  using _ = new Dynamo((frame) => void seen.push(frame.filename), { skip: rules });
  rules.push("copied_rules.py"); // Changing the array afterwards changes nothing.
  python.eval("copied_rules()");
  assert.ok(seen.includes("copied_rules.py"), seen.join(", "));
});

test("a skip rule with the global or sticky flag matches every file it names, not every other one", () => {
  const files = ["skipped_a.py", "skipped_b.py", "skipped_c.py"];
  for (const file of files) python.exec(`def in_${file.slice(8, 9)}():\n    return 1\n`, { filename: file });
  for (const rule of [/^skipped_/g, /skipped_/y]) {
    const seen: string[] = [];
    using _ = new Dynamo((frame) => void seen.push(frame.filename), { skip: [rule] });
    python.eval("in_a() + in_b() + in_c()");
    assert.equal(seen.filter((file) => files.includes(file)), [], String(rule));
  }
});

test("frames run under sys.settrace, sys.setprofile or sys.monitoring take the default path", () => {
  python.exec(`
import sys
def traced_a(): return 1
def traced_b(): return 2
def traced_c(): return 3
def profiled(): return 4
def with_settrace():
    sys.settrace(lambda *a: None)
    try: return traced_a()
    finally: sys.settrace(None)
def with_setprofile():
    sys.setprofile(lambda *a: None)
    try: return profiled()
    finally: sys.setprofile(None)
def with_monitoring():
    if not hasattr(sys, "monitoring"):
        return "no sys.monitoring"
    m = sys.monitoring
    m.use_tool_id(3, "pyframe-test")
    m.set_events(3, m.events.PY_START)
    m.register_callback(3, m.events.PY_START, lambda code, offset: None)
    try: return traced_b()
    finally:
        m.set_events(3, 0)
        m.free_tool_id(3)
`);
  const seen: string[] = [];
  using _ = new Dynamo((frame) => void seen.push(frame.name));
  assert.is(python.eval("with_settrace()"), 1);
  assert.is(python.eval("with_setprofile()"), 4);
  const monitored = python.eval("with_monitoring()");
  assert.is(python.eval("traced_c()"), 3);
  assert.ok(seen.includes("with_settrace") && seen.includes("traced_c"), String(seen));
  assert.not.ok(seen.includes("traced_a"), "a frame under sys.settrace reached JS");
  assert.not.ok(seen.includes("profiled"), "a frame under sys.setprofile reached JS");
  if (monitored !== "no sys.monitoring") {
    assert.not.ok(seen.includes("traced_b"), "a frame under sys.monitoring reached JS");
  }
  assert.not.ok(
    seen.some((name) => name === "run" || name === "register_source"),
    `pyframe's own helpers were shown: ${seen}`,
  );
});

test("a cached replacement gives way to the original under settrace, setprofile, each sys.monitoring event and on other threads", () => {
  python.exec(`
import sys, threading
def cached_scaled():
    return 1 + 2

def cached_under_settrace():
    sys.settrace(lambda *a: None)
    try: return cached_scaled()
    finally: sys.settrace(None)

def cached_under_setprofile():
    sys.setprofile(lambda *a: None)
    try: return cached_scaled()
    finally: sys.setprofile(None)

def cached_under_each_monitoring_event():
    """The result with each of the events that have a byte of their own in the interpreter on (15;
    16 from 3.14)."""
    if not hasattr(sys, "monitoring"):
        return []
    m = sys.monitoring
    m.use_tool_id(4, "pyframe-test")
    try:
        results = []
        for bit in range(16 if sys.version_info >= (3, 14) else 15):
            m.set_events(4, 1 << bit)
            try: results.append(cached_scaled())
            finally: m.set_events(4, 0)
        return results
    finally:
        m.free_tool_id(4)
`);
  using _ = new Dynamo(scaleFunction("cached_scaled"));
  assert.is(python.eval("cached_scaled()"), 30, "the replacement is decided and cached");
  assert.is(python.eval("cached_under_settrace()"), 3);
  assert.is(python.eval("cached_under_setprofile()"), 3);
  const hasMonitoring = python.eval("hasattr(__import__('sys'), 'monitoring')");
  assert.equal(
    python.eval("cached_under_each_monitoring_event()"),
    hasMonitoring ? Array(python.eval("__import__('sys').version_info >= (3, 14)") ? 16 : 15).fill(3) : [],
    "a replacement ran while a sys.monitoring event was on",
  );
  assert.equal(python.eval("in_a_thread(cached_scaled)"), [3]);
  assert.is(python.eval("cached_scaled()"), 30, "the replacement runs again once nothing traces");
});

test("a cached replacement gives way to the original while sys.monitoring events are set on its code alone", () => {
  // sys.monitoring.set_local_events is how debuggers (debugpy on 3.12+) set a breakpoint: the
  // events live on that one code object, and a replacement would run past them unseen.
  if (!python.eval("hasattr(__import__('sys'), 'monitoring')")) return;
  python.exec(`
import sys
def locally_watched():
    return 1 + 2

def under_each_local_event():
    """The result and the LINE events seen, with each local event set on locally_watched only."""
    m = sys.monitoring
    m.use_tool_id(4, "pyframe-test")
    lines = []
    m.register_callback(4, m.events.LINE, lambda code, line: lines.append(code.co_name))
    try:
        results = []
        for bit in range(10):  # the local events: PY_START ... STOP_ITERATION
            m.set_local_events(4, locally_watched.__code__, 1 << bit)
            try: results.append(locally_watched())
            finally: m.set_local_events(4, locally_watched.__code__, 0)
        return results, sorted(set(lines))
    finally:
        m.register_callback(4, m.events.LINE, None)
        m.free_tool_id(4)

def never_seen():
    return 4

def first_call_under_local_event():
    m = sys.monitoring
    m.use_tool_id(4, "pyframe-test")
    m.set_local_events(4, never_seen.__code__, m.events.PY_START)
    try: return never_seen()
    finally:
        m.set_local_events(4, never_seen.__code__, 0)
        m.free_tool_id(4)

def left_set_by_a_freed_tool():
    """As coverage.py's sysmon core stops: the tool freed, its local events left on the code."""
    m = sys.monitoring
    m.use_tool_id(4, "pyframe-test")
    starts = []
    m.register_callback(4, m.events.PY_START, lambda code, offset: starts.append(code.co_name))
    m.set_local_events(4, locally_watched.__code__, m.events.PY_START)
    m.free_tool_id(4)
    try: return locally_watched(), starts
    finally:
        m.use_tool_id(4, "pyframe-test")  # to clear them
        m.set_local_events(4, locally_watched.__code__, 0)
        m.register_callback(4, m.events.PY_START, None)
        m.free_tool_id(4)
`);
  const seen: string[] = [];
  using _ = new Dynamo((frame) => {
    seen.push(frame.name);
    return scaleFunction("locally_watched")(frame);
  });
  assert.is(python.eval("locally_watched()"), 30, "the replacement is decided and cached");
  assert.equal(
    python.eval("under_each_local_event()"),
    [Array(10).fill(3), ["locally_watched"]],
    "a replacement ran while a local sys.monitoring event was set on the original's code",
  );
  assert.is(python.eval("locally_watched()"), 30, "the replacement runs again once the events are cleared");
  // CPython (3.12, 3.13) keeps firing them, so the original runs as it does under any local event.
  // 3.14's free_tool_id drops the tool's callbacks: the events left on the code call nothing then.
  const freedToolCalls = python.eval("__import__('sys').version_info >= (3, 14)") ? [] : ["locally_watched"];
  assert.equal(python.eval("left_set_by_a_freed_tool()"), [3, freedToolCalls]);
  assert.is(python.eval("locally_watched()"), 30);
  assert.is(python.eval("first_call_under_local_event()"), 4);
  assert.ok(seen.includes("first_call_under_local_event"), String(seen));
  assert.not.ok(seen.includes("never_seen"), "a frame under a local sys.monitoring event reached JS");
});

test("frame.isFunction tells a def's or lambda's frame from a module's, a class body's and annotations' (3.14)", () => {
  // 3.14 evaluates annotations in code of their own, __annotate__, whenever they are read: a callback
  // rewriting every function met it (dataclasses read them), and its frame.source threw.
  python.exec(
    `
import dataclasses

def annotated(x: int) -> int:
    return x + 1

def run_kinds():
    @dataclasses.dataclass
    class Body:
        size: int = 1
    squares = [n * n for n in range(2)]
    return [annotated(1), (lambda: 2)(), annotated.__annotations__["x"].__name__, Body(3).size]
`,
    { filename: "kinds_module.py" },
  );
  const seen = new Map<string, { isFunction: boolean; source: string }>();
  using _ = new Dynamo((frame) => {
    if (frame.filename !== "kinds_module.py") return;
    seen.set(frame.qualname, { isFunction: frame.isFunction, source: frame.source.split("\n")[0] });
    return frame.isFunction ? ast.compile(ast.parse(frame.source), frame) : undefined;
  });
  assert.equal(python.eval("run_kinds()"), [2, 2, "int", 3]);
  assert.equal(seen.get("run_kinds"), { isFunction: true, source: "def run_kinds():" });
  assert.equal(seen.get("annotated"), { isFunction: true, source: "def annotated(x: int) -> int:" });
  assert.equal(seen.get("run_kinds.<locals>.<lambda>")?.isFunction, true);
  assert.equal(seen.get("run_kinds.<locals>.Body"), { isFunction: false, source: "@dataclasses.dataclass" });
  const annotate = python.eval("__import__('sys').version_info >= (3, 14)");
  // The def's annotations, read through __annotations__; the class's, read by dataclasses.
  const annotations = (source: string) => annotate ? { isFunction: false, source } : undefined;
  // Qualified __annotate__ in 3.14, annotated.__annotate__ from 3.15.
  const qualname = annotate ? python.eval("annotated.__annotate__.__code__.co_qualname") as string : "";
  assert.equal(seen.get(qualname), annotations("def annotated(x: int) -> int:"));
  assert.equal(seen.get("run_kinds.<locals>.Body.__annotate__"), annotations("@dataclasses.dataclass"));
  if (python.eval("__import__('sys').version_info < (3, 12)")) {
    assert.equal(seen.get("run_kinds.<locals>.<listcomp>")?.isFunction, false);
  }
});

test("frame.isFunction is false for code evaluating a type parameter's bound or a type alias's value (3.12+)", () => {
  // Such code is named after the parameter or alias: ast.compile looked for a def of that name.
  if (python.eval("__import__('sys').version_info < (3, 12)")) return;
  python.exec(
    `
def keep(function):
    return function

@keep
def generic[T: int](x: T) -> T:
    return x

type Pair = tuple[int, int]

def run_generics():
    bound = generic.__type_params__[0].__bound__
    value = Pair.__value__
    return [generic(1), bound.__name__, str(value)]
`,
    { filename: "generics_module.py" },
  );
  const seen = new Map<string, boolean>();
  const refused: string[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.filename !== "generics_module.py") return;
    seen.set(frame.qualname, frame.isFunction);
    if (frame.isFunction) return ast.compile(ast.parse(frame.source), frame);
    try {
      ast.compile(ast.parse(frame.source), frame);
    } catch (error) {
      refused.push(String((error as Error).message).replace(/.*but this frame runs /, "").replace(/;.*/, ""));
    }
  });
  assert.equal(python.eval("run_generics()"), [1, "int", "tuple[int, int]"]);
  assert.equal(seen.get("run_generics"), true);
  assert.equal(seen.get("generic"), true);
  assert.equal(seen.get("T"), false);
  assert.equal(seen.get("Pair"), false);
  assert.equal(refused.sort(), [
    'the bound, constraints or default of type parameter "T"',
    'the value of type alias "Pair"',
  ]);
});

test("lines inside a multi-line t-string (3.14+) keep their spaces in frame.source, and through a rewrite", () => {
  // 3.14 tokenizes t-strings in pieces, as 3.12 began to do f-strings: dedenting the method's
  // source took the spaces off the lines inside one.
  if (python.eval("__import__('sys').version_info < (3, 14)")) return;
  python.exec(
    `
class Templates:
    def parts(self, n):
        text = t"""a
    {n}
        c"""
        return [list(text.strings), list(text.values)]
`,
    { filename: "templates_module.py" },
  );
  const sources: string[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.name !== "parts") return;
    sources.push(frame.source);
    return ast.compile(ast.parse(frame.source), frame);
  });
  assert.equal(python.eval("Templates().parts(1)"), [["a\n    ", "\n        c"], [1]]);
  assert.is(sources[0].split("\n")[2], "    {n}");
});

test("pyframe's AST bridge, used while a Dynamo is active, never shows its frames", () => {
  const seen = new Set<string>();
  using _ = new Dynamo((frame) => void seen.add(frame.filename));
  const tree = ast.parse("def f(x):\n    return x + 1\n");
  assert.match(ast.dump(tree), /^Module\(/);
  ast.compile(tree, { filename: "<bridge check>" }).dispose();
  assert.is(seen.size, 0, `frames shown: ${[...seen].join(", ")}`);
});

// A program's own __import__ (a sandbox refusing modules, a lazy importer, a test's mock) must not
// see pyframe's imports: ast.walk imports collections inside it, 3.13's linecache imports os,
// sys and tokenize inside its functions, traceback imports ast. test_ast's test_sys_modules put a
// stand-in for collections into sys.modules through the rewrite of its frames, failing later tests.
python.exec(sandboxPython);
python.exec('exec("def unsourced(x):\\n    return x - 1\\n", globals())'); // no file: its frame.source raises

test("pyframe's own Python imports through CPython's __import__, never through the program's", () => {
  const sources: string[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.name !== "sandboxed") return;
    sources.push(frame.source);
    const tree = ast.parse(frame.source.replace("x + 1", "x + 100"));
    assert.is([...ast.walk(tree)].filter((node) => node instanceof ast.BinOp).length, 1);
    return ast.compile(tree, frame);
  });
  assert.equal(python.eval("in_sandbox(sandboxed, 1)"), [101, [], []]);
  assert.equal(sources, ["def sandboxed(x):\n    return x + 1\n"]);
});

/** `def name(x): return x + 1`, from a file linecache has not read (test/_sandbox.ts). */
function freshAddOne(name: string): PyObject {
  return python.eval(`_write_module("def ${name}(x):\\n    return x + 1\\n")["${name}"]`) as PyObject;
}

/**
 * Calls the `__main__` function `wrapper` with a fresh `def name(x): return x + 1` and 1, under a
 * Dynamo rewriting it to add 100: what `wrapper` returned, and the sources the callback read.
 */
function throughWrapper(wrapper: string, name: string): [unknown, string[]] {
  const fresh = freshAddOne(name);
  const sources: string[] = [];
  using _ = new Dynamo(addHundredIn(name, sources));
  using call = python.import("__main__").get(wrapper);
  return [call.call(fresh, 1).toJS(), sources];
}

/** A callback rewriting `x + 1` to `x + 100` in the frames of the function `name`, keeping each
 * one's source; it asks frame.isFunction first, as a rewrite checking what it was given would. */
function addHundredIn(name: string, sources: string[]) {
  return (frame: Frame) => {
    if (frame.name !== name) return;
    assert.ok(frame.isFunction);
    sources.push(frame.source);
    return ast.compile(ast.parse(frame.source.replace("x + 1", "x + 100")), frame);
  };
}

test("frame.isFunction, read first under the program's own __import__, reads its file through CPython's", () => {
  // From 3.12 it reads the frame's lines (type parameters' code), and linecache imports os inside
  // its functions: CPython's test_discovery patches __import__ to return one module for any name.
  const fresh = freshAddOne("read_first");
  const told: boolean[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.name === "read_first") told.push(frame.isFunction);
  });
  using inSandbox = python.import("__main__").get("in_sandbox");
  assert.equal(inSandbox.call(fresh, 1).toJS(), [2, [], []]);
  assert.equal(told, [true]);
});

test("pyframe's own Python never puts back a module the program took out of sys.modules", () => {
  // As CPython's test.support.import_fresh_module does, to import a fresh copy. 3.13's linecache
  // imports os inside its functions, and frame.source (and, from 3.12, frame.isFunction) read lines.
  python.exec(`
import sys
def without_os(function, *args):
    saved = sys.modules.pop("os")
    try:
        return function(*args), "os" in sys.modules
    finally:
        sys.modules["os"] = saved
`);
  const [result, sources] = throughWrapper("without_os", "outside_os");
  assert.equal(result, [101, false]);
  assert.equal(sources, ["def outside_os(x):\n    return x + 1\n"]);
});

test("pyframe's own Python gets the real module while the program's stand-in for it cannot even be compared", () => {
  python.exec(`
import sys
class Incomparable:
    def __eq__(self, other):
        raise RuntimeError("a stand-in that refuses comparison")
    __hash__ = object.__hash__
def with_os_stand_in(function, *args):
    saved = sys.modules["os"]
    stand_in = sys.modules["os"] = Incomparable()
    try:
        return function(*args), sys.modules["os"] is stand_in
    finally:
        sys.modules["os"] = saved
`);
  const [result, sources] = throughWrapper("with_os_stand_in", "beside_stand_in");
  assert.equal(result, [101, true]);
  assert.is(sources.length, 1);
});

test("reading frames and compiling rewrites leave builtins untouched (3.13+: the optimizer counts each change)", () => {
  // From 3.13 every change to builtins throws away the optimizer's traces (the JIT's too), and
  // after three it stops relying on builtins: pyframe swaps __import__ only when it must.
  const counters = "__import__('_testinternalcapi').get_rare_event_counters()['builtin_dict']";
  if (!python.eval("__import__('sys').version_info >= (3, 13)")) return;
  if (!python.eval("__import__('importlib.util').util.find_spec('_testinternalcapi') is not None")) return;
  const fresh = freshAddOne("counted");
  const before = python.eval(counters);
  const sources: string[] = [];
  {
    using _ = new Dynamo(addHundredIn("counted", sources));
    assert.is(fresh.call(1).toJS(), 101);
  }
  assert.is(sources.length, 1);
  assert.is(python.eval(counters), before);
});

test("pyframe's AST first used in a callback under the program's own __import__ loads without it", () => {
  const child = runChild("test/_sandbox_child.ts");
  // Only pyframe's AST bridge joins sys.modules, with the __future__ it imports (through CPython's)
  // unless something imported it before (Debian's 3.13 does, at start-up).
  const [result, asked, changed] = lastJsonLine(child);
  assert.equal([result, asked], [101, []]);
  assert.equal(changed.filter((name: string) => name !== "__future__"), ["_pyframe_ast"]);
});

test("a Python error reaching a callback under the program's own __import__ is told without it", () => {
  const errors: string[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.name !== "unsourced") return;
    try {
      return ast.compile(ast.parse(frame.source), frame);
    } catch (error) {
      if (!(error instanceof PythonError)) throw error;
      errors.push(error.message);
    }
  });
  assert.equal(python.eval("in_sandbox(unsourced, 1)"), [0, [], []]);
  assert.is(errors.length, 1);
  assert.match(errors[0], /OSError/);
});

test("pyframe's own Python keeps its builtins while the program deletes them", () => {
  // Builtins that pyframe's helpers use in reading a frame and compiling its rewrite, and that the
  // standard library they call (inspect, tokenize, linecache, ast) does not, on 3.11 to 3.15.
  // CPython's test_iter deletes iter, which both use (README).
  python.exec(`
import builtins
HELPERS_USE = ("all", "bool", "enumerate", "max", "zip")
def with_builtins_deleted(function, *args):
    saved = {name: builtins.__dict__.pop(name) for name in HELPERS_USE}
    try:
        return function(*args), [name for name in HELPERS_USE if name in dir(builtins)]
    finally:
        builtins.__dict__.update(saved)
def rewritten_without_builtins(x):
    try:
        zip
    except NameError:
        return x + 1
    return "zip was found"
`);
  const sources: string[] = [];
  using _ = new Dynamo(addHundredIn("rewritten_without_builtins", sources));
  // The program's view is its own: its function finds no zip.
  assert.equal(python.eval("with_builtins_deleted(rewritten_without_builtins, 1)"), [101, []]);
  assert.equal(sources.length, 1);
});

test("compiling a rewrite works while the program replaces builtins the standard library's ast helpers use", () => {
  // CPython 3.15's test_builtin replaces builtins.list (and all, any, tuple, set) with lambdas:
  // ast.iter_child_nodes, which pyframe called to place the compiled function, then failed with
  // "isinstance() arg 2 must be a type" inside the program's function.
  python.exec(`
import builtins
REPLACED = ("all", "any", "tuple", "list", "set")
def with_builtins_replaced(function, *args):
    saved = {name: getattr(builtins, name) for name in REPLACED}
    try:
        for name in REPLACED:
            setattr(builtins, name, lambda x, name=name: name)
        return function(*args)
    finally:
        for name, value in saved.items():
            setattr(builtins, name, value)
def rewritten_with_builtins_replaced(x):
    return [x + 1, list("ab")]
`);
  const sources: string[] = [];
  using _ = new Dynamo(addHundredIn("rewritten_with_builtins_replaced", sources));
  assert.equal(python.eval("with_builtins_replaced(rewritten_with_builtins_replaced, 1)"), [101, "list"]);
  assert.equal(python.eval("rewritten_with_builtins_replaced(2)"), [102, ["a", "b"]]);
  assert.equal(sources.length, 1);
});

/** A callback reading the source of the frames of functions named `name`, keeping the type of
 * each error it met in `errors`; it decides nothing. */
function readingSourceOf(name: string, errors: string[]) {
  return (frame: Frame) => {
    if (frame.name !== name) return;
    try {
      void frame.source;
    } catch (error) {
      if (!(error instanceof PythonError)) throw error;
      errors.push(error.type);
    }
  };
}

test("frame.source failing for want of source leaves the frame's objects to Python's collector", () => {
  // CPython's test_module: a module's dict in a cycle with an object of a class defined by exec
  // (no source) must be collected at gc.collect(), not when JS collects the PythonError.
  python.exec(`
import gc, types
def collected_after_exec():
    destroyed = []
    module = types.ModuleType("unsourced_module")
    module.destroyed = destroyed
    exec("class A:\\n    def __init__(self, l):\\n        self.l = l\\n    def __del__(self):\\n        self.l.append(1)\\na = A(destroyed)\\n", module.__dict__)
    del module
    gc.collect()
    return destroyed
`);
  const errors: string[] = [];
  using _ = new Dynamo(readingSourceOf("__init__", errors));
  assert.equal(python.eval("collected_after_exec()"), [1]);
  assert.equal(errors, ["OSError"]);
});

test("frame.source failing inside the program's except block leaves the exception it handles as it was", () => {
  // The OSError saying "no source" is chained to the exception being handled; releasing the
  // frames of that chain took the program's own traceback too (CPython's test_traceback, every
  // function rewritten: os.environ.get, frozen, no source, ran in the block printing the error,
  // which printed its last line only).
  python.exec(`
import io, traceback
def _unsourced_in_except_fails():
    1 / 0
_unsourced_in_except_define = {}
exec("def unsourced_in_except_helper():\\n    return 'helped'\\n", _unsourced_in_except_define)
def unsourced_in_except():
    try:
        _unsourced_in_except_fails()
    except ZeroDivisionError as error:
        helped = _unsourced_in_except_define["unsourced_in_except_helper"]()
        printed = io.StringIO()
        traceback.print_exception(error, file=printed)
        return [helped, error.__traceback__ is not None, printed.getvalue().splitlines()[0]]
`);
  const errors: string[] = [];
  using _ = new Dynamo(readingSourceOf("unsourced_in_except_helper", errors));
  assert.equal(python.eval("unsourced_in_except()"), ["helped", true, "Traceback (most recent call last):"]);
  assert.equal(errors, ["OSError"]);
});

test("a callback asked a few levels below the program's recursion limit reads and rewrites the frame", () => {
  // CPython's test.support.infinite_recursion sets the limit a few levels above the current depth;
  // the callback's Python (reading the source, compiling the rewrite) runs on the same stack.
  python.exec(`
import sys
def with_limit_just_above(function, *args):
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 5)
    try:
        return function(*args), sys.getrecursionlimit() == depth + 5
    finally:
        sys.setrecursionlimit(limit)
`);
  const [result, sources] = throughWrapper("with_limit_just_above", "near_limit");
  assert.equal(result, [101, true]);
  assert.is(sources.length, 1);
});

test("a replacement needing a larger frame than the original runs at every recursion depth", () => {
  const locals = Array.from({ length: 80 }, (_, i) => `v${i}`);
  python.exec(`
def small(n):
    return n

def dive(n):
    return small(n) if n == 0 else dive(n - 1) + small(n)

def large(n):
    ${locals.map((name, i) => `${name} = n + ${i}`).join("\n    ")}
    return (${locals.join(" + ")}) - 80 * n - ${(79 * 80) / 2} + n + 1
`);
  const large = python.eval("large.__code__") as PyObject;
  using _ = new Dynamo((frame) => (frame.name === "small" ? large : undefined));
  // small(n) now returns n + 1: dive(n) sums 1..n plus n + 1 ones. (Any eval-frame function on
  // CPython 3.12 makes every Python call a C call, which its C recursion limit stops near 800.)
  for (const depth of [0, 1, 50, 400, 700]) {
    assert.is(python.eval(`dive(${depth})`), (depth * (depth + 1)) / 2 + depth + 1, `depth ${depth}`);
  }
});

test("endless recursion through replaced frames raises RecursionError, and the hook survives it", () => {
  python.exec("def endless(n):\n    return endless(n + 1) + 1\n");
  using _ = new Dynamo(scaleFunction("endless"));
  assert.throws(
    () => python.eval("endless(0)"),
    (e: unknown) => e instanceof PythonError && e.type === "RecursionError",
  );
  assert.is(python.eval("twice(1)"), 7);
});

test("frames refused by the callback release their arguments (no leak on the error path)", () => {
  python.exec(`
import sys
class Token:
    pass
token = Token()
def refused(value, *rest, key=None, **more):
    return value
def call_refused(times):
    failures = 0
    for _ in range(times):
        try:
            refused(token, token, key=token, other=token)
        except TypeError:
            failures += 1
    return failures
`);
  const before = python.eval("sys.getrefcount(token)");
  {
    // A replacement with other arguments is refused every time (askAgain: asked on every frame).
    using _ = new Dynamo((
      frame,
    ) => (frame.name === "refused" ? askAgain(python.eval("bob.__code__") as PyObject) : undefined));
    assert.is(python.eval("call_refused(500)"), 500);
  }
  {
    using _ = new Dynamo((frame) => {
      if (frame.name === "refused") throw new Error("refused by TypeScript");
    });
    for (let i = 0; i < 50; i++) {
      try {
        python.eval("refused(token, key=token)");
        assert.unreachable("the callback refuses");
      } catch (error) {
        assert.match(String(error), /refused by TypeScript/);
        // The exception's traceback (3.13 lists the refused frame) holds its arguments: let go.
        (error as PythonError).value?.dispose();
      }
    }
  }
  assert.is(python.eval("sys.getrefcount(token)"), before);
});

test("a replacement is held while its decision stands: released when the Dynamo ends or the original code dies", () => {
  python.exec(`
import gc, linecache, weakref
def _make_short_lived():
    # A code object of its own each time, held only by the function (no enclosing code's
    # constants), with its source where inspect finds it.
    source = "def short_lived(x):\\n    return x + 1\\n"
    linecache.cache["<short lived>"] = (len(source), None, source.splitlines(True), "<short lived>")
    namespace = {}
    exec(compile(source, "<short lived>", "exec"), namespace)
    return namespace["short_lived"]
kept = _make_short_lived()
`);
  const entriesBefore = liveEntries();
  const replacements: PyObject[] = [];
  const callback = (frame: Frame) => {
    if (frame.name !== "short_lived") return undefined;
    const code = scaledCode(frame);
    replacements.push(code);
    return code;
  };
  const watchLastReplacement = () => {
    python.import("__main__").set("replacement_ref", python.import("weakref").get("ref").call(replacements.at(-1)!));
    for (const code of replacements.splice(0)) code.dispose();
  };
  {
    using _ = new Dynamo(callback);
    assert.is(python.eval("kept(1)"), 11);
    watchLastReplacement();
    assert.is(liveEntries(), entriesBefore + 1);
    assert.is(python.eval("replacement_ref() is not None"), true, "the cache holds the replacement");
  }
  python.exec("gc.collect()");
  assert.is(liveEntries(), entriesBefore, "disposing the Dynamo released the entry");
  assert.is(python.eval("replacement_ref() is None"), true, "and the replacement code object");
  assert.is(python.eval("kept(1)"), 2);

  // The callback reads only the frame's name: the Frame then keeps no reference to the code.
  python.exec("victim = _make_short_lived()\nvictim_replacement = _pyframe_test_scaled(victim, 10)");
  const replacement = python.eval("victim_replacement") as PyObject;
  using _ = new Dynamo((frame) => (frame.name === "short_lived" ? replacement : undefined));
  assert.is(python.eval("victim(1)"), 11);
  replacements.push(replacement);
  watchLastReplacement();
  assert.is(liveEntries(), entriesBefore + 1);
  python.exec("del victim, victim_replacement\ngc.collect()"); // the function and its original code are gone
  assert.is(liveEntries(), entriesBefore, "the original code's death released the entry");
  assert.is(python.eval("replacement_ref() is None"), true);
});

test("another tool's co_extra slot on the same code object is left as it was", () => {
  python.exec(`
import ctypes
def _c_api(*names):
    for name in names:
        if hasattr(ctypes.pythonapi, name):
            return getattr(ctypes.pythonapi, name)
_request_index = _c_api("PyUnstable_Eval_RequestCodeExtraIndex", "_PyEval_RequestCodeExtraIndex")
_request_index.argtypes, _request_index.restype = [ctypes.c_void_p], ctypes.c_ssize_t
_set_extra = _c_api("PyUnstable_Code_SetExtra", "_PyCode_SetExtra")
_set_extra.argtypes, _set_extra.restype = [ctypes.py_object, ctypes.c_ssize_t, ctypes.c_void_p], ctypes.c_int
_get_extra = _c_api("PyUnstable_Code_GetExtra", "_PyCode_GetExtra")
_get_extra.argtypes, _get_extra.restype = [ctypes.py_object, ctypes.c_ssize_t, ctypes.POINTER(ctypes.c_void_p)], ctypes.c_int
other_tool_index = _request_index(None)

def neighbour(x):
    return x + 1

def other_tool_extra(code):
    value = ctypes.c_void_p()
    assert _get_extra(code, other_tool_index, ctypes.byref(value)) == 0
    return value.value
assert _set_extra(neighbour.__code__, other_tool_index, 0x5eed0) == 0
`);
  assert.ok((python.eval("other_tool_index") as number) >= 3, "pyframe's three slots come first");
  {
    using _ = new Dynamo(scaleFunction("neighbour"));
    for (let i = 0; i < 5; i++) assert.is(python.eval(`neighbour(${i})`), i + 10);
    assert.is(python.eval("other_tool_extra(neighbour.__code__)"), 0x5eed0);
  }
  assert.is(python.eval("neighbour(1)"), 2);
  assert.is(python.eval("other_tool_extra(neighbour.__code__)"), 0x5eed0, "and after the Dynamo ended");
});

test("when the last Dynamo ends, the code objects it decided on lose their co_extra block (3.14+: shareable again)", () => {
  // From 3.14 CPython refuses to share a function whose code has a block with another interpreter
  // ("only basic code objects are supported"): a function a Dynamo had seen stayed unshareable.
  python.exec(`
import sys
def kept_as_is():
    return 1 + 1
def scaled_for_a_while():
    return 1 + 1
def shared_result(function):
    from concurrent import interpreters
    interpreter = interpreters.create()
    try:
        return interpreter.call(function)
    except interpreters.NotShareableError as error:
        return "refused: %s" % error
    finally:
        interpreter.close()
`);
  const hasBlock = (name: string) => {
    using code = python.eval(`${name}.__code__`) as PyObject;
    return load().native.pyframe_code_has_extra(code.pointer) === 1;
  };
  const names = ["kept_as_is", "scaled_for_a_while"];
  assert.equal(names.map(hasBlock), [false, false]);
  const outer = new Dynamo(scaleFunction("scaled_for_a_while"));
  assert.equal(python.eval("[kept_as_is(), scaled_for_a_while()]"), [2, 20]);
  assert.equal(names.map(hasBlock), [true, true]);
  const interpreters = python.eval("sys.version_info >= (3, 14)") as boolean;
  if (interpreters) assert.is(python.eval("shared_result(kept_as_is)"), "refused: func not shareable");
  {
    using _ = new Dynamo(() => undefined);
    assert.equal(python.eval("[kept_as_is(), scaled_for_a_while()]"), [2, 2]);
  }
  assert.equal(names.map(hasBlock), [true, true], "the outer Dynamo's decisions stay while it is open");
  assert.equal(python.eval("[kept_as_is(), scaled_for_a_while()]"), [2, 20]);
  outer.dispose();
  assert.equal(names.map(hasBlock), [false, false]);
  assert.equal(python.eval("[kept_as_is(), scaled_for_a_while()]"), [2, 2]);
  if (interpreters) assert.equal(python.eval("[shared_result(kept_as_is), shared_result(scaled_for_a_while)]"), [2, 2]);
  // The next Dynamo decides again, and pyframe's own code is still not shown to it.
  const seen: string[] = [];
  using _ = new Dynamo((frame) => {
    seen.push(frame.filename);
    return frame.name === "scaled_for_a_while" ? scaleFunction("scaled_for_a_while")(frame) : undefined;
  });
  assert.equal(python.eval("[kept_as_is(), scaled_for_a_while()]"), [2, 20]);
  // Compiling the rewrite ran them (python.eval's "run", ast.compile's "compile_function").
  assert.ok(!seen.some((filename) => ["<pyframe helper>", "<_pyframe_ast>"].includes(filename)), seen.join(", "));
});

test("after another PEP 523 tool's co_extra index, code objects with blocks too short for pyframe's slots run and swap", () => {
  // Only possible where Python runs before pyframe opens: a CPython process loading the library.
  const { install, nativePath } = load();
  const child = spawnSync(install.executable, ["test/_after_others_child.py"], {
    encoding: "utf8",
    env: { ...process.env, PYFRAME_LIB: nativePath },
    timeout: 60_000,
  });
  assert.is(child.status, 0, `the child failed (${child.signal ?? child.status}): ${child.stderr}`);
  assert.is(child.stdout.trim().split("\n").at(-1), "ok");
});

test("in a process forked under a Dynamo, cached decisions hold and JS is never called", () => {
  // Only the forking thread survives a fork, not the JS engine's: calling JS there killed the child.
  python.exec(`
import json, os, warnings

def first_met_in_child(x):
    return x + 1

def forked_results(js_function):
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() in a multi-threaded process
        pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            results = [bob(), first_met_in_child(1)]
            try:
                js_function()
            except RuntimeError as error:
                results.append(str(error))
            os.write(writer, json.dumps(results).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        output = pipe.read()
    return [output, os.waitpid(pid, 0)[1]]
`);
  let jsCalls = 0;
  using jsFunction = python.callable(() => void jsCalls++);
  const asked: string[] = [];
  using _ = new Dynamo((frame) => {
    asked.push(frame.name);
    return scaleFunction("bob")(frame);
  });
  assert.is(python.eval("bob()"), 30, "the decision for bob is cached before the fork");
  using forkedResults = python.import("__main__").get("forked_results");
  const [output, status] = forkedResults.call(jsFunction).toJS() as [string, number];
  assert.is(status, 0, "the child exited normally");
  const [bobInChild, firstMet, jsError] = JSON.parse(output);
  assert.is(bobInChild, 30, "a cached replacement runs in the child");
  assert.is(firstMet, 2, "code first met in the child runs as it is");
  assert.match(jsError, /cannot be called in a process forked from the JS host/);
  assert.is(jsCalls, 0);
  assert.not.ok(asked.includes("first_met_in_child"), "the parent's callback never heard of it");
  assert.is(python.eval("first_met_in_child(1)"), 2);
  assert.ok(asked.includes("first_met_in_child"), "the parent still asks JS");
});

test("a callback that disposes its own Dynamo runs its answer in that frame and leaves nothing cached", () => {
  python.exec(`
def self_disposing(x):
    return x + 1
self_disposing_code = self_disposing.__code__
`);
  const entriesBefore = liveEntries();
  for (const answer of ["replacement", "patch"] as const) {
    const dynamo: Dynamo = new Dynamo((frame) => {
      if (frame.name !== "self_disposing") return;
      dynamo.dispose();
      return answer === "patch" ? patch(scaledCode(frame)) : scaledCode(frame);
    });
    assert.is(python.eval("self_disposing(1)"), 11, `${answer}: the frame at hand runs the answer`);
    assert.is(dynamo.active, false);
    assert.is(python.eval("self_disposing(1)"), 2, `${answer}: later calls run the original`);
    assert.ok(python.eval("self_disposing.__code__ is self_disposing_code"), `${answer}: the function keeps its code`);
    assert.is(liveEntries(), entriesBefore, `${answer}: no replacement held for the disposed Dynamo`);
  }
});

test("a Dynamo disposed while its replacement runs: the running frame finishes, later calls run the original", () => {
  python.exec(`
import gc
def midway(hook, n):
    before = n + 1
    hook()  # JS disposes the Dynamo here: the cache lets go of this very replacement
    gc.collect()
    return before + n + 2
`);
  let dynamo: Dynamo | undefined = new Dynamo((frame) => frame.name === "midway" ? scaledCode(frame) : undefined);
  let calls = 0;
  const hook = () => {
    // The second call runs the cached replacement (the hot path's swap), and ends the Dynamo.
    if (++calls < 2) return;
    dynamo?.dispose();
    dynamo = undefined;
  };
  using callback = python.toPython(hook) as PyObject;
  using midway = python.eval("midway") as PyObject;
  // Scaled: (n + 10) + n + 20; the frame keeps running its replacement after the release.
  assert.is(midway.call(callback, 1).toJS(), 32);
  assert.is(midway.call(callback, 1).toJS(), 32);
  assert.is(dynamo, undefined);
  assert.is(midway.call(callback, 1).toJS(), 5, "the original runs once the Dynamo is gone");
});

test.run();
