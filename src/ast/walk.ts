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
  let checked = false;
  // An index instead of shift(): shift is linear, and trees have many nodes.
  for (let next = 0; next < pending.length; next++) {
    const current = pending[next];
    for (const child of childrenOf(current)) pending.push(child); // not spread: a body can hold 100,000s
    if (!checked && pending.length > CYCLE_CHECK_AFTER) {
      requireAcyclic(node); // once: past it, a tree with no cycle is walked to its end
      checked = true;
    }
    yield current;
  }
}

/**
 * Nodes queued before `walk` looks for a cycle, which would queue nodes until memory runs out (and
 * V8 ends the process). Above the largest trees parsed from real modules (the standard library's
 * biggest has about 100,000 nodes), so the check costs them nothing.
 */
const CYCLE_CHECK_AFTER = 2_000_000;

/**
 * Throws when a node of the tree is inside itself. Shared nodes are fine (a node may sit in
 * several places, as Python allows): only a node met again below itself is a cycle.
 */
function requireAcyclic(root: Node): void {
  const onPath = new Set<Node>(), done = new Set<Node>();
  const stack: { node: Node; children: Iterator<Node> }[] = [{ node: root, children: childrenOf(root) }];
  onPath.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const step = top.children.next();
    if (step.done) {
      stack.pop();
      onPath.delete(top.node);
      done.add(top.node);
      continue;
    }
    const child = step.value;
    if (onPath.has(child)) {
      throw new RangeError(
        `pyframe: ast.walk: the tree holds a cycle: an ast.${child.typeName} is inside itself (a node ` +
          "may appear in several places of a tree, but not below itself)",
      );
    }
    if (done.has(child)) continue;
    onPath.add(child);
    stack.push({ node: child, children: childrenOf(child) });
  }
}
