/**
 * pyframe: embed CPython in Deno and Bun, and intercept every new Python frame from TypeScript
 * (PEP 523) to inspect it or run rewritten code instead.
 *
 * @example
 * ```ts
 * import { ast, Dynamo, python } from "@pyframe/dynamo";
 *
 * class ScaleConstants extends ast.NodeTransformer {
 *   visitConstant(node: ast.Constant) {
 *     if (typeof node.value === "number") node.value *= 10;
 *     return node;
 *   }
 * }
 *
 * python.exec("def bob():\n    return 1 + 2\n");
 * python.eval("bob()"); // 3
 * {
 *   using _ = new Dynamo((frame) => {
 *     if (frame.name !== "bob") return;
 *     const tree = new ScaleConstants().visit(ast.parse(frame.source));
 *     return ast.compile(tree, frame);
 *   });
 *   python.eval("bob()"); // 30
 * }
 * python.eval("bob()"); // 3
 * ```
 *
 * @module
 */

export {
  type CallableOptions,
  type ComparisonOperator,
  type ConvertOptions,
  type ImportFileOptions,
  type JSValue,
  KeyboardInterrupt,
  KeywordArguments,
  kw,
  type Ptr,
  PyObject,
  type Python,
  python,
  PythonError,
  type RunOptions,
  SystemExit,
  toJS,
  toPython,
} from "./src/python/mod.ts";
export {
  askAgain,
  Decision,
  Dynamo,
  type DynamoOptions,
  Frame,
  type FrameCallback,
  patch,
  skip,
  type SkipOptions,
  standardLibraryPaths,
} from "./src/dynamo/mod.ts";
export * as ast from "./src/ast/mod.ts";
export { LoadError } from "./src/ffi/mod.ts";
