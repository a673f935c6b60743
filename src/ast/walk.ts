/**
 * Python's `ast.walk`, `ast.iter_child_nodes` and `ast.iter_fields`, in TypeScript.
 *
 * @module
 */

import { fieldValue } from "./_access.ts";
import { Node, requireNode } from "./node.ts";

/**
 * Each `[name, value]` of the node's fields (Python's `ast.iter_fields`), skipping unset ones.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const name = new ast.Name({ id: "x", ctx: new ast.Load() });
 * [...ast.iterFields(name)].map(([field]) => field); // ["id", "ctx"]
 * ```
 */
export function iterFields(node: Node): Generator<[name: string, value: unknown]> {
  requireNode(node, "ast.iterFields(node)");
  return fieldsOf(node);
}

function* fieldsOf(node: Node): Generator<[name: string, value: unknown]> {
  for (const name of node._fields) {
    const value = fieldValue(node, name);
    if (value !== undefined) yield [name, value];
  }
}

/**
 * The direct child nodes of `node`: fields holding a node, and the nodes in fields holding lists
 * (Python's `ast.iter_child_nodes`).
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const sum = ast.parse("1 + 2", { mode: "eval" }).body;
 * [...ast.iterChildNodes(sum)].length; // 3: Constant, Add, Constant
 * ```
 */
export function iterChildNodes(node: Node): Generator<Node> {
  requireNode(node, "ast.iterChildNodes(node)");
  return childrenOf(node);
}

function* childrenOf(node: Node): Generator<Node> {
  for (const [, value] of fieldsOf(node)) {
    if (value instanceof Node) yield value;
    else if (Array.isArray(value)) {
      for (const item of value) if (item instanceof Node) yield item;
    }
  }
}

/**
 * Every node of the tree, `node` first, breadth first like Python's `ast.walk`.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const constants = [...ast.walk(ast.parse("f(1, 2)"))].filter((n) => n instanceof ast.Constant);
 * constants.length; // 2
 * ```
 */
export function walk(node: Node): Generator<Node> {
  requireNode(node, "ast.walk(node)");
  return breadthFirst(node);
}

function* breadthFirst(node: Node): Generator<Node> {
  const pending: Node[] = [node];
  // An index instead of shift(): shift is linear, and trees have many nodes.
  for (let next = 0; next < pending.length; next++) {
    const current = pending[next];
    pending.push(...childrenOf(current));
    yield current;
  }
}
