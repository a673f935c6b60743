/**
 * pytest-style assertion rewriting: a Dynamo rewrites every `assert left <op> right` of the test
 * functions it sees, so that a failing assert says what both sides were.
 *
 *   deno run -A examples/assert_rewrite.ts      bun run examples/assert_rewrite.ts
 */
import { ast, Dynamo, python, PythonError } from "../mod.ts";

const OPERATORS = new Map<ast.NodeClass, string>([
  [ast.Eq, "=="],
  [ast.NotEq, "!="],
  [ast.Lt, "<"],
  [ast.LtE, "<="],
  [ast.Gt, ">"],
  [ast.GtE, ">="],
  [ast.Is, "is"],
  [ast.IsNot, "is not"],
  [ast.In, "in"],
  [ast.NotIn, "not in"],
]);

/**
 * Turns `assert a == b` into
 *
 *     @left0 = a
 *     @right0 = b
 *     if not @left0 == @right0:
 *         raise AssertionError("assert %r == %r (a == b)" % (@left0, @right0))
 *
 * Each side runs once, as in the original. Names starting with `@` cannot appear in source, so
 * they never clash with the function's own (pytest uses the same trick).
 */
class RewriteAsserts extends ast.NodeTransformer {
  #count = 0;

  visitAssert(node: ast.Assert) {
    const test = node.test;
    if (node.msg !== null || !(test instanceof ast.Compare) || test.ops.length !== 1) return node;
    const operator = OPERATORS.get(test.ops[0].constructor as unknown as ast.NodeClass)!;
    const [left, right] = [`@left${this.#count}`, `@right${this.#count++}`];
    const load = (id: string) => new ast.Name({ id, ctx: new ast.Load() });
    const store = (id: string, value: ast.expr) =>
      new ast.Assign({ targets: [new ast.Name({ id, ctx: new ast.Store() })], value });
    const message = new ast.BinOp({
      left: new ast.Constant({ value: `assert %r ${operator} %r (${ast.unparse(test)})` }),
      op: new ast.Mod(),
      right: new ast.Tuple({ elts: [load(left), load(right)], ctx: new ast.Load() }),
    });
    const failed = new ast.UnaryOp({
      op: new ast.Not(),
      operand: new ast.Compare({ left: load(left), ops: test.ops, comparators: [load(right)] }),
    });
    const raise = new ast.Raise({ exc: new ast.Call({ func: load("AssertionError"), args: [message] }) });
    const statements = [
      store(left, test.left),
      store(right, test.comparators[0]),
      new ast.If({ test: failed, body: [raise] }),
    ];
    return statements.map((statement) => ast.copyLocation(statement, node));
  }
}

python.exec(`
def test_total():
    prices = [2, 2]
    assert sum(prices) == 5
`);

/** The AssertionError message of `test_total()`, without and with the rewriting Dynamo. */
export function assertionMessages(): { plain: string; rewritten: string } {
  const plain = assertionMessage();
  using _ = new Dynamo((frame) => {
    if (!frame.name.startsWith("test_")) return;
    return ast.compile(new RewriteAsserts().visit(ast.parse(frame.source)), frame);
  });
  return { plain, rewritten: assertionMessage() };
}

function assertionMessage(): string {
  try {
    python.eval("test_total()");
  } catch (error) {
    if (error instanceof PythonError && error.type === "AssertionError") return error.pythonMessage;
    throw error;
  }
  throw new Error("test_total() passed; expected it to fail");
}

if (import.meta.main) {
  const { plain, rewritten } = assertionMessages();
  console.log(`plain:     AssertionError: ${plain}`);
  console.log(`rewritten: AssertionError: ${rewritten}`);
}
