// src/ast: typed nodes, the Python bridge, visitors, location helpers and compile, checked against
// Python's own `ast` on the running interpreter.
import { inspect } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ast from "../src/ast/mod.ts";
import { kw, PyObject, python, PythonError, takeError } from "../src/python/mod.ts";
import { load, runtime } from "../src/ffi/mod.ts";
import { HELD_NODES_MAX, heldNodeCount, SESSION, type Traced } from "../src/ast/_session.ts";
import { lastJsonLine, runChild } from "./_child.ts";
import "./_future_annotations.ts";

const pyAst = python.import("ast");
const minor = Number(python.version.split(".")[1]);
/** How Python's ast.dump shows a Load context: from 3.15 not at all, as the default it is. */
const loadContext = (annotated: boolean) => minor >= 15 ? "" : annotated ? ", ctx=Load()" : ", Load()";

/** Python's `ast.dump(ast.parse(source), include_attributes=True)`. */
function pythonDump(source: string): string {
  using tree = pyAst.get("parse").call(source);
  return pyAst.get("dump").call(tree, kw({ include_attributes: true })).toString();
}

/** The expression of a one-line source, as a TypeScript node. */
function expression(source: string): ast.expr {
  return ast.parse(source, { mode: "eval" }).body;
}

/**
 * `repr()` of the value Python gets for a Constant built anew from this one's fields (a parsed
 * node would otherwise be handed back as Python's own original, untouched).
 */
function pythonRepr(node: ast.Constant): string {
  using tree = ast.toPython(new ast.Constant({ value: node.value, kind: node.kind, isFloat: node.isFloat }));
  return tree.get("value").repr();
}

class ScaleConstants extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
}

// ---------------------------------------------------------------------------------------------
// Constants cross the bridge exactly

test("int and float stay apart: 1 vs 1.0", () => {
  const one = expression("1") as ast.Constant, oneFloat = expression("1.0") as ast.Constant;
  assert.is(one.value, 1);
  assert.is(one.isFloat, false);
  assert.is(oneFloat.value, 1);
  assert.is(oneFloat.isFloat, true);
  assert.is(pythonRepr(one), "1");
  assert.is(pythonRepr(oneFloat), "1.0");
});

test("the seed's scaling gives int 10 for 1 and float 25.0 for 2.5", () => {
  const tree = new ScaleConstants().visit(ast.parse("1\n2.5\n1.0\n"));
  const reprs = tree.body.map((statement) => pythonRepr((statement as ast.Expr).value as ast.Constant));
  assert.equal(reprs, ["10", "25.0", "10.0"]);
});

test("a non-integral number goes back as a float even when Python had an int", () => {
  const node = expression("3") as ast.Constant;
  node.value = (node.value as number) / 2;
  assert.is(pythonRepr(node), "1.5");
});

test("ints beyond 2^53 are bigints, both ways, exact", () => {
  const big = expression(String(2n ** 100n)) as ast.Constant;
  assert.is(big.value, 2n ** 100n);
  assert.is(pythonRepr(big), String(2n ** 100n));
  const negative = new ast.Constant({ value: -(2n ** 70n) - 1n });
  assert.is(pythonRepr(negative), String(-(2n ** 70n) - 1n));
  assert.is(
    pythonRepr(new ast.Constant({ value: 2 ** 60 })),
    String(2n ** 60n),
    "an unsafe integral number goes back as an int",
  );
});

test("ints too long for Python's decimal conversion limit still cross (hex on the wire)", () => {
  const huge = 7n ** 20000n;
  using tree = ast.toPython(new ast.Constant({ value: huge }));
  const back = ast.fromPython(tree) as ast.Constant;
  assert.is(back.value, huge);
});

test("complex, bytes, str, Ellipsis, None, True, False, kind", () => {
  const tree = ast.parse(`1j\nb"\\x00\\xff"\n"é😀"\n...\nNone\nTrue\nFalse\nu"x"\n"y"\n2.5j\n`);
  const values = tree.body.map((statement) => ((statement as ast.Expr).value as ast.Constant));
  assert.equal(values[0].value, new ast.Complex(0, 1));
  assert.equal(values[1].value, new Uint8Array([0, 255]));
  assert.is(values[2].value, "é😀");
  assert.is(values[3].value, ast.Ellipsis);
  assert.is(values[4].value, null);
  assert.is(values[5].value, true);
  assert.is(values[6].value, false);
  assert.is(values[7].kind, "u");
  assert.is(values[8].kind, null);
  assert.equal(values.map(pythonRepr), [
    "1j",
    "b'\\x00\\xff'",
    "'é😀'",
    "Ellipsis",
    "None",
    "True",
    "False",
    "'x'",
    "'y'",
    "2.5j",
  ]);
});

test("f-strings keep their parts, conversions and format specs", () => {
  const source = `f"a{x!r:>{width}.{2}f}b{y=}{z!s}"\n`;
  const joined = (ast.parse(source).body[0] as ast.Expr).value as ast.JoinedStr;
  assert.instance(joined, ast.JoinedStr);
  const formatted = joined.values.filter((value) => value instanceof ast.FormattedValue) as ast.FormattedValue[];
  assert.equal(formatted.map((value) => value.conversion), [114, 114, 115]);
  assert.is(ast.dump(ast.parse(source), { includeAttributes: true }), pythonDump(source));
  assert.is(
    ast.unparse(ast.parse(source)),
    python.eval(`__import__("ast").unparse(__import__("ast").parse(${JSON.stringify(source)}))`),
  );
});

test("inf, nan and -0.0 floats survive", () => {
  const values = [Infinity, -Infinity, NaN, -0].map((value) => pythonRepr(new ast.Constant({ value, isFloat: true })));
  assert.equal(values, ["inf", "-inf", "nan", "-0.0"]);
  const parsed = expression("1e999") as ast.Constant;
  assert.is(parsed.value, Infinity);
  const tree = ast.parse("x = 0.0\ny = 5.0\n");
  ((tree.body[0] as ast.Assign).value as ast.Constant).value = -0;
  ((tree.body[1] as ast.Assign).value as ast.Constant).value = NaN;
  assert.match(ast.dump(tree), /Constant\(value=-0\.0\).*Constant\(value=nan\)/, "changes of a parsed tree too");
});

test("lone surrogates survive a round trip", () => {
  const node = expression(`"a\\ud800b"`) as ast.Constant;
  assert.is(node.value, "a\ud800b");
  assert.is(pythonRepr(node), "'a\\ud800b'");
});

test("a str with a surrogate pair as two code points stays apart from the astral character", () => {
  const pair = expression(`"<\\ud800\\udc00>"`) as ast.Constant, astral = expression(`"<\\U00010000>"`) as ast.Constant;
  assert.instance(pair.value, ast.CodePoints);
  assert.equal((pair.value as ast.CodePoints).points, [0x3c, 0xd800, 0xdc00, 0x3e]);
  assert.is(astral.value, "<\u{10000}>");
  assert.is(pythonRepr(pair), "'<\\ud800\\udc00>'");
  assert.is(pythonRepr(astral), "'<\u{10000}>'");
});

test("tuple and frozenset constants (from constant folding) round trip", () => {
  python.exec("import ast as _t_ast\n_t_constant = _t_ast.Constant((1, 2.0, frozenset({3}), ...))\n");
  using pyTree = python.import("__main__").get("_t_constant");
  const node = ast.fromPython(pyTree) as ast.Constant;
  assert.instance(node.value, ast.ConstantTuple);
  const elements = (node.value as ast.ConstantTuple).elements;
  assert.equal(elements.map((e) => [e.value instanceof ast.ConstantFrozenSet ? "set" : e.value, e.isFloat]), [
    [1, false],
    [2, true],
    ["set", false],
    [ast.Ellipsis, false],
  ]);
  assert.is(pythonRepr(node), "(1, 2.0, frozenset({3}), Ellipsis)");
});

// ---------------------------------------------------------------------------------------------
// Trees: dump, unparse, parse options

const sources = [
  "x = 1 + 2.0 * y\n",
  `@decorator(1)\nasync def f(a, /, b: int = 2, *args, c, d=None, **kw) -> "r":\n    """doc"""\n    async with x as (y, z):\n        await g(*args, **kw)\n    return [i async for i in y if i] or {**kw, 'k': 1}\n`,
  "class C(B, metaclass=M):\n    def m(self):\n        return super().m(), lambda q=1: q, (w := 3), f'{w!r:>{10}} é'\n",
  "try:\n    pass\nexcept* (ValueError, TypeError) as e:\n    raise\nelse:\n    del a[1:2, ::3]\nfinally:\n    global g\n",
  "match p:\n    case [1, *rest] | {'k': 2, **kw} if rest:\n        pass\n    case Point(x=0, y=_) as pt:\n        pass\n    case None:\n        pass\n",
  "import a.b as c\nfrom . import d\nfor i, j in zip(x, y):\n    continue\nelse:\n    assert i, 'msg'\nwhile not x < y <= z is not w:\n    break\n",
];
if (minor >= 12) sources.push("type Alias[T: int] = list[T]\ndef g[**P, *Ts](x: T) -> T:\n    return x\n");

test("dump matches Python's ast.dump(include_attributes=True)", () => {
  for (const source of sources) {
    assert.is(ast.dump(ast.parse(source), { includeAttributes: true }), pythonDump(source), source);
  }
});

test("dump options: annotateFields, indent", () => {
  const tree = ast.parse("x", { mode: "eval" });
  assert.is(ast.dump(tree, { annotateFields: false }), `Expression(Name('x'${loadContext(false)}))`);
  assert.is(ast.dump(tree, { indent: 2 }), `Expression(\n  body=Name(id='x'${loadContext(true)}))`);
});

test("DictComp.value may be null from Python 3.15 ({**d for d in ds}) and is required before, saying so", () => {
  const comprehension = () =>
    new ast.comprehension({
      target: new ast.Name({ id: "d", ctx: new ast.Store() }),
      iter: new ast.Name({ id: "ds", ctx: new ast.Load() }),
      is_async: 0,
    });
  const unpacking = (value?: null) =>
    new ast.Expression({
      body: new ast.DictComp({
        key: new ast.Name({ id: "d", ctx: new ast.Load() }),
        value,
        generators: [comprehension()],
      }),
    });
  if (minor >= 15) {
    const parsed = ast.parse("{**d for d in ds}", { mode: "eval" });
    assert.is((parsed.body as ast.DictComp).value, null);
    using code = ast.compile(unpacking(null));
    using namespace = python.toPython({ ds: [{ a: 1 }, { b: 2 }] });
    assert.equal(python.builtins.get("eval").call(code, namespace).toJS(), new Map([["a", 1], ["b", 2]]));
    return;
  }
  // Omitted, it is null, as any optional field.
  const required = `pyframe: ast.DictComp.value is required in Python 3.${minor} (it may be None from Python 3.15): ` +
    "expected an ast.expr node, found null; give it one";
  throwsExactly(() => ast.compile(unpacking()), required);
  throwsExactly(() => ast.compile(unpacking(null)), required);
});

test("lazy imports (Python 3.15): is_lazy round-trips and compiles to a lazy import; older Pythons refuse it", () => {
  const lazyColorsys = () => new ast.Import({ names: [new ast.alias({ name: "colorsys" })], is_lazy: 1 });
  if (minor < 15) {
    throwsExactly(
      () => ast.toPython(ast.fixMissingLocations(new ast.Module({ body: [lazyColorsys()] }))),
      `pyframe: ast.Import.is_lazy needs Python 3.15 or newer, but the running Python is 3.${minor}; leave it empty (null or [])`,
    );
    return;
  }
  const source = "lazy import json\nlazy from os import path\nimport sys\n";
  const tree = ast.parse(source);
  assert.equal(tree.body.map((statement) => (statement as ast.Import | ast.ImportFrom).is_lazy), [1, 1, 0]);
  assert.is(ast.dump(tree), pyAst.get("dump").call(pyAst.get("parse").call(source)).toJS());
  assert.is(ast.unparse(tree), "lazy import json\nlazy from os import path\nimport sys");
  // Built in TypeScript: the module is loaded at its first use, not at the import.
  const program = ast.fixMissingLocations(
    new ast.Module({
      body: [
        lazyColorsys(),
        ...ast.parse('import sys\nbefore = "colorsys" in sys.modules\ncolorsys.hls_to_rgb(0, 0, 0)\n').body,
      ],
    }),
  );
  python.exec("import sys; sys.modules.pop('colorsys', None)");
  using code = ast.compile(program);
  using namespace = python.toPython({});
  python.builtins.get("exec").call(code, namespace).dispose();
  assert.is(namespace.item("before").toJS(), false, "colorsys was loaded at the import");
  assert.is(python.eval("'colorsys' in __import__('sys').modules"), true, "colorsys was not loaded at its first use");
});

test("dump showEmpty needs Python 3.13", () => {
  const tree = ast.parse("pass");
  if (minor >= 13) assert.match(ast.dump(tree, { showEmpty: true }), "type_ignores=[]");
  else assert.throws(() => ast.dump(tree, { showEmpty: true }), /showEmpty needs Python 3\.13 or newer, found 3\.1\d/);
});

test("unparse goes through Python's ast.unparse", () => {
  assert.is(ast.unparse(ast.parse("x  =  (1 +2)")), "x = 1 + 2");
});

test("parse modes and options", () => {
  assert.instance(ast.parse("x", { mode: "eval" }), ast.Expression);
  assert.instance(ast.parse("x = 1", { mode: "single" }), ast.Interactive);
  const signature = ast.parse("(int, str) -> bool", { mode: "func_type" });
  assert.instance(signature, ast.FunctionType);
  assert.is(signature.argtypes.length, 2);
  const typed = ast.parse("x = []  # type: list[int]\n", { typeComments: true });
  assert.is((typed.body[0] as ast.Assign).type_comment, "list[int]");
  assert.throws(
    () => ast.parse("match = 1\nmatch x:\n    case 1: pass\n", { featureVersion: [3, 9] }),
    (error: unknown) => error instanceof ast.ParseError,
  );
  assert.instance(ast.parse("match = 1\nmatch x:\n    case 1: pass\n", { featureVersion: 10 }).body[1], ast.Match);
});

test("misspelt or mistyped options and arguments of the ast functions are clear TypeErrors", () => {
  const tree = ast.parse("x = 1");
  const cases: [() => unknown, RegExp][] = [
    // Each was ignored (a misspelt option, a string where a boolean goes) or failed with an error
    // from deep inside naming neither the call nor what to pass.
    [
      () => ast.parse("x", { type_comments: true } as never),
      /ast\.parse\(source, options\) has no option "type_comments"; its options are filename, mode, typeComments, featureVersion$/,
    ],
    [
      () => ast.parse("x", { typeComments: "no" as never }),
      /ast\.parse's typeComments option is true or false, got string$/,
    ],
    [() => ast.parse("x", null as never), /ast\.parse\(source, options\) takes an options object .*, got null$/],
    [
      () => ast.compile(tree, { fileName: "a.py" } as never),
      /ast\.compile\(tree, options\) has no option "fileName"; its options are filename, mode, optimize$/,
    ],
    [
      () => ast.compile(tree, "a.py" as never),
      /ast\.compile\(tree, target\) takes options \(\{ filename, mode, optimize \}\) or a frame, got string "a\.py"$/,
    ],
    [() => ast.compile(tree, null as never), /ast\.compile\(tree, target\) takes options .* or a frame, got null$/],
    [() => ast.dump(tree, { indnet: 2 } as never), /ast\.dump\(tree, options\) has no option "indnet"/],
    [
      () => ast.dump({ _fields: [] } as never),
      /ast\.dump\(tree\) expects an ast node \(an instance of ast\.Node\), found an Object$/,
    ],
    [() => ast.unparse(5 as never), /ast\.unparse\(tree\) expects an ast node .*, found number 5$/],
    [() => ast.toPython(5 as never), /ast\.toPython\(tree\) expects an ast node .*, found number 5$/],
    [() => ast.walk(5 as never), /ast\.walk\(node\) expects an ast node .*, found number 5$/],
    [() => ast.iterFields(null as never), /ast\.iterFields\(node\) expects an ast node .*, found null$/],
    [() => ast.iterChildNodes("x" as never), /ast\.iterChildNodes\(node\) expects an ast node/],
    [() => ast.fixMissingLocations({} as never), /ast\.fixMissingLocations\(node\) expects an ast node/],
    [() => ast.copyLocation(new ast.Pass(), {} as never), /ast\.copyLocation\(newNode, oldNode\) expects an ast node/],
    [
      () => ast.incrementLineno(tree, "2" as never),
      /ast\.incrementLineno\(node, lines\) takes a whole number of lines, got string "2"$/,
    ],
    [() => ast.incrementLineno(tree, 1.5), /takes a whole number of lines, got number 1\.5$/],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e: unknown) => e instanceof TypeError && message.test(e.message), String(message));
  }
  assert.is((tree.body[0] as ast.Assign).lineno, 1, "a refused incrementLineno moved nothing");
});

test("parse gives Python's tree or Python's error for unusual source: cookies, BOM, NUL, surrogates, bad modes", () => {
  python.exec(
    "def _t_parse_outcome(source, mode):\n    try:\n        return _t_ast.dump(_t_ast.parse(source, mode=mode), include_attributes=True)\n" +
      "    except Exception as e:\n        return '%s: %s' % (type(e).__name__, e)\n",
  );
  const cases: [string, string][] = [
    ["# -*- coding: latin-1 -*-\nx = 'é'\n", "exec"],
    ["\ufeffx = 1\n", "exec"],
    ["x = 1\0\n", "exec"],
    ["x = '\ud800'\n", "exec"],
    ["x = '\u{1F600}'  # ünïcode\n", "exec"],
    ["x", "nonsense"],
  ];
  for (const [source, mode] of cases) {
    let outcome: string;
    try {
      outcome = ast.dump(ast.parse(source, { mode: mode as "exec" }), { includeAttributes: true });
    } catch (error) {
      outcome = error instanceof PythonError ? `${error.type}: ${error.pythonMessage}` : String(error);
    }
    using expected = python.import("__main__").get("_t_parse_outcome").call(source, mode);
    assert.is(outcome, expected.toJS(), JSON.stringify(source));
  }
});

/** What Python's own SyntaxError says for `source`: [type, filename, lineno, offset, end_lineno, end_offset, text]. */
function pythonSyntaxError(source: string, options = ""): unknown[] {
  python.exec(
    "def _t_syntax_error(source, options):\n    try:\n        _t_ast.parse(source, 'broken.py', **options)\n" +
      "    except SyntaxError as e:\n        return [type(e).__name__, e.filename, e.lineno, e.offset, e.end_lineno, e.end_offset, e.text]\n",
  );
  return python.eval(`_t_syntax_error(${JSON.stringify(source)}, dict(${options}))`) as unknown[];
}

test("a syntax error is a ParseError (a PythonError) saying where, as Python's SyntaxError does", () => {
  const cases: [string, ast.ParseOptions, string][] = [
    ["x = 1\ny = (\n", {}, ""],
    ["def f():\nreturn 1\n", {}, ""],
    ["x = 1 +* 2\n", {}, ""],
    ["if x:\n\tpass\n        pass\n", {}, ""],
    ["match x:\n    case 1: pass\n", { featureVersion: [3, 9] }, "feature_version=(3, 9)"],
  ];
  for (const [source, options, pythonOptions] of cases) {
    const error = catchError(() => ast.parse(source, { filename: "broken.py", ...options }));
    assert.instance(error, ast.ParseError);
    assert.instance(error, PythonError);
    const found = error as ast.ParseError;
    assert.equal(
      [found.type, found.filename, found.lineno, found.offset, found.endLineno, found.endOffset, found.text],
      pythonSyntaxError(source, pythonOptions),
      source,
    );
  }
  assert.is((catchError(() => ast.parse("x = (", { filename: "" })) as ast.ParseError).filename, "");
  const unclosed = catchError(() => ast.parse("x = (1,\ny = 2\n")) as ast.ParseError;
  assert.equal([unclosed.lineno, unclosed.offset, unclosed.pythonMessage], [
    1,
    5,
    "'(' was never closed (<unknown>, line 1)",
  ]);
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return assert.unreachable("expected an error");
}

test("fromPython reads a user's subclass of a Python node as its ast class", () => {
  python.exec("import ast as _t_ast\nclass _TName(_t_ast.Name): pass\n_t_node = _TName(id='v', ctx=_t_ast.Load())\n");
  const node = ast.fromPython(python.import("__main__").get("_t_node"));
  assert.instance(node, ast.Name);
  assert.is((node as ast.Name).id, "v");
});

test("fromPython reads a subclass defined in a function, and ignores attributes added in Python", () => {
  python.exec(
    "import ast as _t_ast\ndef _t_local():\n    class Local(_t_ast.Name): pass\n    node = Local(id='w', ctx=_t_ast.Load())\n" +
      "    node.parent = None\n    node.callback = lambda: 1\n    return node\n",
  );
  const node = ast.fromPython(python.eval("_t_local()") as PyObject) as ast.Name;
  assert.instance(node, ast.Name);
  assert.is(node.id, "w");
  assert.is((node as unknown as Record<string, unknown>).parent, undefined);
});

test("fromPython reads fields in any order Python set them, with or without location", () => {
  // The native encoder walks a node's dict in step with the field names when Python's parser set
  // them in that order, and looks names up otherwise: keywords in reverse order, a field deleted
  // and set again, attributes first.
  python.exec(
    "import ast as _t_ast\n_t_op = _t_ast.BinOp(right=_t_ast.Constant(2), op=_t_ast.Add(), left=_t_ast.Name('x', _t_ast.Load()))\n" +
      "_t_op.lineno = 3\n_t_late = _t_ast.Name(id='y', ctx=_t_ast.Load(), lineno=1, col_offset=0)\ndel _t_late.id\n_t_late.id = 'z'\n",
  );
  using main = python.import("__main__");
  const op = ast.fromPython(main.get("_t_op")) as ast.BinOp;
  assert.is((op.left as ast.Name).id, "x");
  assert.instance(op.op, ast.Add);
  assert.is((op.right as ast.Constant).value, 2);
  assert.is(op.lineno, 3);
  assert.is(op.col_offset, undefined);
  const late = ast.fromPython(main.get("_t_late")) as ast.Name;
  assert.equal([late.id, late.lineno, late.col_offset], ["z", 1, 0]);
  assert.instance(late.ctx, ast.Load);
});

test("location attributes of any size and sign come through exactly (one- and two-byte fast paths and beyond)", () => {
  const values = [
    0,
    1,
    63,
    64,
    127,
    128,
    4095,
    4096,
    8191,
    8192,
    2 ** 20,
    2 ** 40,
    -1,
    -64,
    -65,
    -4096,
    -4097,
    -(2 ** 33),
  ];
  // Four ints travel as one location value; a None (or a bool, or a missing one) sends each alone.
  python.exec(`
import ast as _l_ast
_l_values = ${JSON.stringify(values)}
_l_names = [_l_ast.Name(id="v", ctx=_l_ast.Load(), lineno=v, col_offset=-v, end_lineno=v * 3, end_col_offset=end)
            for v in _l_values for end in (None, v + 1, True)]
_l_module = _l_ast.Module(body=[_l_ast.Expr(value=n, lineno=1, col_offset=0, end_lineno=2, end_col_offset=3)
                                for n in _l_names], type_ignores=[])
`);
  using module = python.eval("_l_module") as PyObject;
  const read = ast.fromPython(module) as ast.Module;
  const names = read.body.map((statement) => (statement as ast.Expr).value as ast.Name);
  assert.equal(
    names.map((name) => [name.lineno, name.col_offset, name.end_lineno, name.end_col_offset]),
    values.flatMap((v) => [null, v + 1, true].map((end) => [v, -v || 0, v * 3, end])),
  );
  assert.equal(
    read.body.map((
      statement,
    ) => [statement.lineno, statement.col_offset, statement.end_lineno, statement.end_col_offset]),
    names.map(() => [1, 0, 2, 3]),
  );
});

test("trees cross both ways while another Python thread runs (each native call takes the GIL)", async () => {
  // With another thread alive, the GIL is released after every call, so the codec's native calls
  // must take it themselves.
  python.exec(
    "import threading as _t_threading\n_t_stop = _t_threading.Event()\n" +
      "_t_thread = _t_threading.Thread(target=_t_stop.wait, daemon=True)\n_t_thread.start()\n",
  );
  try {
    using pythonTree = pyAst.get("parse").call("y = [1, 2.5, 'three']");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const read = ast.fromPython(pythonTree) as ast.Module;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const parsed = new ScaleConstants().visit(ast.parse("y = [1, 2.5, 'three']"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    using sent = ast.toPython(parsed);
    assert.is(ast.dump(read), ast.dump(ast.parse("y = [1, 2.5, 'three']")));
    assert.is(pyAst.get("unparse").call(sent).toString(), "y = [10, 25.0, 'three']");
  } finally {
    python.exec("_t_stop.set()\n_t_thread.join()\n");
  }
});

test("the native loader refuses malformed streams with a Python error, never a crash", () => {
  const { native } = load();
  ast.toPython(new ast.Pass()).dispose(); // The codec knows its classes.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let built = 0, refused = 0;
  for (let round = 0; round < 3000; round++) {
    // Mostly the format's own tags and small numbers, so streams get past the first byte.
    const bytes = Uint8Array.from(
      { length: 1 + Math.floor(random() * 24) },
      () => Math.floor(random() * (random() < 0.8 ? 20 : 256)),
    );
    const result = native.pyframe_ast_load(bytes, bytes.length, runtime.NULL);
    if (result) {
      new PyObject(result).dispose();
      built++;
    } else {
      assert.instance(takeError(), PythonError);
      refused++;
    }
  }
  assert.is(built + refused, 3000);
  // Whole streams build: a value, then the patch count.
  for (const [stream, expected] of [[[0, 0], null], [[3, 5, 0], -3], [[9, 2, 1, 2, 0], [true, false]]] as const) {
    const bytes = Uint8Array.from(stream);
    using value = new PyObject(native.pyframe_ast_load(bytes, bytes.length, runtime.NULL));
    assert.equal(value.toJS(), expected);
  }
  assert.throws(() => {
    const cut = new Uint8Array([10, 0]); // A node whose class index is cut short.
    if (!native.pyframe_ast_load(cut, cut.length, runtime.NULL)) throw takeError();
  }, /malformed ast tree stream/);
});

// ---------------------------------------------------------------------------------------------
// Parsed trees: sending one back patches the tree Python already has

/** Python's dump of `tree`, as Python receives it. */
function dumped(tree: ast.Node): string {
  return ast.dump(tree, { includeAttributes: true });
}

/** The same source read twice: by `parse` (patched when sent back) and from a Python tree (built anew). */
function twoWays(source: string): [ast.Module, ast.Module] {
  using pyTree = pyAst.get("parse").call(source);
  return [ast.parse(source), ast.fromPython(pyTree) as ast.Module];
}

const EDITED = "def f(a, b=2.5):\n    x = a + 1\n    print(x, 'é')\n    return [a, b, 7]\n\ny = f(1)\n";

/** Edits of every kind: values, floats, lists, moved, shared and new nodes, attributes. */
function edit(tree: ast.Module): void {
  new ScaleConstants().visit(tree);
  const f = tree.body[0] as ast.FunctionDef;
  const [assign, call, ret] = f.body as [ast.Assign, ast.Expr, ast.Return];
  f.name = "g";
  ((ret.value as ast.List).elts[2] as ast.Constant).isFloat = true; // 70 → 70.0
  f.body.splice(1, 1); // print(...) removed
  const sum = assign.value as ast.BinOp;
  (ret.value as ast.List).elts.push(sum.left, sum.left); // moved nowhere, shared twice
  sum.left = ast.copyLocation(
    new ast.Call({ func: new ast.Name({ id: "abs", ctx: new ast.Load() }), args: [sum.left] }),
    sum.left,
  );
  f.body.push(ast.copyLocation(new ast.Expr({ value: (call.value as ast.Call).args[1] }), call)); // child of a removed node
  assign.lineno = 42;
  delete (sum.right as { col_offset?: number }).col_offset;
  ret.end_lineno = null;
  tree.body.reverse();
}

test("unchanged parsed trees and trees built anew reach Python identical", () => {
  for (const source of sources) {
    const [parsed, built] = twoWays(source);
    assert.is(dumped(parsed), pythonDump(source), source);
    assert.is(dumped(built), pythonDump(source), source);
  }
});

test("edits to a parsed tree reach Python exactly as the same edits to a tree built anew", () => {
  const [parsed, built] = twoWays(EDITED);
  edit(parsed);
  edit(built);
  assert.is(dumped(parsed), dumped(built));
  assert.match(dumped(parsed), "Constant(value=70.0");
  assert.not.match(dumped(parsed), "print");
});

test("a parsed tree sent twice, with edits in between, gets both rounds of edits", () => {
  const [parsed, built] = twoWays(EDITED);
  for (const tree of [parsed, built]) {
    new ScaleConstants().visit(tree);
    dumped(tree);
    new ScaleConstants().visit(tree);
  }
  assert.is(dumped(parsed), dumped(built));
  assert.match(dumped(parsed), "Constant(value=100,");
});

test("a subtree of a parsed tree, and parsed nodes put in a new tree, reach Python as they are", () => {
  const [parsed, built] = twoWays(EDITED);
  const [fromParsed, fromBuilt] = [parsed, built].map((tree) => {
    new ScaleConstants().visit(tree);
    const f = tree.body[0] as ast.FunctionDef;
    return new ast.Module({ body: [f.body[2], new ast.Pass(), f.body[0]] });
  });
  assert.is(dumped(fromParsed), dumped(fromBuilt));
  assert.is(dumped((parsed.body[0] as ast.FunctionDef).body[0]), dumped((built.body[0] as ast.FunctionDef).body[0]));
});

test("console.log shows a node's class, fields and location, not pyframe's bookkeeping", () => {
  // A parsed tree printed its session (every node again, and the Python tree) under each node.
  const shown = inspect(ast.parse("x = 1"), { depth: Infinity });
  assert.not.match(shown, /Symbol|session|snapshot|PyObject/);
  assert.match(
    shown,
    /Module \{\s+body: \[\s+Assign \{\s+targets: \[\s+Name \{\s+id: 'x',\s+ctx: Store \{\},\s+lineno: 1,/,
  );
  assert.match(shown, /value: Constant \{[^}]*value: 1,[^}]*end_col_offset: 5\s*\}/);
  assert.is(inspect(new ast.Constant({ value: 2, isFloat: true })), "Constant { value: 2, kind: null, isFloat: true }");
  class Marked extends ast.Name {}
  assert.is(inspect(new Marked({ id: "y", ctx: new ast.Load() })), "Marked { id: 'y', ctx: Load {} }");
  const tree = ast.parse("y = 2");
  assert.ok(SESSION in tree, "the bookkeeping is still there, only not shown");
});

test("nodes without fields are shared as in Python (one Load for all trees); changing one reaches Python", () => {
  const [first, second] = [ast.parse("a = b"), ast.parse("c")];
  const assign = first.body[0] as ast.Assign;
  const [target, value] = [assign.targets[0] as ast.Name, assign.value as ast.Name];
  const other = (second.body[0] as ast.Expr).value as ast.Name;
  assert.is(value.ctx, other.ctx, "one Load, like Python's");
  assert.ok(
    python.eval("__import__('ast').parse('b').body[0].value.ctx is __import__('ast').parse('c').body[0].value.ctx"),
  );
  assert.instance(target.ctx, ast.Store);
  assert.not.ok((value.ctx as Traced)[SESSION], "not traced: nothing of it is patched");
  // The shared instances reach Python as its own; a replaced one is sent as the new node.
  value.ctx = new ast.Store();
  assert.match(ast.dump(first), "targets=[Name(id='a', ctx=Store())], value=Name(id='b', ctx=Store())");
  const compare = (ast.parse("x < y < z").body[0] as ast.Expr).value as ast.Compare;
  compare.ops[1] = new ast.Gt();
  assert.is(ast.unparse(compare), "x < y > z");
});

test("a node copied with Object.assign is a node of its own, not the parsed original", () => {
  const tree = ast.parse("x = 1\n");
  const original = tree.body[0] as ast.Assign;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(original)), original) as ast.Assign;
  copy.value = new ast.Constant({ value: 2 });
  tree.body.push(copy);
  assert.is(ast.unparse(ast.fixMissingLocations(tree)), "x = 1\nx = 2");
});

test("short strs are reused by the hash of their bytes, never confused when hashes collide", () => {
  // "Aa" and "BB" hash alike (31-based, as the decoder's cache does); both directions of first use.
  for (const source of ["Aa + BB + Aa", "BB + Aa + BB"]) {
    const names = [...ast.walk(ast.parse(source))].filter((node) => node instanceof ast.Name).map((node) =>
      (node as ast.Name).id
    );
    assert.equal(names.sort(), source.split(" + ").sort());
  }
});

test("nodes moved from another parsed tree are sent as they are, with their edits", () => {
  const target = ast.parse("def f():\n    return 1\n");
  const donor = ast.parse("y = 2\nz = 3\n");
  new ScaleConstants().visit(donor);
  (target.body[0] as ast.FunctionDef).body.unshift(donor.body[1]);
  assert.is(ast.unparse(target), "def f():\n    z = 30\n    return 1");
  assert.is(ast.unparse(donor), "y = 20\nz = 30");
});

test("parse then compile leaves no Python object behind (the Python tree is let go at compile)", () => {
  using gc = python.import("gc");
  using getObjects = gc.get("get_objects");
  const alive = () => {
    using objects = getObjects.call();
    return objects.len();
  };
  const round = () => {
    const tree = new ScaleConstants().visit(ast.parse("def f(a):\n    return [a + i * 2 for i in range(3)]\n"));
    ast.compile(tree, { filename: "<memory>" }).dispose();
  };
  for (let i = 0; i < 20; i++) round();
  const before = alive();
  for (let i = 0; i < 300; i++) round();
  // Each round's tree has over 20 nodes: one kept per round would add thousands.
  assert.ok(alive() - before < 100, `${alive() - before} more Python objects after 300 rounds`);
});

test("trees parsed and never compiled let go of their Python trees beyond a bound, and still compile", () => {
  using gc = python.import("gc");
  using countNodes = python.eval("lambda gc, AST: sum(1 for o in gc.get_objects() if isinstance(o, AST))") as PyObject;
  using AST = pyAst.get("AST");
  const liveNodes = () => countNodes.call(gc, AST).toJS() as number;
  const source = "def f(a, b=2):\n    return [a * i + b for i in (1, 2)]\n";
  const first = ast.parse(source);
  const perTree = [...ast.walk(first)].length;
  const kept: ast.Module[] = [first];
  // Enough trees to hold twice the bound if none were let go; all stay referenced from here.
  for (let i = 0; i < (2 * HELD_NODES_MAX) / perTree; i++) kept.push(ast.parse(source));
  assert.ok(heldNodeCount() <= HELD_NODES_MAX, `${heldNodeCount()} nodes held`);
  const sessionOf = (tree: ast.Module) => (tree as Traced)[SESSION]!;
  assert.is(sessionOf(first).usable, false, "the oldest tree was let go");
  assert.is(sessionOf(kept.at(-1)!).usable, true, "the newest is kept");
  // A tree spent out of order (sent back) leaves the order; the others keep theirs.
  const middle = kept[kept.length - 5];
  ast.compile(middle, { filename: "<middle>" }).dispose();
  assert.is(sessionOf(middle).usable, false);
  const heldBefore = heldNodeCount();
  kept.push(ast.parse(source));
  assert.ok(heldNodeCount() <= HELD_NODES_MAX && heldNodeCount() >= heldBefore - 2 * perTree);
  assert.is(sessionOf(kept.at(-2)!).usable, true);
  assert.ok(liveNodes() < HELD_NODES_MAX * 1.1, `${liveNodes()} Python nodes alive`);
  // The first tree was let go: it compiles from its TypeScript nodes, edits included.
  new ScaleConstants().visit(first);
  using code = ast.compile(first, { filename: "<let go>" });
  using namespace = python.toPython({}) as PyObject;
  using exec = python.builtins.get("exec");
  exec.call(code, namespace).dispose();
  using f = namespace.get("__getitem__").call("f");
  assert.equal(f.call(1).toJS(), [30, 40]);
});

// ---------------------------------------------------------------------------------------------
// Building nodes

test("new nodes: defaults, typeName, _fields, categories", () => {
  const call = new ast.Call({ func: new ast.Name({ id: "f", ctx: new ast.Load() }) });
  assert.equal(call.args, []);
  assert.equal(call.keywords, []);
  assert.is(call.typeName, "Call");
  assert.equal(call._fields, ["func", "args", "keywords"]);
  assert.instance(call, ast.expr);
  assert.instance(call, ast.Node);
  assert.is(new ast.Return({}).value, null);
  assert.instance(new ast.arguments({}), ast.arguments);
  assert.is(ast.unparse(ast.fixMissingLocations(new ast.Module({ body: [new ast.Expr({ value: call })] }))), "f()");
});

test("a missing required field is a clear TypeError when the tree goes to Python", () => {
  const broken = new ast.BinOp({ op: new ast.Add(), right: new ast.Constant({ value: 1 }) } as never);
  assert.throws(
    () => ast.toPython(broken),
    /ast\.BinOp\.left is required: expected an ast\.expr node, found undefined/,
  );
});

test("constructors check each field against its type", () => {
  const one = new ast.Constant({ value: 1 }), load = new ast.Load();
  const cases: [() => unknown, RegExp][] = [
    [
      () => new ast.BinOp({ left: 1 as never, op: new ast.Add(), right: one }),
      /ast\.BinOp\.left must be an ast\.expr node, found number 1; wrap plain values in ast\.Constant/,
    ],
    [
      () => new ast.BinOp({ left: one, op: new ast.Load() as never, right: one }),
      /ast\.BinOp\.op must be an ast\.operator node, found ast\.Load/,
    ],
    [
      () => new ast.Call({ func: one, args: one as never }),
      /ast\.Call\.args must be an array of expr, found ast\.Constant; use \[\] for none/,
    ],
    [
      () => new ast.Call({ func: one, args: [one, new ast.Pass() as never] }),
      /ast\.Call\.args\[1\] must be an ast\.expr node, found ast\.Pass/,
    ],
    [() => new ast.Name({ id: 7 as never, ctx: load }), /ast\.Name\.id must be an identifier string, found number 7/],
    [
      () => new ast.Constant({ value: [1] as never }),
      /ast\.Constant\.value must be a constant value .*found an array of 1/,
    ],
    [
      () => new ast.Constant({ value: 1, lineno: 1.5 }),
      /ast\.Constant\.lineno must be an integer from -2147483648 to 2147483647 or null, found number 1\.5/,
    ],
    [
      () => new ast.ImportFrom({ module: "m", names: [], level: 0.5 }),
      /ast\.ImportFrom\.level must be an integer from -2147483648 to 2147483647, found number 0\.5/,
    ],
    [
      () => new ast.BinOp({ left: null as never, op: new ast.Add(), right: one }),
      /ast\.BinOp\.left is required: expected an ast\.expr node, found null/,
    ],
  ];
  for (const [build, message] of cases) assert.throws(build, message);
  // What Python allows passes: None in Dict.keys, a subclass's node, None as a constant, optional nulls.
  new ast.Dict({ keys: [null], values: [new ast.Name({ id: "d", ctx: load })] });
  new ast.Return({ value: null });
  new ast.Constant({ value: null, lineno: null as never });
  class Marked extends ast.Name {}
  new ast.Expr({ value: new Marked({ id: "x", ctx: load }) });
});

/** Asserts that `run` throws a `kind` (TypeError unless given) whose message is exactly `message`. */
function throwsExactly(run: () => unknown, message: string, kind: ErrorConstructor = TypeError): void {
  const error = captured(run);
  assert.instance(error, kind, message);
  assert.is((error as Error).message, message);
}

test("int fields and location attributes must fit a C int, or Python wraps or overflows them", () => {
  // Each was accepted: lineno 2**63 and 2**64 became 0, 1e20 a wrapped 7766279631452241920, level
  // 2**64 + 4096 became 4096, and 2**40 failed in Python naming no field.
  const range = "an integer from -2147483648 to 2147483647";
  const name = (location: ast.Location) => new ast.Name({ id: "x", ctx: new ast.Load(), ...location });
  throwsExactly(
    () => name({ lineno: 1e20 }),
    `pyframe: ast.Name.lineno must be ${range} or null, found number ${1e20}`,
  );
  throwsExactly(
    () => name({ end_col_offset: 2 ** 31 }),
    `pyframe: ast.Name.end_col_offset must be ${range} or null, found number 2147483648`,
  );
  throwsExactly(
    () => new ast.ImportFrom({ module: "m", names: [], level: 2 ** 64 + 4096 }),
    `pyframe: ast.ImportFrom.level must be ${range}, found number ${2 ** 64 + 4096}`,
  );
  const parsed = ast.parse("x");
  parsed.body[0].lineno = 2 ** 40;
  throwsExactly(
    () => ast.unparse(parsed),
    `pyframe: ast.Expr.lineno must be ${range} or null, found number ${2 ** 40}`,
  );
  (parsed.body[0] as ast.Expr).value.col_offset = -(2 ** 31) - 1;
  parsed.body[0].lineno = 1;
  assert.throws(() => ast.toPython(parsed), /ast\.Name\.col_offset must be an integer from/, "a patched original too");
  // The ends of the range reach Python as they are.
  const edges = new ast.Expression({ body: name({ lineno: 2 ** 31 - 1, col_offset: -(2 ** 31) }) });
  using back = ast.toPython(edges);
  using body = back.get("body");
  assert.equal([body.get("lineno").toJS(), body.get("col_offset").toJS()], [2 ** 31 - 1, -(2 ** 31)]);
});

test("constructors refuse names that are no field or attribute, and a fields argument that is no object", () => {
  // Misspelt names were dropped silently (keyword: the call lost its keywords); null failed with
  // "Cannot read properties of null", new ast.Constant() with "... (reading 'isFloat')".
  const func = new ast.Name({ id: "f", ctx: new ast.Load() });
  const location = "its attributes lineno, col_offset, end_lineno, end_col_offset";
  throwsExactly(
    () => new ast.Call({ func, args: [], keyword: [] } as never),
    `pyframe: ast.Call has no field or attribute "keyword"; its fields are func, args, keywords; ${location}`,
  );
  throwsExactly(
    () => new ast.Pass({ lineNo: 5 } as never),
    `pyframe: ast.Pass has no field or attribute "lineNo"; it has no fields; ${location}`,
  );
  throwsExactly(
    () => new ast.Constant({ value: 2, isfloat: true } as never),
    `pyframe: ast.Constant has no field or attribute "isfloat"; its fields are value, kind, isFloat; ${location}`,
  );
  throwsExactly(
    () => new ast.BinOp({ lfet: func, op: new ast.Add(), right: func } as never),
    `pyframe: ast.BinOp has no field or attribute "lfet"; its fields are left, op, right; ${location}`,
    TypeError,
  );
  throwsExactly(
    () => new ast.Name(null as never),
    `pyframe: new ast.Name(fields) takes an object of its fields, found null (its fields are id, ctx; ${location})`,
  );
  throwsExactly(
    () => new (ast.Constant as unknown as new () => ast.Constant)(),
    "pyframe: new ast.Constant(fields) takes an object of its fields, found undefined; value is required " +
      `(its fields are value, kind, isFloat; ${location})`,
  );
  // A class with neither fields nor attributes checked nothing it was given.
  throwsExactly(
    () => new ast.Add(5 as never),
    "pyframe: new ast.Add() takes no fields, found number 5; call it without an argument",
  );
  throwsExactly(
    () => new ast.Load({ ctx: 1 } as never),
    'pyframe: ast.Load has no field or attribute "ctx"; it has no fields',
  );
  assert.is(ast.dump(new ast.Load({})), "Load()");
  // No argument is no fields where none is required; keys left undefined are not set.
  assert.is(ast.unparse(new ast.Pass()), "pass");
  assert.equal(new ast.Module().body, []);
  assert.is(new ast.Name({ id: "x", ctx: new ast.Load(), lineno: undefined }).lineno, undefined);
});

test("Constant.isFloat is a boolean, true only for a number", () => {
  // "false" made 2.0; true on a bigint was dropped silently.
  throwsExactly(
    () => new ast.Constant({ value: 2, isFloat: "false" as never }),
    'pyframe: ast.Constant.isFloat must be true or false, found string "false"',
  );
  const bigintFloat = "pyframe: ast.Constant.isFloat is true, but the value is bigint 5: only a number can be " +
    "a Python float; set isFloat to false for other values";
  throwsExactly(() => new ast.Constant({ value: 5n, isFloat: true }), bigintFloat);
  const parsed = expression("2.5") as ast.Constant;
  parsed.value = 5n;
  throwsExactly(() => ast.unparse(parsed), bigintFloat);
  assert.is(ast.unparse(new ast.Constant({ value: 2, isFloat: true })), "2.0");
});

test("Complex, CodePoints, ConstantTuple and ConstantFrozenSet check what they hold", () => {
  // Complex("1", "x") became (1+nanj), Complex(1n, 2) threw "Cannot convert a BigInt value";
  // ConstantTuple(5) gave "value.elements.every is not a function", CodePoints([-1]) a bare
  // "Invalid code point".
  const complex = (real: unknown, imag: unknown) => () => new ast.Complex(real as number, imag as number);
  throwsExactly(
    complex("1", "x"),
    'pyframe: new ast.Complex(real, imag) takes two numbers, found string "1" and string "x"',
  );
  throwsExactly(
    complex(undefined, undefined),
    "pyframe: new ast.Complex(real, imag) takes two numbers, found undefined and undefined",
  );
  throwsExactly(complex(1n, 2), "pyframe: new ast.Complex(real, imag) takes two numbers, found bigint 1 and number 2");
  throwsExactly(
    () => new ast.ConstantTuple(5 as never),
    "pyframe: new ast.ConstantTuple(elements) takes an array of ast.Constant nodes, found number 5",
  );
  throwsExactly(
    () => new ast.ConstantFrozenSet([new ast.Constant({ value: 1 }), 2 as never]),
    "pyframe: new ast.ConstantFrozenSet(elements) takes ast.Constant nodes, found number 2 at elements[1]; " +
      "wrap plain values in ast.Constant",
  );
  throwsExactly(
    () => new ast.CodePoints(null as never),
    "pyframe: new ast.CodePoints(points) takes an array of code points, found null",
  );
  for (
    const [points, found] of [[[-1], "number -1 at points[0]"], [[65, "a"], 'string "a" at points[1]'], [
      [65.5],
      "number 65.5 at points[0]",
    ]] as const
  ) {
    throwsExactly(
      () => new ast.CodePoints(points as never),
      `pyframe: new ast.CodePoints(points) takes integers from 0 to 0x10FFFF, found ${found}`,
      RangeError,
    );
  }
  assert.is(ast.unparse(new ast.Constant({ value: new ast.Complex(1, -2) })), "(1-2j)");
});

test("a null item in a list field is refused at once, unless Python allows None there", () => {
  // It passed, then unparse failed with "'NoneType' object has no attribute '_fields'".
  throwsExactly(
    () => new ast.Module({ body: [new ast.Pass(), null as never] }),
    "pyframe: ast.Module.body[1] must be an ast.stmt node, found null (only ast.Dict.keys and " +
      "ast.arguments.kw_defaults hold None); remove it from the list",
  );
  const call = expression("f(a)") as ast.Call;
  call.args.push(null as never);
  assert.throws(() => ast.unparse(call), /ast\.Call\.args\[1\] must be an ast\.expr node, found null/);
  const unpacked = new ast.Dict({ keys: [null], values: [new ast.Name({ id: "d", ctx: new ast.Load() })] });
  assert.is(ast.unparse(unpacked), "{**d}");
  const keywordOnly = new ast.arguments({ kwonlyargs: [new ast.arg({ arg: "a" })], kw_defaults: [null] });
  assert.is(ast.unparse(keywordOnly), "*, a");
});

test("a field reassigned to a wrong value after construction is caught on the way to Python", () => {
  const sum = new ast.BinOp({
    left: new ast.Constant({ value: 1 }),
    op: new ast.Add(),
    right: new ast.Constant({ value: 2 }),
  });
  sum.left = "x" as never;
  assert.throws(
    () => ast.toPython(sum),
    /ast\.BinOp\.left must be an ast\.expr node, found string "x"; wrap plain values/,
  );
  const parsed = ast.parse("f(1)");
  ((parsed.body[0] as ast.Expr).value as ast.Call).args.push(3 as never);
  // The item is named by its index, here and when a tree is built (it said "ast.Call.args must be").
  throwsExactly(
    () => ast.unparse(parsed),
    "pyframe: ast.Call.args[1] must be an ast.expr node, found number 3; wrap plain values in ast.Constant",
  );
  throwsExactly(
    () =>
      new ast.Module({
        body: [new ast.Pass(), new ast.Pass(), new ast.Name({ id: "f", ctx: new ast.Load() }) as never],
      }),
    "pyframe: ast.Module.body[2] must be an ast.stmt node, found ast.Name",
  );
  throwsExactly(
    () => new ast.Global({ names: ["a", 5 as never] }),
    "pyframe: ast.Global.names[1] must be an identifier string, found number 5",
  );
});

test("a node or field the running Python lacks is a clear error; empty new fields are fine", () => {
  const target = new ast.Name({ id: "X", ctx: new ast.Store() });
  const alias = new ast.TypeAlias({ name: target, value: new ast.Name({ id: "int", ctx: new ast.Load() }) });
  const withDefault = new ast.TypeVar({ name: "T", default_value: new ast.Name({ id: "int", ctx: new ast.Load() }) });
  if (minor < 12) {
    assert.throws(
      () => ast.toPython(alias),
      /ast\.TypeAlias needs Python 3\.12 or newer, but the running Python is 3\.11/,
    );
  } else if (minor < 13) {
    assert.throws(
      () => ast.toPython(withDefault),
      /ast\.TypeVar\.default_value needs Python 3\.13 or newer, but the running Python is 3\.12; leave it empty/,
    );
  } else {
    assert.is(
      ast.unparse(new ast.TypeAlias({ name: target, type_params: [withDefault], value: target })),
      "type X[T = int] = X",
    );
  }
  const plain = new ast.FunctionDef({ name: "f", args: new ast.arguments({}), body: [new ast.Pass()] });
  assert.is(ast.unparse(ast.fixMissingLocations(plain)), "def f():\n    pass");
});

// ---------------------------------------------------------------------------------------------
// Visitors

test("NodeTransformer scaling constants: 1 + 2 becomes 30", () => {
  const tree = new ScaleConstants().visit(ast.parse("1 + 2", { mode: "eval" }));
  using code = ast.compile(tree, { filename: "<scaled>" });
  using result = python.builtins.get("eval").call(code, new Map());
  assert.is(result.toJS(), 30);
});

test("NodeTransformer removes list items when a visit method returns undefined", () => {
  class DropPrints extends ast.NodeTransformer {
    visitExpr(node: ast.Expr) {
      const call = node.value;
      if (call instanceof ast.Call && call.func instanceof ast.Name && call.func.id === "print") return undefined;
      return node;
    }
  }
  const tree = ast.parse("a = 1\nprint(a)\nb = 2\nprint(b)\n");
  const body = tree.body;
  new DropPrints().visit(tree);
  assert.is(ast.unparse(tree), "a = 1\nb = 2");
  assert.is(tree.body, body, "the list is changed in place, as in Python");
});

test("NodeTransformer splices an array returned for a list item", () => {
  class Twice extends ast.NodeTransformer {
    visitAssign(node: ast.Assign) {
      const copy = new ast.Assign({ targets: [new ast.Name({ id: "copy", ctx: new ast.Store() })], value: node.value });
      return [node, ast.copyLocation(copy, node)];
    }
  }
  const tree = new Twice().visit(ast.parse("x = 1\ny = 2\n"));
  assert.is(ast.unparse(tree), "x = 1\ncopy = 1\ny = 2\ncopy = 2");
});

// Once an item of a list was replaced, the rest of the list dropped its None items (Dict.keys'
// `**d`, a keyword-only argument without a default): the code lost them, or failed to compile.
test("NodeTransformer keeps the None items of a list whose nodes it replaces, as Python's does", () => {
  class NewConstants extends ast.NodeTransformer {
    visitConstant(node: ast.Constant) {
      return ast.copyLocation(new ast.Constant({ value: (node.value as number) * 10 }), node);
    }
  }
  const tree = new NewConstants().visit(ast.parse("x = {1: 2, **d}\ndef f(*, a=1, b):\n    pass\n"));
  assert.is(ast.unparse(tree), "x = {10: 20, **d}\n\ndef f(*, a=10, b):\n    pass");
  using code = ast.compile(tree, { filename: "<none kept>" });
  assert.ok(code);
});

// The rebuilt list was spread into splice's (and push's) arguments: under Deno a body of 200,000
// statements overflowed the stack; so did ast.walk, queueing a node's children by spreading them.
test("NodeTransformer and walk take a list of 300,000 items", () => {
  class DropPass extends ast.NodeTransformer {
    visitPass() {
      return undefined;
    }
  }
  const tree = ast.parse("pass\n" + "x = 1\n".repeat(300_000));
  new DropPass().visit(tree);
  assert.is(tree.body.length, 300_000);
  assert.ok(tree.body[0] instanceof ast.Assign);
  let nodes = 0;
  for (const _ of ast.walk(tree)) nodes++;
  assert.is(nodes, 1 + 300_000 * 4); // Module, then Assign, Name, Store and Constant each
});

test("NodeTransformer: removing a single-node field sets it to null; an array there is an error", () => {
  class DropReturnValue extends ast.NodeTransformer {
    visitReturn(node: ast.Return) {
      return this.genericVisit(node);
    }
    visitName() {
      return undefined;
    }
  }
  const tree = new DropReturnValue().visit(ast.parse("def f():\n    return x\n"));
  assert.is(ast.unparse(tree), "def f():\n    return");
  class Bad extends ast.NodeTransformer {
    visitConstant(node: ast.Constant) {
      return [node, node];
    }
  }
  assert.throws(
    () => new Bad().visit(ast.parse("return 1")),
    /returned an array of 2 for ast\.Return\.value, which holds one node/,
  );
});

test("where code generation from strings is refused, visitors work and parse says what it needs", () => {
  const seen = lastJsonLine(runChild("test/_no_codegen_child.ts", {
    denoFlags: ["--v8-flags=--disallow-code-generation-from-strings"],
    args: runtime.name === "bun" ? ["--refuse-codegen"] : [],
  }));
  assert.ok(seen.refused, "the child could still generate code");
  assert.equal(seen.names, ["x", "f", "y1", "y2"]);
  assert.match(seen.dump, `BinOp(left=Constant(value=10), op=Add(), right=Name(id='x'${loadContext(true)}))`);
  assert.not.match(seen.dump, "Pass()");
  assert.match(
    seen.dump,
    `args=[Name(id='y1'${loadContext(true)}), Name(id='y2'${loadContext(true)}), Constant(value=20)]`,
  );
  assert.match(seen.parseError, "reading a tree from Python needs code generated from strings (new Function)");
});

test("a visitor method spelt as in Python (visit_Name, generic_visit) is refused, not silently never called", () => {
  class Ported extends ast.NodeVisitor {
    seen: string[] = [];
    visit_Name(node: ast.Name) {
      this.seen.push(node.id);
    }
  }
  throwsExactly(
    () => new Ported(),
    "pyframe: Ported has a method visit_Name, Python's spelling, which is never called: name it visitName",
  );
  class Deeper extends ast.NodeTransformer {
    generic_visit(node: ast.Node) {
      return node;
    }
  }
  class Sub extends Deeper {}
  throwsExactly(
    () => new Sub(),
    "pyframe: Sub has a method generic_visit, Python's spelling, which is never called: name it genericVisit",
  );
  class Fine extends ast.NodeVisitor {
    visitName() {}
    visit_helper_count = 0; // a field, not a method of the class
  }
  assert.instance(new Fine(), Fine);
});

test("fromPython takes a PyObject; anything else is a TypeError (Bun crashed reading it as an address)", () => {
  for (const value of [5, {}, ast.parse("x"), null]) {
    assert.throws(
      () => ast.fromPython(value as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /ast\.fromPython\(tree\) takes a Python ast node \(a PyObject\), found /.test(e.message),
    );
  }
});

test("fromPython of a tree holding what no ast field holds names that value (it said 'this object')", () => {
  python.exec(`
import ast
class _T_Long:
    def __repr__(self):
        return "<" + "\u00e9" * 300 + ">"
_t_unsendable = {
    "class": ast.BinOp(left=ast.Constant(1), op=ast.Add, right=ast.Constant(2)),
    "object": ast.Expr(value=ast.Constant(value=_T_Long())),
    "base": ast.Module(body=[ast.AST()], type_ignores=[]),
}
`);
  const trees = python.import("__main__").get("_t_unsendable");
  const expected: Record<string, RegExp> = {
    class: /cannot send <class 'ast\.Add'> to TypeScript: expected an ast node/,
    // Cut short at a character's start (the repr's UTF-8 is two bytes a character): a cut inside
    // one would have made the message itself fail to decode.
    object: /cannot send <(é){99}\.\.\. to TypeScript/,
    base: /cannot send (<ast\.AST object at 0x[0-9a-f]+>|ast\.AST\(\)) to TypeScript/, // 3.14+: nodes show their fields
  };
  for (const [name, pattern] of Object.entries(expected)) {
    const error = captured(() => ast.fromPython(trees.item(name)));
    assert.instance(error, PythonError, name);
    assert.is((error as PythonError).type, "TypeError", name);
    assert.match((error as PythonError).message, pattern, name);
  }
});

test("visit and genericVisit refuse what is not a node, naming the call", () => {
  // Each failed inside with "Cannot read properties of undefined (reading 'length')" or of null.
  class Names extends ast.NodeVisitor {}
  class Same extends ast.NodeTransformer {}
  // python.builtins makes a new PyObject each time it is read: read once.
  const builtins = python.builtins;
  for (const value of [5, { _fields: [] }, [ast.parse("x")], builtins, null, undefined]) {
    // A PyObject was described by its typeName getter, as "ast.module".
    const found = value === builtins ? "a PyObject" : undefined;
    for (
      const [call, run] of [
        ["NodeVisitor.visit(node)", () => new Names().visit(value as never)],
        ["NodeTransformer.visit(node)", () => new Same().visit(value as never)],
        ["NodeVisitor.genericVisit(node)", () => new Names().genericVisit(value as never)],
        ["NodeTransformer.genericVisit(node)", () => new Same().genericVisit(value as never)],
      ] as const
    ) {
      const error = captured(run);
      assert.instance(error, TypeError);
      assert.match(
        (error as Error).message,
        `pyframe: ${call} expects an ast node (an instance of ast.Node), found ${found ?? ""}`,
      );
    }
  }
  throwsExactly(
    () => new Names().visit(5 as never),
    "pyframe: NodeVisitor.visit(node) expects an ast node (an instance of ast.Node), found number 5",
  );
});

test("a visitor dispatches on a node subclass's own typeName, and walks its own _fields", () => {
  class Tagged extends ast.Name {
    static override readonly typeName: string = "Tagged";
  }
  class Visits extends ast.NodeVisitor {
    seen: string[] = [];
    visitName(node: ast.Name) {
      this.seen.push(`name ${node.id}`);
    }
    visitTagged(node: ast.Name) {
      this.seen.push(`tagged ${node.id}`);
    }
  }
  const ctx = new ast.Load();
  const tree = new ast.List({
    elts: [new ast.Name({ id: "a", ctx }), new Tagged({ id: "b", ctx }), new ast.Name({ id: "c", ctx })],
    ctx,
  });
  const visits = new Visits();
  visits.visit(tree);
  visits.visit(tree); // the second walk uses what the first one made per class
  assert.equal(visits.seen, ["name a", "tagged b", "name c", "name a", "tagged b", "name c"]);
});

test("NodeVisitor dispatches to visit<ClassName> and walks the rest", () => {
  class Names extends ast.NodeVisitor {
    seen: string[] = [];
    visitName(node: ast.Name) {
      this.seen.push(node.id);
    }
  }
  const names = new Names();
  names.visit(ast.parse("a = b + c(d)"));
  assert.equal(names.seen, ["a", "b", "c", "d"]);
});

test("walk refuses a tree holding a cycle (it queued nodes until memory ran out) and still walks shared nodes", () => {
  const body: ast.stmt[] = [];
  const loop = new ast.If({ test: new ast.Constant({ value: 1 }), body });
  body.push(loop, loop); // inside itself twice: the queue doubles at every level
  const cycle = "pyframe: ast.walk: the tree holds a cycle: an ast.If is inside itself (a node may appear in " +
    "several places of a tree, but not below itself)";
  throwsExactly(() => [...ast.walk(new ast.Module({ body: [loop] }))], cycle, RangeError);
  throwsExactly(() => ast.incrementLineno(loop, 1), cycle, RangeError);
  body.pop(); // inside itself once: the queue grows by a node a level (this one ended Deno, out of memory)
  throwsExactly(() => [...ast.walk(loop)], cycle, RangeError);
  // A node in several places is not a cycle: walked once per place, as Python's ast.walk does.
  const shared = new ast.Name({ id: "x", ctx: new ast.Load() });
  const pair = new ast.Tuple({ elts: [shared, shared], ctx: new ast.Load() });
  assert.is([...ast.walk(pair)].filter((node) => node === shared).length, 2);
});

test("walk visits as many nodes as Python's ast.walk, in the same order", () => {
  const source = sources[1];
  using tree = pyAst.get("parse").call(source);
  python.exec("import ast as _t_ast\ndef _t_walk_names(t):\n    return [type(n).__name__ for n in _t_ast.walk(t)]\n");
  const pythonNames = python.import("__main__").get("_t_walk_names").call(tree).toJS() as string[];
  const names = [...ast.walk(ast.parse(source))].map((node) => node.typeName);
  assert.is(names.length, pythonNames.length);
  assert.equal(names, pythonNames);
});

test("iterFields and iterChildNodes", () => {
  const sum = expression("a + 1") as ast.BinOp;
  assert.equal([...ast.iterFields(sum)].map(([name]) => name), ["left", "op", "right"]);
  assert.equal([...ast.iterChildNodes(sum)].map((node) => node.typeName), ["Name", "Add", "Constant"]);
});

// ---------------------------------------------------------------------------------------------
// literalEval

test("literalEval gives Python's literal values as JS values", () => {
  const cases: [string, unknown][] = [
    ["1", 1],
    ["  -1.5", -1.5],
    ["+2", 2],
    ["10**2", undefined],
    ["1+2j", new ast.Complex(1, 2)],
    ["-1-2j", new ast.Complex(-1, -2)],
    ["3j", new ast.Complex(0, 3)],
    ["(1, [2, 'a'], {3}, None, True, ...)", [1, [2, "a"], new Set([3]), null, true, ast.Ellipsis]],
    ["{'a': 1, 'a': 2}", new Map([["a", 2]])],
    ["{1: 'x', True: 'y', 1.0: 'z', (1, 2): 'p'}", new Map<unknown, unknown>([[1, "z"], [[1, 2], "p"]])],
    ["{1, True, 1.0, 1+0j, 2}", new Set([1, 2])],
    ["set()", new Set()],
    ["b'\\x00\\xff'", new Uint8Array([0, 255])],
    [String(2n ** 70n), 2n ** 70n],
  ];
  for (const [source, expected] of cases) {
    if (expected === undefined) {
      assert.throws(() => ast.literalEval(source), /malformed node or string on line 1: ast\.BinOp/);
    } else assert.equal(ast.literalEval(source), expected, source);
  }
  assert.ok(Object.is(ast.literalEval("-0"), 0), "an int has no negative zero");
  assert.ok(Object.is(ast.literalEval("-0.0"), -0), "a float has");
  assert.equal(ast.literalEval(new ast.Constant({ value: 5 })), 5);
  assert.equal(ast.literalEval(ast.parse("[1, -2]", { mode: "eval" })), [1, -2]);
});

test("literalEval refuses what Python's literal_eval refuses", () => {
  python.exec(
    "def _t_refuses(source):\n    try:\n        _t_ast.literal_eval(source)\n        return None\n" +
      "    except (ValueError, TypeError, SyntaxError) as e:\n        return type(e).__name__\n",
  );
  const sources = [
    "x",
    "f(1)",
    "1+1",
    "{[1]: 2}",
    "{{1}}",
    "{**a}",
    "[*a]",
    "1+2j+3",
    "-True",
    "(1, x)",
    "1 +",
    "2j+1",
    "-'a'",
  ];
  for (const source of sources) {
    const pythonError = python.eval(`_t_refuses(${JSON.stringify(source)})`);
    assert.ok(pythonError !== null, `Python accepts ${source}`);
    const error = catchError(() => ast.literalEval(source));
    assert.instance(error, pythonError === "SyntaxError" ? ast.ParseError : TypeError, source);
  }
  assert.throws(() => ast.literalEval("{[1]: 2}"), /unhashable list as a set item or dict key/);
});

// ---------------------------------------------------------------------------------------------
// Locations

test("incrementLineno and fixMissingLocations match Python's", () => {
  const source = "def f(x):\n    return x + 1\n";
  python.exec(
    "import ast as _t_ast\n_t_tree = _t_ast.parse(" + JSON.stringify(source) + ")\n" +
      "_t_ast.increment_lineno(_t_tree, 4)\n_t_tree.body[0].body.append(_t_ast.Pass())\n_t_ast.fix_missing_locations(_t_tree)\n",
  );
  const expected = python.eval("_t_ast.dump(_t_tree, include_attributes=True)");
  const tree = ast.incrementLineno(ast.parse(source), 4);
  (tree.body[0] as ast.FunctionDef).body.push(new ast.Pass());
  ast.fixMissingLocations(tree);
  assert.is(ast.dump(tree, { includeAttributes: true }), expected);
});

test("copyLocation copies positions the new node can hold", () => {
  const old = (expression("\n\nf(  x)") as ast.Call).args[0];
  const copy = ast.copyLocation(new ast.Pass(), old);
  assert.equal([copy.lineno, copy.col_offset, copy.end_lineno, copy.end_col_offset], [3, 4, 3, 5]);
  assert.is((ast.copyLocation(new ast.Add(), old) as unknown as { lineno?: number }).lineno, undefined);
});

// ---------------------------------------------------------------------------------------------
// compile(tree, frame)

python.exec(`
import inspect as _t_inspect, textwrap as _t_textwrap

def _t_tag(function):
    return function

def make_adder(a, b):
    def adder(x):
        return x + a + b + 1
    return adder

class Base:
    def value(self):
        return 1

class Child(Base):
    @_t_tag
    @_t_tag
    def value(self):
        total = super().value() + 1
        return total

class Vault:
    def __init__(self):
        self.__secret = 4
    def peek(self):
        return self.__secret * 2

adder = make_adder(2, 3)

first_lambda, second_lambda = (lambda p: p + 1), (lambda p: p + 2)
nesting_lambda = lambda: (lambda: len("ab"))
constant_lambdas = (lambda: 0, lambda: 1)
`);

interface FrameLike extends ast.FrameTarget {
  function: PyObject;
  source: string;
}

/** What a Dynamo Frame gives, built from a Python function (given by a Python expression). */
function frameOf(expression: string): FrameLike {
  const fn = python.eval(expression) as PyObject;
  const code = fn.get("__code__");
  const getsource = python.import("inspect").get("getsource");
  const dedent = python.import("textwrap").get("dedent");
  return {
    function: fn,
    code,
    name: code.get("co_name").toString(),
    qualname: fn.get("__qualname__").toString(),
    filename: code.get("co_filename").toString(),
    firstLineNo: code.get("co_firstlineno").toJS() as number,
    source: dedent.call(getsource.call(fn)).toString(),
  };
}

/** Calls new code as the frame's function would run it: same globals and closure cells. */
function callWith(code: PyObject, frame: FrameLike, ...args: unknown[]): unknown {
  using functionType = python.import("types").get("FunctionType");
  using globals = frame.function.get("__globals__");
  using closure = frame.function.get("__closure__");
  using replacement = functionType.call(code, globals, null, null, closure);
  return replacement.call(...args).toJS();
}

function codeAttribute(code: PyObject, name: string): unknown {
  using value = code.get(name);
  return value.toJS();
}

/** The code's (line, column) positions, as Python reports them. */
function positions(code: PyObject): string {
  python.exec("def _t_positions(c):\n    return repr(list(c.co_positions()))\n");
  return python.import("__main__").get("_t_positions").call(code).toString();
}

test("parse and compile warn nothing into the program, whatever its warning filters say", () => {
  // A function's source parsed again warns as Python's compiler did (an invalid escape sequence),
  // and under the program's "error" filter (python -W error, pytest's filterwarnings) parse and
  // compile raised SyntaxError for valid code.
  python.exec(`
import warnings
def _t_under_filter(action, job):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter(action)
        try:
            job()
            outcome = "ok"
        except SyntaxError as error:
            outcome = "SyntaxError: %s" % error.msg
    return [outcome, [str(w.message) for w in seen]]

def _t_warn_once():
    warnings.warn("shown once here", UserWarning)

def _t_shown_once_around(job):
    # Shown once per place under "default": changing the filters would have it shown again.
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        _t_warn_once()
        job()
        _t_warn_once()
    return [str(w.message) for w in seen]
`);
  const main = python.import("__main__");
  const escapes = 'def f(s):\n    return re.findall("\\d+", s)\n'; // "\d": an invalid escape sequence
  const jobs: Record<string, () => unknown> = {
    parse: () => void ast.parse(escapes),
    "compile(tree)": () => ast.compile(ast.parse("x = 1\nif x is 1:\n    pass\n")).dispose(), // "is" with a literal
  };
  for (const [name, job] of Object.entries(jobs)) {
    for (const action of ["error", "always"]) {
      assert.equal(main.get("_t_under_filter").call(action, job).toJS(), ["ok", []], `${name} under "${action}"`);
    }
    assert.equal(main.get("_t_shown_once_around").call(job).toJS(), ["shown once here"], name);
  }
  // Python's own parse, for comparison: the filter at work.
  const parsePython = () => pyAst.get("parse").call(escapes).dispose();
  assert.match(
    String(main.get("_t_under_filter").call("error", parsePython).toJS()),
    /SyntaxError: .*invalid escape sequence/,
  );
});

test("compile(tree, frame): a closure keeps its free variables, qualname, file and lines", () => {
  const frame = frameOf("adder");
  const tree = new ScaleConstants().visit(ast.parse(frame.source));
  using code = ast.compile(tree, frame);
  for (const name of ["co_freevars", "co_qualname", "co_filename", "co_firstlineno", "co_name", "co_argcount"]) {
    assert.equal(codeAttribute(code, name), codeAttribute(frame.code, name), name);
  }
  assert.equal(codeAttribute(code, "co_freevars"), ["a", "b"]);
  assert.is(callWith(code, frame, 5), 5 + 2 + 3 + 10);
});

test("compile(tree, frame): unchanged source gives the same lines and columns as the original", () => {
  for (const expression of ["adder", "Child.value", "Vault.peek"]) {
    const frame = frameOf(expression);
    using code = ast.compile(ast.parse(frame.source), frame);
    assert.is(positions(code), positions(frame.code), expression);
    assert.is(codeAttribute(code, "co_flags"), codeAttribute(frame.code, "co_flags"), expression);
  }
});

test("trees nested deeper than the stacks allow are refused with a clear error, never a crash", () => {
  // Python code (not its parser) builds trees of any depth; 4,000-8,000 levels overflowed the
  // native stack of Bun and Deno, killing the process.
  python.exec(`
import ast as _deep_ast
_at = dict(lineno=1, col_offset=0, end_lineno=1, end_col_offset=1)
def _deep_tree(levels):
    node = _deep_ast.Constant(1, **_at)
    for _ in range(levels):
        node = _deep_ast.BinOp(node, _deep_ast.Add(), _deep_ast.Constant(1, **_at), **_at)
    return _deep_ast.Expression(node)
def _deep_value(tree):
    return eval(compile(tree, "<deep>", "eval"))
`);
  const depthOf = (tree: ast.Node) => {
    let levels = 0;
    for (let node = (tree as ast.Expression).body; node instanceof ast.BinOp; node = node.left) levels++;
    return levels;
  };
  {
    using shallow = python.eval("_deep_tree(500)") as PyObject;
    const tree = ast.fromPython(shallow);
    assert.is(depthOf(tree), 500);
    using back = ast.toPython(tree);
    assert.is(python.import("__main__").get("_deep_value").call(back).toJS(), 501);
  }
  {
    using deep = python.eval("_deep_tree(30000)") as PyObject;
    const error = captured(() => ast.fromPython(deep));
    assert.instance(error, PythonError);
    assert.is((error as PythonError).type, "RecursionError");
    assert.match(String(error), /nests too deeply to send to TypeScript/);
  }
  for (const levels of [5000, 100000]) {
    let node: ast.expr = new ast.Constant({ value: 1 });
    for (let i = 0; i < levels; i++) {
      node = new ast.BinOp({ left: node, op: new ast.Add(), right: new ast.Constant({ value: 1 }) });
    }
    // Refused by the JS encoder or, where the JS stack is deeper, by the native one.
    assert.match(
      String(captured(() => ast.toPython(new ast.Expression({ body: node })))),
      /nests too deeply to send to Python/,
    );
  }
  assert.is(ast.parse("x = 1 + 1").body.length, 1, "and everything works after");
});

test("visitors and fixMissingLocations refuse a tree too deep for the JS stack, or holding a cycle, saying so", () => {
  // They recurse, as Python's do (which raise RecursionError); they threw the engine's bare
  // "Maximum call stack size exceeded".
  let deep: ast.expr = new ast.Constant({ value: 1 });
  for (let i = 0; i < 100000; i++) {
    deep = new ast.BinOp({ left: deep, op: new ast.Add(), right: new ast.Constant({ value: 1 }) });
  }
  const loop = new ast.If({ test: new ast.Constant({ value: true }), body: [], orelse: [] });
  loop.body.push(loop);
  class Names extends ast.NodeVisitor {
    visitName(node: ast.Name) {
      this.genericVisit(node);
    }
  }
  class Scale extends ast.NodeTransformer {}
  for (const tree of [new ast.Expression({ body: deep }), new ast.Module({ body: [loop] })]) {
    const tooDeep = (purpose: string) =>
      `pyframe: the ast tree nests too deeply ${purpose} (or holds a cycle): the JavaScript stack ran out; ` +
      "split its deepest expression";
    throwsExactly(() => new Names().visit(tree), tooDeep("for NodeVisitor.visit"), RangeError);
    throwsExactly(() => new Names().genericVisit(tree), tooDeep("for NodeVisitor.visit"), RangeError);
    throwsExactly(() => new Scale().visit(tree), tooDeep("for NodeTransformer.visit"), RangeError);
    throwsExactly(() => ast.fixMissingLocations(tree), tooDeep("for ast.fixMissingLocations"), RangeError);
  }
  // An error of the visitor's own passes through unchanged.
  class Failing extends ast.NodeVisitor {
    visitConstant(): void {
      throw new RangeError("mine");
    }
  }
  throwsExactly(() => new Failing().visit(ast.parse("x = 1")), "mine", RangeError);
});

/** What `run` throws (it must throw). */
function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

test("compile(tree, frame): the module's __future__ imports hold (annotations stay strings)", () => {
  const frame = frameOf("annotated_inside");
  using code = ast.compile(new ScaleConstants().visit(ast.parse(frame.source)), frame);
  assert.is(codeAttribute(code, "co_flags"), codeAttribute(frame.code, "co_flags"));
  assert.equal(callWith(code, frame, 1), ["Decimal", 1 + 10]);
});

test("compile(tree, frame): a free variable the new body no longer uses is kept", () => {
  class ForgetB extends ast.NodeTransformer {
    visitName(node: ast.Name) {
      return node.id === "b" ? ast.copyLocation(new ast.Constant({ value: 100 }), node) : node;
    }
  }
  const frame = frameOf("adder");
  using code = ast.compile(new ForgetB().visit(ast.parse(frame.source)), frame);
  assert.equal(codeAttribute(code, "co_freevars"), ["a", "b"]);
  assert.is(callWith(code, frame, 5), 5 + 2 + 100 + 1);
});

test("compile(tree, frame): an enclosing function's global class or def stays global in the rewrite", () => {
  // CPython's pickletester does this: the names the qualname's scopes bind are the enclosing
  // function's locals unless it declares them global, and then the frame's code reads the global.
  python.exec(`
def _t_make_global_class(seed):
    global _T_Declared
    class _T_Declared:
        def rebuild(self):
            return _T_Declared.__qualname__, seed
    return _T_Declared

def _t_make_global_def(limit):
    global _t_countdown
    def _t_countdown(n):
        return _t_countdown(n - 1) if n > limit else n
    return _t_countdown
`);
  const method = frameOf("_t_make_global_class(7).rebuild");
  assert.equal(codeAttribute(method.code, "co_freevars"), ["seed"]);
  using methodCode = ast.compile(new ScaleConstants().visit(ast.parse(method.source)), method);
  assert.equal(codeAttribute(methodCode, "co_freevars"), ["seed"]);
  // Declared global, the class is named as a module-level one: no "<locals>".
  assert.is(codeAttribute(method.code, "co_qualname"), "_T_Declared.rebuild");
  assert.is(codeAttribute(methodCode, "co_qualname"), "_T_Declared.rebuild");
  using instance = python.eval("_T_Declared()") as PyObject;
  assert.equal(callWith(methodCode, method, instance), ["_T_Declared", 7]);

  const recursive = frameOf("_t_make_global_def(3)");
  assert.equal(codeAttribute(recursive.code, "co_freevars"), ["limit"]);
  using recursiveCode = ast.compile(new ScaleConstants().visit(ast.parse(recursive.source)), recursive);
  assert.equal(codeAttribute(recursiveCode, "co_freevars"), ["limit"]);
  assert.is(codeAttribute(recursiveCode, "co_qualname"), "_t_countdown");
  // The rewrite steps by 10, then calls the global, the original, which steps by 1 down to 3 (a
  // rewrite calling itself would go on by 10, to 0).
  assert.is(callWith(recursiveCode, recursive, 30), 3);
});

test("compile(tree, frame): a decorated method using super() keeps __class__ and its first line", () => {
  const frame = frameOf("Child.value");
  assert.equal(codeAttribute(frame.code, "co_freevars"), ["__class__"]);
  const tree = new ScaleConstants().visit(ast.parse(frame.source));
  using code = ast.compile(tree, frame);
  assert.equal(codeAttribute(code, "co_freevars"), ["__class__"]);
  assert.is(codeAttribute(code, "co_qualname"), "Child.value");
  assert.is(codeAttribute(code, "co_firstlineno"), frame.firstLineNo);
  using child = python.import("__main__").get("Child").call();
  assert.is(callWith(code, frame, child), 1 + 10, "Base.value() still gives 1, the scaled + 10 gives 10");
  assert.is(python.eval("Child().value()"), 2, "the original is untouched");
});

test("compile(tree, frame): private names are mangled with the method's class", () => {
  const frame = frameOf("Vault.peek");
  const tree = new ScaleConstants().visit(ast.parse(frame.source));
  using code = ast.compile(tree, frame);
  using vault = python.import("__main__").get("Vault").call();
  assert.is(callWith(code, frame, vault), 4 * 20);
});

test("compile(tree, frame): a node placed twice keeps the lines and columns of its place, moved once", () => {
  // A parsed node is one Python node wherever it is put (Python compiles that); moving lines and
  // columns to the file's at each visit moved it twice: line 3 of the method became 6 lines on.
  const frame = frameOf("Vault.peek");
  const tree = ast.parse(frame.source);
  const definition = tree.body[0] as ast.FunctionDef;
  const returned = definition.body[0] as ast.Return;
  definition.body.unshift(new ast.Expr({ value: returned.value! }));
  using code = ast.compile(tree, frame);
  const returnLine = frame.firstLineNo + 1;
  const onReturnLine = (text: string) =>
    text.split("), (").filter((p) => p.startsWith(`${returnLine}, ${returnLine},`));
  assert.equal(codeAttribute(code, "co_firstlineno"), frame.firstLineNo);
  assert.ok(onReturnLine(positions(code)).length > 0, positions(code));
  const distinct = (items: string[]) => [...new Set(items)].sort();
  assert.equal(distinct(onReturnLine(positions(code))), distinct(onReturnLine(positions(frame.code))));
  assert.not.match(positions(code), new RegExp(`\\(${returnLine + 1}, |\\(${frame.firstLineNo + 2}, `));
  using vault = python.import("__main__").get("Vault").call();
  assert.is(callWith(code, frame, vault), 8);
});

test("compile(tree, frame): a node given a line far past the end of the file compiles at once", () => {
  // Reading the file's lines up to the tree's last line took 22 s for line 10,000,000.
  const frame = frameOf("Vault.peek");
  const tree = ast.parse(frame.source);
  const definition = tree.body[0] as ast.FunctionDef;
  const far = { lineno: 10_000_000, col_offset: 4, end_lineno: 10_000_000, end_col_offset: 8 };
  definition.body.unshift(new ast.Expr({ value: new ast.Name({ id: "self", ctx: new ast.Load(), ...far }), ...far }));
  const started = performance.now();
  using code = ast.compile(tree, frame);
  const took = performance.now() - started;
  assert.ok(took < 2000, `compiled in ${took} ms`);
  using vault = python.import("__main__").get("Vault").call();
  assert.is(callWith(code, frame, vault), 8);
});

/** The source's tree with each lambda's body replaced by `rewrite(body)`, given no location. */
function rewriteLambdaBodies(source: string, rewrite: (body: ast.expr) => ast.expr): ast.Module {
  const tree = ast.parse(source);
  for (const node of ast.walk(tree)) if (node instanceof ast.Lambda) node.body = rewrite(node.body);
  return tree;
}

const timesTen = (body: ast.expr) =>
  new ast.BinOp({ left: body, op: new ast.Mult(), right: new ast.Constant({ value: 10 }) });

test("compile(tree, frame): of lambdas whose new bodies have no location, the frame's is the one around its code", () => {
  // A body with no location takes its lambda's, where no body of the original code is: the first
  // lambda of the line was taken, so the second's frame ran the first's code.
  for (const [name, expected] of [["first_lambda", 20], ["second_lambda", 30]] as const) {
    const frame = frameOf(name);
    using code = ast.compile(rewriteLambdaBodies(frame.source, timesTen), frame);
    assert.is(callWith(code, frame, 1), expected, name);
  }
  // Nested: the inner lambda's frame takes the innermost around its code; the outer's, the outer
  // one (the inner one's whole span is where the outer code makes it).
  const inner = frameOf("nesting_lambda()");
  const scaleCall = (body: ast.expr) => body instanceof ast.Call ? timesTen(body) : body;
  using innerCode = ast.compile(rewriteLambdaBodies(inner.source, scaleCall), inner);
  assert.is(callWith(innerCode, inner), 20);
  const outer = frameOf("nesting_lambda");
  const maybe = (body: ast.expr) =>
    body instanceof ast.Lambda
      ? new ast.IfExp({ test: new ast.Constant({ value: true }), body, orelse: new ast.Constant({ value: null }) })
      : body;
  using outerCode = ast.compile(rewriteLambdaBodies(outer.source, maybe), outer);
  using made = callWith(outerCode, outer) as PyObject;
  assert.instance(made, PyObject, "the outer lambda's code makes the inner lambda");
  assert.is(made.call().toJS(), 2);
});

test("compile(tree, frame): between lambdas nothing tells apart, an error says how to keep them apart", () => {
  const frame = frameOf("constant_lambdas[1]");
  const tree = rewriteLambdaBodies(frame.source, timesTen);
  if (python.eval("__import__('sys').version_info[:2] == (3, 12)")) {
    // 3.12 gives the code of a lambda returning a constant no columns: its positions say nothing.
    assert.throws(
      () => ast.compile(tree, frame),
      /the tree holds 2 lambdas that could be the frame's <lambda> \(line \d+\), and none is where its body is: .*ast\.copyLocation\(newBody, oldBody\)/,
    );
  } else {
    using code = ast.compile(tree, frame);
    assert.is(callWith(code, frame), 10);
  }
});

test("compile(tree, frame) without a def of the frame's name is a clear error", () => {
  const frame = frameOf("adder");
  const tree = ast.parse(frame.source.replace("def adder", "def renamed"));
  assert.throws(
    () => ast.compile(tree, frame),
    /expected a def named "adder" in the tree \(the frame's function\), found only "renamed"; keep the function's name when rewriting it$/,
  );
  // The way a def usually goes missing: a visit method that forgot to return its node.
  class Forgetful extends ast.NodeTransformer {
    visitFunctionDef(node: ast.FunctionDef) {
      node.body.unshift(new ast.Pass());
    }
  }
  assert.throws(
    () => ast.compile(new Forgetful().visit(ast.parse(frame.source)) as ast.Module, frame),
    /found no def at all; keep the function's name when rewriting it \(a NodeTransformer visit method that returns nothing removes its node: return it\)/,
  );
  const lambdaFrame = frameOf("first_lambda");
  class ForgetfulLambda extends ast.NodeTransformer {
    visitLambda() {}
  }
  assert.throws(
    () => ast.compile(new ForgetfulLambda().visit(ast.parse(lambdaFrame.source)) as ast.Module, lambdaFrame),
    /expected a lambda in the tree \(the frame runs a lambda\), found none; .* returns nothing removes its node: return it\)/,
  );
  assert.throws(() => ast.compile(undefined as never, frame), /expects a tree \(an ast\.Node\), found undefined/);
  assert.throws(
    () => ast.compile(ast.parse("x", { mode: "eval" }), frame),
    /expects an ast\.Module holding the function's def, found ast\.Expression/,
  );
});

test("compile(tree, frame) checks the frame's fields, and refuses options given with a frame", () => {
  // A misspelt or mistyped field failed inside Python ("unsupported operand type(s) for -:
  // 'NoneType' and 'int'", "'int' object has no attribute 'split'"); mode was ignored silently.
  const frame = frameOf("adder");
  const tree = ast.parse(frame.source);
  const { name, qualname, filename, firstLineNo, code } = frame;
  const fields = { name, qualname, filename, firstLineNo, code };
  const needs = "pyframe: ast.compile(tree, frame) needs frame.";
  throwsExactly(
    () => ast.compile(tree, { ...fields, firstLineNo: undefined, firstLineno: 3 } as never),
    `${needs}firstLineNo, the code's co_firstlineno, a positive integer; found undefined`,
  );
  throwsExactly(
    () => ast.compile(tree, { ...fields, firstLineNo: "3" } as never),
    `${needs}firstLineNo, the code's co_firstlineno, a positive integer; found string "3"`,
  );
  assert.throws(() => ast.compile(tree, { ...fields, firstLineNo: 1.5 }), /firstLineNo, .* found number 1\.5$/);
  throwsExactly(
    () => ast.compile(tree, { ...fields, qualname: 5 } as never),
    `${needs}qualname, the code's co_qualname, a string; found number 5`,
  );
  throwsExactly(
    () => ast.compile(tree, { ...fields, code: 5 } as never),
    `${needs}code, the frame's code object (a PyObject of type code); found number 5`,
  );
  throwsExactly(
    () => ast.compile(tree, { ...fields, code: frame.function }),
    `${needs}code, the frame's code object (a PyObject of type code); found a Python function`,
  );
  throwsExactly(
    () => ast.compile(tree, { ...fields, mode: "eval" } as never),
    "pyframe: ast.compile(tree, target) takes options ({ filename, mode, optimize }) or a frame, not both: " +
      "found the frame's name, qualname, firstLineNo, code with the option mode; a frame's code is compiled " +
      "in exec mode with the interpreter's optimization",
  );
  using compiled = ast.compile(tree, { ...fields, source: frame.source } as never);
  assert.is(callWith(compiled, frame, 1), 1 + 2 + 3 + 1, "other names of a frame are fine");
});

test("compile(tree, frame) for a frame that runs no def says so, naming what it runs", () => {
  // It said 'expected a def named "<module>"', with the hint to keep the function's name.
  python.exec(`
_t_module_code = compile("class Box:\\n    size = 1\\nsquares = (n * n for n in range(3))\\n", "<frames>", "exec")
_t_class_code = next(c for c in _t_module_code.co_consts if getattr(c, "co_name", None) == "Box")
_t_genexpr_code = next(c for c in _t_module_code.co_consts if getattr(c, "co_name", None) == "<genexpr>")
# 3.14+: the code evaluating a def's annotations, compiled beside the def's own.
_t_annotated_code = compile("\\n\\ndef scaled(x: int) -> int:\\n    return x\\n", "<frames>", "exec")
_t_annotate_code = next((c for c in _t_annotated_code.co_consts if getattr(c, "co_name", None) == "__annotate__"), None)
`);
  // Named __annotate__ in 3.14, scaled.__annotate__ from 3.15.
  const annotate = python.eval("_t_annotate_code and _t_annotate_code.co_qualname");
  const annotations: [string, string][] = annotate
    ? [["_t_annotate_code", `the annotations of the def, class or module at line 3 (CPython's generated ${annotate})`]]
    : [];
  const runs = "pyframe: ast.compile(tree, frame) compiles code for function frames only (a def or a lambda), " +
    "but this frame runs ";
  for (
    const [variable, what] of [
      ["_t_module_code", "a module's top-level code"],
      ["_t_class_code", 'the body of class "Box"'],
      ["_t_genexpr_code", "a generator expression"],
      ...annotations,
    ]
  ) {
    using code = python.eval(variable) as PyObject;
    const frame = {
      code,
      name: code.get("co_name").toString(),
      qualname: code.get("co_qualname").toString(),
      filename: "<frames>",
      firstLineNo: 1,
    };
    throwsExactly(
      () => ast.compile(ast.parse("class Box:\n    size = 1\n"), frame),
      `${runs}${what}; leave such frames' code as it is (frame.isFunction tells them apart)`,
    );
  }
});

test("compile(tree, frame) refuses a body that turns a free variable into a local", () => {
  const frame = frameOf("adder");
  const tree = ast.parse(frame.source.replace("return x + a + b + 1", "b = 0\n    return x + a + b"));
  assert.throws(() => ast.compile(tree, frame), /assigns b locally, but the frame has it as a free variable/);
});

test.run();
