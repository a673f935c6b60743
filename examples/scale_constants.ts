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

/** `bob()` before, inside and after a Dynamo that scales its constants. */
export function scaleConstants(): { before: unknown; inside: unknown; after: unknown } {
  python.exec("def bob():\n    return 1 + 2\n");
  const before = python.eval("bob()"); // 3
  let inside;
  {
    using _ = new Dynamo((frame) => {
      if (frame.name !== "bob") return; // undefined: run the original code
      const tree = new ScaleConstants().visit(ast.parse(frame.source));
      return ast.compile(tree, frame); // a code object: run this instead
    });
    inside = python.eval("bob()"); // 30
  }
  const after = python.eval("bob()"); // 3 again
  return { before, inside, after };
}

if (import.meta.main) {
  const { before, inside, after } = scaleConstants();
  console.log("before:", before);
  console.log("inside:", inside);
  console.log("after: ", after);
}
