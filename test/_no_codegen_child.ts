/**
 * Test support, run as its own process by ast_test.ts where code generation from strings is
 * refused (Deno: `--v8-flags=--disallow-code-generation-from-strings`; Bun has no such switch, so
 * `--refuse-codegen` makes `Function` refuse as V8 does): visitors and transformers must still
 * work, on trees built by hand, and reading a tree from Python must say why it cannot. Prints one
 * JSON line of what they saw and made.
 */
import process from "node:process";
import type * as Ast from "../src/ast/mod.ts";

if (process.argv.includes("--refuse-codegen")) {
  globalThis.Function = function () {
    throw new EvalError("Code generation from strings disallowed for this context");
  } as unknown as FunctionConstructor;
}
const { ast } = await import("../mod.ts");

let refused = false;
try {
  new Function("return 1");
} catch (error) {
  refused = error instanceof EvalError;
}

const name = (id: string) => new ast.Name({ id, ctx: new ast.Load() });
const tree = new ast.Module({
  body: [
    new ast.Expr({
      value: new ast.BinOp({ left: new ast.Constant({ value: 1 }), op: new ast.Add(), right: name("x") }),
    }),
    new ast.Pass(),
    new ast.Expr({ value: new ast.Call({ func: name("f"), args: [name("y"), new ast.Constant({ value: 2 })] }) }),
  ],
});

class Rewrite extends ast.NodeTransformer {
  visitConstant(node: Ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
  visitPass() {
    return undefined; // removed from its list
  }
  visitName(node: Ast.Name) {
    return node.id === "y" ? [name("y1"), name("y2")] : node; // spliced into its list
  }
}
class Names extends ast.NodeVisitor {
  seen: string[] = [];
  visitName(node: Ast.Name) {
    this.seen.push(node.id);
  }
}
new Rewrite().visit(tree);
const names = new Names();
names.visit(tree);
let parseError = "";
try {
  ast.parse("x = 1");
} catch (error) {
  parseError = String(error);
}
console.log(JSON.stringify({ refused, names: names.seen, dump: ast.dump(tree), parseError }));
