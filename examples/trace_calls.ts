/**
 * Call tracing: a Dynamo inserts a call to a tracer at the start of every function it sees, so each
 * call records the function's name and arguments.
 *
 *   deno run -A examples/trace_calls.ts      bun run examples/trace_calls.ts
 */
import { ast, Dynamo, python } from "../mod.ts";

const FILE = "traced.py";

python.exec(
  `
calls = []

def record(name, *arguments):
    calls.append([name, *arguments])

def fib(n):
    """The n-th Fibonacci number."""
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def greet(name, *, punctuation="!"):
    return "hello " + name + punctuation
`,
  { filename: FILE },
);

/** Puts `record("<name>", <each parameter>)` first in the function's body, after its docstring. */
class InsertTracer extends ast.NodeTransformer {
  constructor(readonly target: string) {
    super();
  }

  visitFunctionDef(node: ast.FunctionDef) {
    if (node.name !== this.target) return this.genericVisit(node);
    const { posonlyargs, args, vararg, kwonlyargs, kwarg } = node.args;
    const parameters = [...posonlyargs, ...args, ...(vararg ? [vararg] : []), ...kwonlyargs, ...(kwarg ? [kwarg] : [])];
    const call = new ast.Call({
      func: new ast.Name({ id: "record", ctx: new ast.Load() }),
      args: [
        new ast.Constant({ value: node.name }),
        ...parameters.map((p) => new ast.Name({ id: p.arg, ctx: new ast.Load() })),
      ],
    });
    const first = node.body[0];
    const hasDocstring = first instanceof ast.Expr && first.value instanceof ast.Constant &&
      typeof first.value.value === "string";
    node.body.splice(hasDocstring ? 1 : 0, 0, ast.copyLocation(new ast.Expr({ value: call }), first));
    return node;
  }
}

/** The calls recorded while `code` runs under the tracing Dynamo. */
export function traceCalls(code: string): { result: unknown; calls: unknown } {
  python.exec("calls.clear()");
  using _ = new Dynamo((frame) => {
    // The tracer itself is not traced, nor lambdas or code that is no function's (a module's).
    if (frame.filename !== FILE || !frame.isFunction || frame.name === "record" || frame.name === "<lambda>") return;
    return ast.compile(new InsertTracer(frame.name).visit(ast.parse(frame.source)), frame);
  });
  const result = python.eval(code);
  return { result, calls: python.eval("calls") };
}

if (import.meta.main) {
  const { result, calls } = traceCalls("fib(4), greet('Ada', punctuation='?')");
  console.log("result:", result);
  console.log("calls: ", calls);
}
