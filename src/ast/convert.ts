/**
 * Converting trees between TypeScript nodes and Python `ast` objects.
 *
 * @module
 */

import { PyObject } from "../python/mod.ts";
import { describe } from "./_access.ts";
import { pythonTree, typeScriptTree } from "./_bridge.ts";
import { type Node, requireNode } from "./node.ts";

/**
 * The Python `ast` tree for `tree`, as a new PyObject. Throws TypeError when a node is missing a
 * required field, holds a value of the wrong type, or needs a newer Python than the running one.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * using tree = ast.toPython(new ast.Constant({ value: 2.5 }));
 * tree.repr(); // "<ast.Constant object at 0x...>"
 * ```
 */
export function toPython(tree: Node): PyObject {
  requireNode(tree, "ast.toPython(tree)");
  return pythonTree(tree);
}

/**
 * The TypeScript tree for a Python `ast` object (a PyObject of any `ast.AST` node).
 *
 * @example
 * ```ts
 * import { ast, python } from "@pyframe/dynamo";
 * using pyTree = python.import("ast").get("parse").call("x = 1");
 * const tree = ast.fromPython(pyTree) as ast.Module;
 * tree.body[0] instanceof ast.Assign; // true
 * ```
 */
export function fromPython(tree: PyObject): Node {
  // The native reader takes its address: anything else crashed Bun.
  if (!(tree instanceof PyObject)) {
    throw new TypeError(`pyframe: ast.fromPython(tree) takes a Python ast node (a PyObject), found ${describe(tree)}`);
  }
  return typeScriptTree(tree);
}
