/**
 * Reading and writing a node's fields by name. Private to src/ast.
 *
 * @module
 */

import { classNameOf, withArticle } from "../python/mod.ts";
import type { Node } from "./node.ts";

/** The value of field or attribute `name` of `node` (`undefined` when unset). */
export function fieldValue(node: Node, name: string): unknown {
  return (node as unknown as Record<string, unknown>)[name];
}

/** Sets field or attribute `name` of `node`. */
export function setFieldValue(node: Node, name: string, value: unknown): void {
  (node as unknown as Record<string, unknown>)[name] = value;
}

/** A short description of a value for error messages: `number 1`, `an array`, `ast.Name`. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") {
    // A node class's static typeName (a PyObject's typeName, Python's type, is no ast class).
    const typeName = (value.constructor as { typeName?: unknown } | undefined)?.typeName;
    if (typeof typeName === "string") return `ast.${typeName}`;
    return withArticle(classNameOf(value));
  }
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** How an error message names a value of ASDL type `type`: `an ast.expr node`, `a string`. */
export function article(type: string): string {
  const plain: Record<string, string> = {
    identifier: "an identifier string",
    string: "a string",
    // CPython stores these in a C int: beyond its range they wrap or overflow.
    int: "an integer from -2147483648 to 2147483647",
    constant: "a constant value",
  };
  return plain[type] ?? `an ast.${type} node`;
}
