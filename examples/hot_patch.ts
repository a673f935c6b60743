/**
 * A hot patch: a Dynamo fixes a buggy Python function the first time it is called and makes the
 * fix the function's `__code__` with `patch()`, so every later call, on any thread, runs the fix
 * with no per-call cost. Disposing the Dynamo takes the patch back out.
 *
 *   deno run -A examples/hot_patch.ts      bun run examples/hot_patch.ts
 */
import { ast, Dynamo, patch, python, PythonError } from "../mod.ts";

python.exec(
  `
import threading

def average(values):
    return sum(values) / len(values)

def average_in_a_thread(values):
    out = []
    worker = threading.Thread(target=lambda: out.append(average(values)))
    worker.start()
    worker.join()
    return out
`,
  { filename: "stats.py" },
);

/** Puts `if not <first parameter>: return <fallback>` first in the body of the function `name`. */
class GuardAgainstEmpty extends ast.NodeTransformer {
  constructor(readonly name: string, readonly fallback: number) {
    super();
  }

  visitFunctionDef(node: ast.FunctionDef) {
    if (node.name !== this.name) return this.genericVisit(node);
    const guard = new ast.If({
      test: new ast.UnaryOp({
        op: new ast.Not(),
        operand: new ast.Name({ id: node.args.args[0].arg, ctx: new ast.Load() }),
      }),
      body: [new ast.Return({ value: new ast.Constant({ value: this.fallback }) })],
      orelse: [],
    });
    node.body.unshift(ast.copyLocation(guard, node.body[0]));
    return node;
  }
}

/** `expression`'s value, or the name of the Python exception it raised. */
function evaluate(expression: string): unknown {
  try {
    return python.eval(expression);
  } catch (error) {
    if (error instanceof PythonError) return error.type;
    throw error;
  }
}

/** `average([])` before, under and after the hot patch, and `average` in a Python thread under it. */
export function hotPatch(): { before: unknown; patched: unknown; inAThread: unknown; after: unknown } {
  const before = evaluate("average([])"); // ZeroDivisionError
  let patched, inAThread;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "average") return;
      const fixed = new GuardAgainstEmpty("average", 0).visit(ast.parse(frame.source));
      return patch(ast.compile(fixed, frame)); // average.__code__ is the fix from now on
    });
    patched = [evaluate("average([1, 2, 3])"), evaluate("average([])")]; // [2, 0]
    // Python threads never call JS; a patched function runs its fix there too.
    inAThread = evaluate("average_in_a_thread([])"); // [0]
  }
  const after = evaluate("average([])"); // ZeroDivisionError again
  return { before, patched, inAThread, after };
}

if (import.meta.main) {
  const { before, patched, inAThread, after } = hotPatch();
  console.log("before:     ", before);
  console.log("patched:    ", patched);
  console.log("in a thread:", inAThread);
  console.log("after:      ", after);
}
