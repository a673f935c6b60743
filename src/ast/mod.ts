/**
 * Python's abstract syntax trees in TypeScript: typed node classes for every `ast` node of the
 * supported Pythons, `parse`, `NodeVisitor` / `NodeTransformer`, the helpers of Python's `ast`
 * module, and `compile` back to a code object — including the replacement code for a Dynamo
 * frame. Names keep Python's meanings in TypeScript spelling (`genericVisit`, `visitConstant`,
 * `fixMissingLocations`); node fields keep Python's names (`decorator_list`, `col_offset`).
 *
 * See {@link ConstantValue} for how Python constants look in TypeScript.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 *
 * class ScaleConstants extends ast.NodeTransformer {
 *   visitConstant(node: ast.Constant) {
 *     if (typeof node.value === "number") node.value *= 10;
 *     return node;
 *   }
 * }
 * const tree = new ScaleConstants().visit(ast.parse("x = 1 + 2.5"));
 * ast.unparse(tree); // "x = 10 + 25.0"
 * ```
 *
 * @module
 */

export * from "./_nodes.ts";
export { type FieldQuantity, type FieldType, type Location, Node, type NodeClass } from "./node.ts";
export { CodePoints, Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
export { dump, type DumpOptions, parse, ParseError, type ParseOptions, unparse } from "./parse.ts";
export { literalEval, type LiteralValue } from "./literal.ts";
export { fromPython, toPython } from "./convert.ts";
export { NodeTransformer, NodeVisitor } from "./visitor.ts";
export { iterChildNodes, iterFields, walk } from "./walk.ts";
export { copyLocation, fixMissingLocations, incrementLineno } from "./location.ts";
export { compile, type CompileOptions, type FrameTarget } from "./compile.ts";
