/**
 * `NodeVisitor` and `NodeTransformer`, with the meanings of Python's: `visit(node)` calls the
 * method named after the node's class (`visitConstant` for Python's `visit_Constant`), else
 * `genericVisit`.
 *
 * @module
 */

import { describe, fieldValue, setFieldValue } from "./_access.ts";
import { Node, type NodeClass, requireNode } from "./node.ts";
import { reportedOverflow } from "./_stack.ts";

type VisitMethod = (this: NodeVisitor, node: Node) => unknown;

/** `visit<ClassName>` per node class, made once: visiting is the hot loop of every transform. */
const methodNames = new Map<unknown, string>();

function visitMethod(visitor: NodeVisitor, node: Node): VisitMethod | undefined {
  // Only node classes are cached: anything else misses, and is refused there, off the hot path.
  let name = node == null ? undefined : methodNames.get(node.constructor);
  if (name === undefined) {
    requireNode(node, `${visitorKind(visitor)}.visit(node)`);
    methodNames.set(node.constructor, name = `visit${(node.constructor as unknown as NodeClass).typeName}`);
  }
  // Looked up on the visitor each time, as Python does, so methods set on an instance count too.
  const method = (visitor as unknown as Record<string, unknown>)[name];
  return typeof method === "function" ? method as VisitMethod : undefined;
}

/**
 * The node's `_fields`; a value whose constructor has none is no node, and is refused naming
 * genericVisit (cheaper than `instanceof` on every node walked).
 */
function fieldsOf(node: Node, visitorKind: string): readonly string[] {
  const fields = (node?.constructor as unknown as NodeClass | undefined)?._fields;
  if (fields === undefined) requireNode(node, `${visitorKind}.genericVisit(node)`);
  return fields!;
}

/** Visitor classes whose method names were checked. */
const checkedClasses = new WeakSet<object>();

/**
 * Throws a TypeError for a method spelt as Python's NodeVisitor spells it (`visit_Name`,
 * `generic_visit`): never called, it would leave a visitor ported from Python walking the tree
 * and doing nothing. Checked once per class.
 */
function checkMethodNames(visitorClass: abstract new () => NodeVisitor): void {
  if (checkedClasses.has(visitorClass)) return;
  let prototype = visitorClass.prototype;
  for (; prototype && prototype !== NodeVisitor.prototype; prototype = Object.getPrototypeOf(prototype)) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const spelling = ourSpelling(name);
      if (spelling === undefined) continue;
      throw new TypeError(
        `pyframe: ${visitorClass.name || "a NodeVisitor"} has a method ${name}, Python's spelling, which is ` +
          `never called: name it ${spelling}`,
      );
    }
  }
  checkedClasses.add(visitorClass);
}

/** `visitName` for `visit_Name`, `genericVisit` for `generic_visit`; undefined for other names. */
function ourSpelling(name: string): string | undefined {
  if (name === "generic_visit") return "genericVisit";
  return /^visit_[A-Za-z]/.test(name) ? `visit${name.slice("visit_".length)}` : undefined;
}

/** How an error names the visitor's class: the library's, which a user's visitor extends. */
function visitorKind(visitor: NodeVisitor): string {
  return visitor instanceof NodeTransformer ? "NodeTransformer" : "NodeVisitor";
}

/**
 * Walks a tree and calls `visit<ClassName>(node)` for each node that has such a method; nodes
 * without one are walked through by `genericVisit`. Call `this.genericVisit(node)` inside a visit
 * method to keep walking below it.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * class Names extends ast.NodeVisitor {
 *   seen: string[] = [];
 *   visitName(node: ast.Name) {
 *     this.seen.push(node.id);
 *   }
 * }
 * const names = new Names();
 * names.visit(ast.parse("a = b + c"));
 * names.seen; // ["a", "b", "c"]
 * ```
 */
export class NodeVisitor {
  constructor() {
    checkMethodNames(new.target);
  }

  /** Calls `visit<ClassName>(node)` when defined, else {@link genericVisit}; returns its result. */
  visit(node: Node): unknown {
    // Caught at every level: the one that overflows has too little stack left to report it.
    try {
      const method = visitMethod(this, node);
      return method ? method.call(this, node) : this.genericVisit(node);
    } catch (error) {
      throw reportedOverflow(error, `for ${visitorKind(this)}.visit`);
    }
  }

  /** Visits every child node. */
  genericVisit(node: Node): unknown {
    const fields = fieldsOf(node, "NodeVisitor");
    // A plain loop: iterChildNodes' generators cost half of a visit's time.
    for (let i = 0; i < fields.length; i++) {
      const value = fieldValue(node, fields[i]);
      if (value instanceof Node) this.visit(value);
      else if (Array.isArray(value)) {
        for (const item of value) if (item instanceof Node) this.visit(item);
      }
    }
    return undefined;
  }
}

/**
 * A {@link NodeVisitor} that rebuilds the tree from what the visit methods return: a node
 * replaces the visited one, `undefined` (or `null`) removes it, and an array of nodes is spliced
 * in its place when it sat in a list. Nodes without a visit method are kept and their children
 * transformed. Lists are changed in place, as in Python.
 *
 * `visit(tree)` is typed as returning a node of the type it was given, which is what a root visit
 * gives back in practice; a visit method that returns something else there makes later calls such
 * as `compile` throw a clear error.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * class ScaleConstants extends ast.NodeTransformer {
 *   visitConstant(node: ast.Constant) {
 *     if (typeof node.value === "number") node.value *= 10;
 *     return node;
 *   }
 * }
 * ast.unparse(new ScaleConstants().visit(ast.parse("1 + 2"))); // "10 + 20"
 * ```
 */
export class NodeTransformer extends NodeVisitor {
  /** Transforms `node` by its `visit<ClassName>` method, else by {@link genericVisit}. */
  override visit<T extends Node>(node: T): T {
    return super.visit(node) as T;
  }

  /** Transforms every child of `node` in place and returns `node`. */
  override genericVisit(node: Node): Node {
    const fields = fieldsOf(node, "NodeTransformer");
    for (let i = 0; i < fields.length; i++) {
      const value = fieldValue(node, fields[i]);
      if (Array.isArray(value)) this.#transformList(value);
      else if (value instanceof Node) {
        const result = this.#transformSingle(node, fields[i], value);
        if (result !== value) setFieldValue(node, fields[i], result);
      }
    }
    return node;
  }

  /** Transforms the items of a list in place; the list is rebuilt only from the first change on. */
  #transformList(items: unknown[]): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!(item instanceof Node)) continue; // None entries of Dict.keys and kw_defaults stay, as in Python.
      const result: unknown = this.visit(item);
      if (result !== item) return this.#rebuildList(items, i, result);
    }
  }

  /**
   * Rebuilds `items` from `changedAt`, where a visit first returned `changed`, as Python's
   * generic_visit does: a node's result is dropped when empty, spread when a list; an item that is
   * not a node (None in `Dict.keys`, `arguments.kw_defaults`) stays. Item by item, no spreading
   * into arguments, which would overflow the stack for a list of some 100,000 items.
   */
  #rebuildList(items: unknown[], changedAt: number, changed: unknown): void {
    const transformed = items.slice(0, changedAt);
    const add = (result: unknown) => {
      if (Array.isArray(result)) { for (const each of result) transformed.push(each); }
      else if (result !== undefined && result !== null) transformed.push(result);
    };
    add(changed);
    for (let i = changedAt + 1; i < items.length; i++) {
      const item = items[i];
      if (item instanceof Node) add(this.visit(item));
      else transformed.push(item);
    }
    items.length = transformed.length;
    for (let i = 0; i < transformed.length; i++) items[i] = transformed[i];
  }

  #transformSingle(parent: Node, name: string, child: Node): Node | null {
    const result: unknown = this.visit(child);
    if (result === undefined || result === null) return null;
    if (!(result instanceof Node)) {
      throw new TypeError(
        `pyframe: a visit method returned ${describe(result)} for ast.${parent.typeName}.${name}, which holds ` +
          `one node; return a node, or undefined to remove it`,
      );
    }
    return result;
  }
}
