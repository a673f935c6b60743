/**
 * Whether a value fits a field, by the field's declared type: the check node constructors make
 * and every conversion to Python makes again (fields may be reassigned in between). Shallow: a
 * child node is checked when it is built or converted itself. Private to src/ast.
 *
 * @module
 */

import { article, describe } from "./_access.ts";
import { CodePoints, Complex, ConstantFrozenSet, ConstantTuple, Ellipsis } from "./constant.ts";
import { type FieldType, Node, type NodeClass } from "./node.ts";

/** Throws a TypeError naming the field when `value` (not undefined) does not fit it. */
export function checkField(kind: NodeClass, name: string, value: unknown): void {
  const field = kind.fieldTypes[name];
  if (field.quantity === "list") {
    if (!Array.isArray(value)) {
      throw new TypeError(
        `pyframe: ${where(kind, name)} must be an array of ${field.type}, found ${describe(value)}; use [] for none`,
      );
    }
    // Python itself puts None in some lists (Dict.keys, arguments.kw_defaults).
    for (const item of value) if (item !== null) checkItem(kind, name, field, item);
  } else if (value === null && field.type !== "constant") {
    if (field.quantity === "one") {
      throw new TypeError(
        `pyframe: ${where(kind, name)} is required: expected ${
          article(field.type)
        }, found null; pass it to the constructor`,
      );
    }
  } else {
    checkItem(kind, name, field, value);
  }
}

/** Throws unless a location attribute is an integer or null. */
export function checkAttribute(kind: NodeClass, name: string, value: unknown): void {
  if (value !== null && !Number.isInteger(value)) {
    throw new TypeError(`pyframe: ${where(kind, name)} must be an integer or null, found ${describe(value)}`);
  }
}

function checkItem(kind: NodeClass, name: string, field: FieldType, value: unknown): void {
  if (fits(field.type, value)) return;
  if (field.type === "constant") {
    throw new TypeError(
      `pyframe: ${where(kind, name)} must be a constant value (number, bigint, string, boolean, null, Uint8Array, ` +
        `ast.CodePoints, ast.Complex, ast.Ellipsis, ast.ConstantTuple or ast.ConstantFrozenSet), found ${
          describe(value)
        }`,
    );
  }
  const hint = field.type === "expr" && !(value instanceof Node) ? "; wrap plain values in ast.Constant" : "";
  throw new TypeError(`pyframe: ${where(kind, name)} must be ${article(field.type)}, found ${describe(value)}${hint}`);
}

function fits(type: string, value: unknown): boolean {
  switch (type) {
    case "identifier":
    case "string":
      return typeof value === "string" || value instanceof CodePoints;
    case "int":
      return Number.isInteger(value);
    case "constant":
      return isConstantValue(value);
    default:
      return value instanceof Node && isOfType(value, type);
  }
}

/** Whether the node's class is the Python class `type` or extends it (`expr` for a Name). */
function isOfType(node: Node, type: string): boolean {
  for (let kind = node.constructor as unknown as NodeClass; kind?.typeName; kind = Object.getPrototypeOf(kind)) {
    if (kind.typeName === type) return true;
  }
  return false;
}

function isConstantValue(value: unknown): boolean {
  switch (typeof value) {
    case "boolean":
    case "number":
    case "bigint":
    case "string":
      return true;
    case "symbol":
      return value === Ellipsis;
  }
  if (value === null || value instanceof Uint8Array || value instanceof CodePoints || value instanceof Complex) {
    return true;
  }
  if (value instanceof ConstantTuple || value instanceof ConstantFrozenSet) {
    return value.elements.every((element) => element instanceof Node && isOfType(element, "Constant"));
  }
  return false;
}

function where(kind: NodeClass, name: string): string {
  return `ast.${kind.typeName}.${name}`;
}
