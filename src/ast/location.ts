/**
 * Python's `ast.copy_location`, `ast.fix_missing_locations` and `ast.increment_lineno`, in
 * TypeScript, with the same rules.
 *
 * @module
 */

import { describe, fieldValue, setFieldValue } from "./_access.ts";
import { TypeIgnore } from "./_nodes.ts";
import { type Node, requireNode } from "./node.ts";
import { withinStack } from "./_stack.ts";
import { iterChildNodes, walk } from "./walk.ts";

const POSITIONS = ["lineno", "col_offset", "end_lineno", "end_col_offset"] as const;

/**
 * Copies the source location of `oldNode` to `newNode` where both have the attribute, and
 * returns `newNode`. The end positions are copied even when `null`.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const old = ast.parse("x").body[0];
 * const replacement = ast.copyLocation(new ast.Pass(), old);
 * replacement.lineno; // 1
 * ```
 */
export function copyLocation<T extends Node>(newNode: T, oldNode: Node): T {
  requireNode(newNode, "ast.copyLocation(newNode, oldNode)");
  requireNode(oldNode, "ast.copyLocation(newNode, oldNode)");
  for (const name of POSITIONS) {
    if (!oldNode._attributes.includes(name) || !newNode._attributes.includes(name)) continue;
    const value = fieldValue(oldNode, name);
    const copyNull = value === null && name.startsWith("end_");
    if ((value !== undefined && value !== null) || copyNull) setFieldValue(newNode, name, value);
  }
  return newNode;
}

/**
 * Gives every node that lacks a location its parent's, starting from line 1, column 0, so the
 * tree compiles; returns `node`. Needed after adding nodes built by hand.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const tree = new ast.Module({ body: [new ast.Pass()] });
 * ast.fixMissingLocations(tree);
 * tree.body[0].lineno; // 1
 * ```
 */
export function fixMissingLocations<T extends Node>(node: T): T {
  requireNode(node, "ast.fixMissingLocations(node)");
  const start = { lineno: 1, col_offset: 0, end_lineno: 1, end_col_offset: 0 };
  withinStack("for ast.fixMissingLocations", () => fixNode(node, start));
  return node;
}

type Inherited = Record<(typeof POSITIONS)[number], unknown>;

function fixNode(node: Node, parent: Inherited): void {
  const here = { ...parent };
  for (const name of POSITIONS) {
    if (!node._attributes.includes(name)) continue;
    const value = fieldValue(node, name);
    // Start positions count as missing only when unset; end positions also when null (Python's rule).
    const missing = name.startsWith("end_") ? value === undefined || value === null : value === undefined;
    if (missing) setFieldValue(node, name, here[name]);
    else here[name] = value;
  }
  for (const child of iterChildNodes(node)) fixNode(child, here);
}

/**
 * Moves every node of the tree `lines` lines down (Python's `ast.increment_lineno`); returns
 * `node`.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const tree = ast.incrementLineno(ast.parse("x"), 9);
 * tree.body[0].lineno; // 10
 * ```
 */
export function incrementLineno<T extends Node>(node: T, lines = 1): T {
  requireNode(node, "ast.incrementLineno(node, lines)");
  // A string would be concatenated: "2" made line 1 line "12".
  if (!Number.isInteger(lines)) {
    throw new TypeError(
      `pyframe: ast.incrementLineno(node, lines) takes a whole number of lines, got ${describe(lines)}`,
    );
  }
  for (const child of walk(node)) {
    // TypeIgnore has lineno as a field, not as a location attribute.
    if (child instanceof TypeIgnore) {
      child.lineno = (child.lineno ?? 0) + lines;
      continue;
    }
    if (child._attributes.includes("lineno")) {
      setFieldValue(child, "lineno", ((fieldValue(child, "lineno") as number | undefined) ?? 0) + lines);
    }
    const end = fieldValue(child, "end_lineno") as number | null | undefined;
    if (child._attributes.includes("end_lineno") && end !== null) {
      setFieldValue(child, "end_lineno", (end ?? 0) + lines);
    }
  }
  return node;
}
