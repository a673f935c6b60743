/**
 * `NodeVisitor` and `NodeTransformer`, with the meanings of Python's: `visit(node)` calls the
 * method named after the node's class (`visitConstant` for Python's `visit_Constant`), else
 * `genericVisit`.
 *
 * @module
 */

import { describe, fieldValue, setFieldValue } from "./_access.ts";
import { generated } from "./_generate.ts";
import { Node, type NodeClass } from "./node.ts";

type VisitMethod = (this: NodeVisitor, node: Node) => unknown;

/**
 * What visiting needs of one node class, made once and kept on the class's prototype (a node of a
 * subclass first finds its base's, sees it was made for another prototype, and gets its own):
 * visiting is the hot loop of every transform. The child walks are generated per class, so each
 * field read sees one class and one key, which the JS engines make a plain load; a loop over
 * `_fields` costs a dictionary-style lookup per field and per node (measured: most of a
 * transform's time).
 */
interface ClassVisit {
  /** The prototype of the class it was made for. */
  readonly prototype: object;
  /** `visit<ClassName>`. */
  readonly method: string;
  /** Visits each child node ({@link NodeVisitor.genericVisit}). */
  readonly visitChildren: (visitor: NodeVisitor, node: Node) => void;
  /** Transforms each child in place ({@link NodeTransformer.genericVisit}). */
  readonly transformChildren: (transformer: NodeTransformer, node: Node) => void;
}

const CLASS_VISIT: unique symbol = Symbol("pyframe.ast.classVisit");

function classVisit(node: Node): ClassVisit {
  const known = (node as Node & { [CLASS_VISIT]?: ClassVisit })[CLASS_VISIT];
  // Checked by prototype, not by node.constructor: one property load fewer per node.
  if (known !== undefined && known.prototype === Object.getPrototypeOf(node)) return known;
  const kind = node.constructor, made = makeClassVisit(kind as unknown as NodeClass);
  Object.defineProperty(kind.prototype, CLASS_VISIT, { value: made, configurable: true });
  return made;
}

function makeClassVisit(kind: NodeClass): ClassVisit {
  const fields = [...kind._fields];
  return {
    prototype: kind.prototype,
    method: `visit${kind.typeName}`,
    visitChildren: generatedWalk("visitChildren", fields, VISIT_FIELD) ??
      ((visitor, node) => fields.forEach((name) => visitField(visitor, fieldValue(node, name)))),
    transformChildren: generatedWalk("transformChildren", fields, TRANSFORM_FIELD) ??
      ((transformer, node) => fields.forEach((name) => transformField(transformer, node, name))),
  };
}

/** The generated walk's statement for one field (`KEY` stands for the field's name as a literal). */
const VISIT_FIELD = `value = node[KEY];
if (value instanceof Node) walker.visit(value);
else if (Array.isArray(value)) visitItems(walker, value);`;
const TRANSFORM_FIELD = `value = node[KEY];
if (Array.isArray(value)) transformList(walker, value);
else if (value instanceof Node) {
  result = transformSingle(walker, node, KEY, value);
  if (result !== value) node[KEY] = result;
}`;

/**
 * A walk over `fields` made of one statement per field; undefined where the host refuses to
 * generate code from strings (the caller then loops over the fields).
 */
function generatedWalk<W>(
  name: string,
  fields: string[],
  statement: string,
): ((walker: W, node: Node) => void) | undefined {
  const body = fields.map((field) => statement.replaceAll("KEY", JSON.stringify(field))).join("\n");
  return generated(`function ${name}(walker, node) {\nlet value, result;\n${body}\n}`, {
    Node,
    visitItems,
    transformList,
    transformSingle,
  });
}

function visitMethod(visitor: NodeVisitor, node: Node): VisitMethod | undefined {
  // Looked up on the visitor each time, as Python does, so methods set on an instance count too.
  const method = (visitor as unknown as Record<string, unknown>)[classVisit(node).method];
  return typeof method === "function" ? method as VisitMethod : undefined;
}

function visitField(visitor: NodeVisitor, value: unknown): void {
  if (value instanceof Node) visitor.visit(value);
  else if (Array.isArray(value)) visitItems(visitor, value);
}

function visitItems(visitor: NodeVisitor, items: unknown[]): void {
  for (const item of items) if (item instanceof Node) visitor.visit(item);
}

function transformField(transformer: NodeTransformer, node: Node, name: string): void {
  const value = fieldValue(node, name);
  if (Array.isArray(value)) transformList(transformer, value);
  else if (value instanceof Node) {
    const result = transformSingle(transformer, node, name, value);
    if (result !== value) setFieldValue(node, name, result);
  }
}

/** Transforms the items of a list in place; the list is rebuilt only from the first change on. */
function transformList(transformer: NodeTransformer, items: unknown[]): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!(item instanceof Node)) continue; // None entries of Dict.keys and kw_defaults stay, as in Python.
    const result: unknown = transformer.visit(item);
    if (result !== item) return rebuildList(transformer, items, i, result);
  }
}

function rebuildList(transformer: NodeTransformer, items: unknown[], changedAt: number, changed: unknown): void {
  const transformed = items.slice(0, changedAt);
  const add = (result: unknown) => {
    if (Array.isArray(result)) transformed.push(...result);
    else if (result !== undefined && result !== null) transformed.push(result);
  };
  add(changed);
  for (let i = changedAt + 1; i < items.length; i++) {
    const item = items[i];
    add(item instanceof Node ? transformer.visit(item) : item);
  }
  items.splice(0, items.length, ...transformed);
}

function transformSingle(transformer: NodeTransformer, parent: Node, name: string, child: Node): Node | null {
  const result: unknown = transformer.visit(child);
  if (result === undefined || result === null) return null;
  if (!(result instanceof Node)) {
    throw new TypeError(
      `pyframe: a visit method returned ${describe(result)} for ast.${parent.typeName}.${name}, which holds ` +
        `one node; return a node, or undefined to remove it`,
    );
  }
  return result;
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
  /** Calls `visit<ClassName>(node)` when defined, else {@link genericVisit}; returns its result. */
  visit(node: Node): unknown {
    const method = visitMethod(this, node);
    return method ? method.call(this, node) : this.genericVisit(node);
  }

  /** Visits every child node. */
  genericVisit(node: Node): unknown {
    classVisit(node).visitChildren(this, node);
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
    classVisit(node).transformChildren(this, node);
    return node;
  }
}
