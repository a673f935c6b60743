/** Test support: a visible rewrite for tests that compare rewritten results with Python's own. */
import { ast } from "../mod.ts";

/** Multiplies integer constants (not booleans, not floats) by ten. */
export class ScaleIntegers extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number" && Number.isInteger(node.value)) node.value *= 10;
    return node;
  }
}
