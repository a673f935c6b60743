/**
 * The seed project's example: a TypeScript callback rewrites a Python function's AST just in time.
 *
 *   deno run -A examples/scale_constants.ts      bun run examples/scale_constants.ts
 */
import { ast, Dynamo, python } from "../mod.ts";

/** Multiplies every number literal by ten. */
class ScaleConstants extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
}

python.exec("def bob():\n    return 1 + 2\n");
console.log("before:", python.eval("bob()")); // 3
{
  using _ = new Dynamo((frame) => {
    if (frame.name !== "bob") return; // undefined: run the original code
    const tree = new ScaleConstants().visit(ast.parse(frame.source));
    return ast.compile(tree, frame); // a code object: run this instead
  });
  console.log("inside:", python.eval("bob()")); // 30
}
console.log("after: ", python.eval("bob()")); // 3 again
