// The seed project (pyframe_eval): its README example and its test functions, each called outside
// and inside a Dynamo that runs the function rewritten by a TypeScript NodeTransformer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ast, Dynamo, type Frame, python } from "../mod.ts";

class ScaleConstants extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
}

const rewrite = (names: string[]) => (frame: Frame) => {
  if (!names.includes(frame.name)) return;
  const tree = new ScaleConstants().visit(ast.parse(frame.source));
  return ast.compile(tree, frame);
};

test("README: 3 before, 30 inside, 3 after", () => {
  python.exec("def bob():\n    return 1 + 2\n");
  assert.is(python.eval("bob()"), 3);
  {
    using _ = new Dynamo(rewrite(["bob"]));
    assert.is(python.eval("bob()"), 30);
  }
  assert.is(python.eval("bob()"), 3);
});

python.exec(`
def hasposonly(a, b, /, c):
    return [a, b, c, 1]

def hasposonlyandvar(a, b, /, c, *args):
    return [a, b, c, list(args), 2]

def hasposonlyandkwargs(a, b, /, c, **kwargs):
    return [a, b, c, kwargs, 3]

def hasposonlyandvarandkwargs(a, b, /, c, *args, **kwargs):
    return [a, b, c, list(args), kwargs, 4]

def hasvarargs(*args):
    return [list(args), 5]

def haskwargs(**kwargs):
    return [kwargs, 6]

def hasboth(*args, **kwargs):
    return [list(args), kwargs, 7]

def hasdefaults(a, b=20, *, c=30, d):
    return [a, b, c, d, 8]
`);

const cases: [call: string, outside: unknown, inside: unknown][] = [
  ["hasposonly(1, 2, 3)", [1, 2, 3, 1], [1, 2, 3, 10]],
  ["hasposonly(1, 2, c=3)", [1, 2, 3, 1], [1, 2, 3, 10]],
  ["hasposonlyandvar(1, 2, 3, 4, 5)", [1, 2, 3, [4, 5], 2], [1, 2, 3, [4, 5], 20]],
  ["hasposonlyandkwargs(1, 2, 3, x=4)", [1, 2, 3, new Map([["x", 4]]), 3], [1, 2, 3, new Map([["x", 4]]), 30]],
  ["hasposonlyandkwargs(1, 2, c=3, a=9)", [1, 2, 3, new Map([["a", 9]]), 3], [1, 2, 3, new Map([["a", 9]]), 30]],
  ["hasposonlyandvarandkwargs(1, 2, 3, 4, y=5)", [1, 2, 3, [4], new Map([["y", 5]]), 4], [
    1,
    2,
    3,
    [4],
    new Map([["y", 5]]),
    40,
  ]],
  ["hasvarargs(1, 'two')", [[1, "two"], 5], [[1, "two"], 50]],
  ["hasvarargs()", [[], 5], [[], 50]],
  ["haskwargs(k=1)", [new Map([["k", 1]]), 6], [new Map([["k", 1]]), 60]],
  ["hasboth(1, k=2)", [[1], new Map([["k", 2]]), 7], [[1], new Map([["k", 2]]), 70]],
  ["hasdefaults(1, d=4)", [1, 20, 30, 4, 8], [1, 20, 30, 4, 80]],
  ["hasdefaults(1, 2, c=3, d=4)", [1, 2, 3, 4, 8], [1, 2, 3, 4, 80]],
];

const names = [
  "hasposonly",
  "hasposonlyandvar",
  "hasposonlyandkwargs",
  "hasposonlyandvarandkwargs",
  "hasvarargs",
  "haskwargs",
  "hasboth",
  "hasdefaults",
];

for (const [call, outside, inside] of cases) {
  test(`seed function ${call}: original outside, rewritten inside`, () => {
    assert.equal(python.eval(call), outside);
    {
      using _ = new Dynamo(rewrite(names));
      assert.equal(python.eval(call), inside);
      assert.equal(python.eval(call), inside, "second call, from the decision cache");
    }
    assert.equal(python.eval(call), outside);
  });
}

test("argument errors still come from the original signature", () => {
  using _ = new Dynamo(rewrite(names));
  assert.throws(() => python.eval("hasposonly(a=1, b=2, c=3)"), /positional-only arguments passed as keyword/);
  assert.throws(() => python.eval("hasdefaults(1)"), /missing 1 required keyword-only argument: 'd'/);
});

test.run();
