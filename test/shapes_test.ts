// Every shape of Python function runs rewritten code correctly: each case is evaluated without a
// Dynamo, under an identity rewrite of every function in the module (same result), and under a
// visible rewrite that multiplies integer constants by ten (the expected rewritten result).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ast, Dynamo, type Frame, patch, python, PythonError } from "../mod.ts";
import { load } from "../src/ffi/mod.ts";
import { FUTURE_FILENAME } from "./_future_annotations.ts";
import { ScaleIntegers } from "./_scale_integers.ts";

const FILENAME = "shapes_module.py";

python.exec(
  `
import asyncio, contextlib, functools, types

def posonly(a, b, /, c=1):
    return [a, b, c, 1]

def keywords(a, *, b, c=2, **rest):
    return [a, b, c, sorted(rest.items()), 2]

def varargs(*args, **kwargs):
    return [list(args), sorted(kwargs.items()), 3]

def make_counter(start):
    count = start
    def increment(step=1):
        nonlocal count
        count += step * 1
        return count
    return increment

def captured_argument(x):
    def read():
        return x + 1
    return read()

class Base:
    def describe(self):
        return ["base", 1]

class Child(Base):
    factor = 1
    def __init__(self, value):
        self.value = value
    def describe(self):
        return super().describe() + ["child", self.value + 1]
    @classmethod
    def build(cls, value):
        return cls(value + 1)
    @staticmethod
    def helper(x):
        return x + 1
    @property
    def doubled(self):
        return self.value * 2 + 1

square = lambda x: x * x + 1

# Lambdas whose lines do not parse alone: part of a multi-line expression.
def continued_lambda(items):
    return list(map(str,
                    map(lambda v: v + 1, items)))

def two_lambdas_on_a_line(x):
    first, second = (
        lambda v: v + 1, lambda v: v + 2)
    return [first(x), second(x)]

def multiline_lambda_body(x):
    apply = lambda f: f(x)
    return apply(
        lambda v: (v *
                   2))

def lambda_at_column_0(x):
    return list(map(
lambda v: v + 1, [x]))

# A lambda whose first line parses alone, as a shorter lambda: its body goes on below.
def lambda_body_below(x):
    pick = (
        lambda v: v + 1
        if v > 0 else -1
    )
    return [pick(x), pick(-x)]

def outer_function(x):
    def inner(y):
        return x + y + 1
    return inner(1)

def trace_calls(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return ["wrapped", function(*args, **kwargs), 1]
    return wrapper

@trace_calls
def decorated(x):
    return x + 1

def factorial(n):
    return 1 if n <= 1 else n * factorial(n - 1)

def numbers(limit):
    received = []
    try:
        for i in range(limit):
            got = yield i + 1
            if got is not None:
                received.append(got)
    finally:
        received.append("closed")
    return received

def drive_generator():
    gen = numbers(3)
    out = [next(gen), gen.send(5), next(gen)]
    try:
        gen.throw(ValueError("stop"))
    except ValueError as error:
        out.append(str(error))
    gen.close()
    return out

def closing_generator():
    gen = numbers(5)
    first = next(gen)
    gen.close()
    return [first, gen.gi_frame is None]

async def slow_add(a, b):
    await asyncio.sleep(0)
    return a + b + 1

async def gather_adds():
    return list(await asyncio.gather(slow_add(1, 2), slow_add(3, 4)))

def run_coroutines():
    return asyncio.run(gather_adds())

async def countdown(n):
    while n > 0:
        yield n
        n -= 1

async def collect_countdown():
    return [i async for i in countdown(3)]

def run_async_generator():
    return asyncio.run(collect_countdown())

def comprehensions(n):
    squares = [i * i + 1 for i in range(n)]
    evens = {i: i % 2 for i in range(n)}
    total = sum(i + 1 for i in range(n))
    return [squares, sorted(evens.items()), total]

def raises(x):
    if x > 1:
        raise ValueError("too big: %d" % x)
    return x

exit_log = []

class Tracked:
    def __enter__(self):
        exit_log.append("enter")
        return self
    def __exit__(self, *exc):
        exit_log.append("exit")
        return False

def with_and_finally(fail):
    del exit_log[:]
    try:
        with Tracked():
            if fail:
                raise KeyError(1)
            exit_log.append("body")
    finally:
        exit_log.append("finally")
    return list(exit_log)

# Two constant lambdas on a line (3.12 gives them no column): told apart by their constants,
# which compare equal (0j == -0j) unless the sign of zero counts.
zero_pair = (lambda: 0.0j, lambda: -0.0j)

def signed_zeros():
    first, second = zero_pair
    return [repr(first()), repr(second()), 1]

class Texts:
    def lines(self, n):
        text = """a
    b
        c"""
        joined = 'k\
   m'
        return [text, joined, n + 1]

class Named(Base):
    def who(self):
        return [super().describe(), Named.__name__, 1]

@types.coroutine
def legacy_step(n):
    yield
    return n + 1

async def use_legacy(n):
    return await legacy_step(n)

def run_legacy():
    coroutine = use_legacy(2)
    try:
        while True:
            coroutine.send(None)
    except StopIteration as stop:
        return stop.value

# Private names in lambdas whose scope passes through a generator expression, another lambda
# or (3.11) a comprehension: mangled with the method's class all the same.
class Private:
    def __init__(self):
        self.__secret = 1
    def through_generator(self):
        return list((lambda: self.__secret + 1)() for _ in (None,))
    def through_lambda(self):
        return (lambda: (lambda: self.__secret + 2)())()
    def through_comprehension(self):
        return [(lambda: self.__secret + 3)() for _ in (None,)]

def with_and_finally_failing():
    try:
        with_and_finally(True)
    except KeyError:
        pass
    return list(exit_log)
`,
  { filename: FILENAME },
);

// Shapes needing a module of their own: compiled under `from __future__ import annotations`
// (_future_annotations.ts), and with type parameters (3.12+, where they parse).
const GENERIC_FILENAME = "shapes_generic_module.py";
const hasTypeParameters = python.eval("__import__('sys').version_info >= (3, 12)") as boolean;
if (hasTypeParameters) {
  python.exec(
    `
def first[T](items: list[T]) -> T:
    return [items[0], T.__name__, 1]

class Box[T]:
    def __init__(self, value: T):
        self.value = value
    def get(self) -> T:
        return [self.value, T.__name__, __class__.__name__, 1]
`,
    { filename: GENERIC_FILENAME },
  );
}
const rewrittenFiles = new Set([FILENAME, FUTURE_FILENAME, GENERIC_FILENAME]);

/**
 * Functions and lambdas of the shapes module; frames of other code (comprehensions on 3.11,
 * annotations on 3.14) run unchanged. With
 * `patching`, function code is patch()ed into its function (class bodies are replaced as usual).
 */
function rewriter(transform: (tree: ast.Module) => ast.Module, replaced: Set<string>, patching = false) {
  return (frame: Frame) => {
    if (!rewrittenFiles.has(frame.filename) || !frame.isFunction) return;
    replaced.add(frame.qualname);
    const code = ast.compile(transform(ast.parse(frame.source)), frame);
    return patching && isFunctionCode(frame) ? patch(code) : code;
  };
}

/** Function code (CO_OPTIMIZED), not the module or class-body code patch() refuses. */
function isFunctionCode(frame: Frame): boolean {
  using flags = frame.code.get("co_flags");
  return ((flags.toJS() as number) & 0x1) !== 0;
}

const identity = (tree: ast.Module) => tree;
const scale = (tree: ast.Module) => new ScaleIntegers().visit(tree) as ast.Module;

const cases: [expression: string, outside: unknown, scaled: unknown][] = [
  ["posonly(1, 2)", [1, 2, 1, 1], [1, 2, 1, 10]],
  ["keywords(1, b=2, z=3)", [1, 2, 2, [["z", 3]], 2], [1, 2, 2, [["z", 3]], 20]],
  ["varargs(1, 2, k=3)", [[1, 2], [["k", 3]], 3], [[1, 2], [["k", 3]], 30]],
  ["[make_counter(5)(), make_counter(5)(2)]", [6, 7], [105, 25]], // the default step=1 is rewritten too
  ["captured_argument(4)", 5, 14],
  ["Child(3).describe()", ["base", 1, "child", 4], ["base", 10, "child", 13]],
  ["[Child.build(1).value, Child.helper(1), Child(4).doubled]", [2, 2, 9], [11, 11, 90]],
  ["square(3)", 10, 19],
  ["continued_lambda([1, 2])", ["2", "3"], ["11", "12"]],
  ["two_lambdas_on_a_line(0)", [1, 2], [10, 20]],
  ["multiline_lambda_body(3)", 6, 60],
  ["lambda_at_column_0(1)", [2], [11]],
  ["lambda_body_below(3)", [4, -1], [13, -10]],
  ["outer_function(2)", 4, 22],
  ["decorated(1)", ["wrapped", 2, 1], ["wrapped", 11, 10]],
  ["factorial(5)", 120, 10], // 10 if n <= 10
  ["drive_generator()", [1, 2, 3, "stop"], [10, 11, 12, "stop"]],
  ["closing_generator()", [1, true], [10, true]],
  ["run_coroutines()", [4, 8], [40, 80]],
  ["run_async_generator()", [3, 2, 1], [30, 20, 10]],
  ["comprehensions(3)", [[1, 2, 5], [[0, 0], [1, 1], [2, 0]], 6], [[10, 11, 14], [[0, 0], [1, 1], [2, 2]], 33]],
  // Lines inside multi-line strings keep their spaces when the method's source is dedented.
  ["Texts().lines(1)", ["a\n    b\n        c", "k   m", 2], ["a\n    b\n        c", "k   m", 11]],
  // super() and the class's own name: __class__ is the class's cell, Named the module's global.
  ["Named().who()", [["base", 1], "Named", 1], [["base", 10], "Named", 10]],
  // A generator @types.coroutine flagged as a coroutine (the rewrite drops decorators).
  ["run_legacy()", 3, 30],
  ["signed_zeros()", ["0j", "(-0-0j)", 1], ["0j", "(-0-0j)", 10]],
  [
    "[Private().through_generator(), Private().through_lambda(), Private().through_comprehension()]",
    [[2], 3, [4]],
    [[20], 30, [40]],
  ],
  ["with_and_finally(False)", ["enter", "body", "exit", "finally"], ["enter", "body", "exit", "finally"]],
  ["with_and_finally_failing()", ["enter", "exit", "finally"], ["enter", "exit", "finally"]],
  // A nested def's annotations name what only type checkers import: they must stay strings.
  ["annotated_inside(1)", ["Decimal", 2], ["Decimal", 11]],
  ...(hasTypeParameters
    ? [
      ["first([5])", [5, "T", 1], [5, "T", 10]],
      ["Box(2).get()", [2, "T", "Box", 1], [2, "T", "Box", 10]],
    ] as typeof cases
    : []),
];

/**
 * Replacement code normally runs in the frame CPython pushed; when that frame cannot grow on the
 * data stack, pyframe calls a copy of the function instead; a patch()ed function's later frames
 * are CPython's own. Every way must give the same results.
 */
const ways = [
  { way: "in place", forceCall: 0, patching: false },
  { way: "by call (the fallback for a full data stack)", forceCall: 1, patching: false },
  { way: "patched into the function", forceCall: 0, patching: true },
] as const;

for (const { way, forceCall, patching } of ways) {
  for (const [expression, outside, scaled] of cases) {
    test(`${expression}, ${way}: same under identity, rewritten under scaling`, () => {
      assert.equal(python.eval(expression), outside, "without a Dynamo");
      load().native.pyframe_test_force_call_fallback(forceCall);
      try {
        const replaced = new Set<string>();
        {
          using _ = new Dynamo(rewriter(identity, replaced, patching));
          assert.equal(python.eval(expression), outside, "identity rewrite");
          assert.equal(python.eval(expression), outside, "identity rewrite, cached");
        }
        assert.ok(replaced.size > 0, "no frame was replaced");
        {
          using _ = new Dynamo(rewriter(scale, new Set(), patching));
          assert.equal(python.eval(expression), scaled, "scaled rewrite");
          assert.equal(python.eval(expression), scaled, "scaled rewrite, cached");
        }
      } finally {
        load().native.pyframe_test_force_call_fallback(0);
      }
      assert.equal(python.eval(expression), outside, "after the Dynamo");
    });
  }
}

test("a lambda inside a multi-line expression: frame.source is the lambda alone, in its columns", () => {
  const sources: [line: number, source: string][] = [];
  {
    using _ = new Dynamo((frame) => {
      if (frame.filename === FILENAME && frame.name === "<lambda>") sources.push([frame.firstLineNo, frame.source]);
    });
    python.eval("[two_lambdas_on_a_line(0), multiline_lambda_body(3), lambda_at_column_0(1), lambda_body_below(1)]");
  }
  const line = (expression: string) => python.eval(expression) as number;
  const at = (first: number) => sources.filter(([lineNo]) => lineNo === first).map(([, source]) => source);
  // Two lambdas on one line: each frame gets its own, told apart by where its body is.
  const pair = at(line("two_lambdas_on_a_line.__code__.co_firstlineno + 2"));
  assert.equal(pair, ["(       lambda v: v + 1)\n", "(                        lambda v: v + 2)\n"]);
  const columns = pair.map((source) => (ast.parse(source).body[0] as ast.Expr).value.col_offset);
  assert.equal(columns, [8, 25], "the file's columns");
  const body = at(line("multiline_lambda_body.__code__.co_firstlineno + 3"));
  assert.equal(body, ["(       lambda v: (v *\n                   2))\n"]);
  // At column 0 there is no room for "(": the lambda alone, where it parses so.
  assert.equal(at(line("lambda_at_column_0.__code__.co_firstlineno + 2")), ["lambda v: v + 1\n"]);
  // A lambda whose first line parses alone but whose body goes on: not cut short there.
  const below = at(line("lambda_body_below.__code__.co_firstlineno + 2"));
  assert.equal(below, ["(       lambda v: v + 1\n        if v > 0 else -1)\n"]);
  // A lambda whose line parses alone keeps inspect's text.
  assert.equal(at(line("multiline_lambda_body.__code__.co_firstlineno + 1")), ["apply = lambda f: f(x)\n"]);
});

test("a lambda's text follows its file when the file is given again under the same name", () => {
  const seen: string[] = [];
  using _ = new Dynamo((frame) => {
    if (frame.filename === "relambda.py" && frame.name === "<lambda>") seen.push(frame.source);
  });
  // The second file moves the lambda: a tree kept from the first would cut the wrong text.
  for (const [indent, constant] of [["    ", 1], ["        ", 2]]) {
    python.exec(`def twice(x):\n    return list(map(str,\n${indent}map(lambda v: v + ${constant}, [x])))\n`, {
      filename: "relambda.py",
    });
    python.eval("twice(1)");
  }
  assert.equal(seen, ["(       lambda v: v + 1)\n", "(           lambda v: v + 2)\n"]);
});

test("by call (a full data stack's fallback), a replacement keeps the frame's locals, builtins and traceback", () => {
  python.exec(`
import sys, traceback, types
def _t_traced(fail):
    if fail:
        raise ValueError("x")
    return [(f.name, f.lineno) for f in traceback.extract_stack(sys._getframe())][-2:]
def _t_through(fail):
    try:
        return _t_traced(fail)
    except ValueError as e:
        return [(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__)]
# A function made where builtins are custom, with globals lacking __builtins__: it keeps those builtins.
_t_own_builtins = {"__builtins__": {"FT": types.FunctionType, "len": lambda x: 42}}
_t_own_builtins["code"] = compile("def uses_len():\\n    return len([1, 2])", "<bc>", "exec").co_consts[0]
exec("uses_len = FT(code, {})", _t_own_builtins)
_t_grow = lambda code: code.replace(co_stacksize=code.co_stacksize + 600)  # same code, a larger frame
def _t_by_call_cases():
    body_globals, body_locals = {}, {}
    exec(compile("class K:\\n    a = 1\\n    def m(self):\\n        return super().__repr__ and self.a\\n", "<bc>", "exec"), body_globals, body_locals)
    module_globals, module_locals = {}, {}
    exec(compile("x = 5", "<bc>", "exec"), module_globals, module_locals)
    K = body_locals["K"]
    return [
        [K.a, K().m(), "a" in body_globals, "K" in body_globals],
        [module_locals.get("x"), "x" in module_globals],
        _t_own_builtins["uses_len"](),
        _t_through(False),
        _t_through(True),
    ]
`);
  const outside = python.eval("_t_by_call_cases()");
  assert.equal((outside as unknown[]).slice(0, 3), [[1, 1, false, false], [5, false], 42]);
  // A copy of the function ran the replacement: a class body's namespace went to the module's
  // globals (K came out empty), so did exec's separate locals; the copy took the caller's builtins;
  // on 3.13 the traceback showed the discarded frame too.
  using grow = python.import("__main__").get("_t_grow");
  load().native.pyframe_test_force_call_fallback(1);
  try {
    using _ = new Dynamo((frame) =>
      frame.filename === "<bc>" || frame.name === "_t_traced" ? grow.call(frame.code) : undefined
    );
    assert.equal(python.eval("_t_by_call_cases()"), outside);
  } finally {
    load().native.pyframe_test_force_call_fallback(0);
  }
});

test("an exception through a replaced frame names the original file and the rewritten code's lines", () => {
  using _ = new Dynamo(rewriter(scale, new Set()));
  try {
    python.eval("raises(20)"); // rewritten: raises when x > 10
    assert.unreachable("raises(20) should raise");
  } catch (error) {
    assert.instance(error, PythonError);
    const e = error as PythonError;
    assert.is(e.pythonMessage, "too big: 20");
    const line = python.eval("raises.__code__.co_firstlineno + 2");
    assert.match(e.traceback, new RegExp(`File "${FILENAME}", line ${line}, in raises`));
  }
  // The original raises for 5; the rewritten comparison is x > 10.
  assert.is(python.eval("raises(5)"), 5);
});

test.run();
