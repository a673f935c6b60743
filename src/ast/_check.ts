/**
 * Whether a value fits a field, by the field's declared type: the check node constructors make
 * and every conversion to Python makes again (fields may be reassigned in between). Shallow: a
 * child node is checked when it is built or converted itself. Private to src/ast.
 *
 * @module
 */

import { article, describe } from "./_access.ts";
import { CodePoints, Complex, ConstantFrozenSet, ConstantTuple, Ellipsis } from "./constant.ts";
import { type FieldType, isConstantNode, isKindOf, isOfType, Node, type NodeClass, NULLABLE_ITEMS } from "./node.ts";

/** Throws a TypeError naming the field when `value` (not undefined) does not fit it. */
export function checkField(kind: NodeClass, name: string, value: unknown): void {
  const field = kind.fieldTypes[name];
  if (field.quantity === "list") {
    if (!Array.isArray(value)) {
      throw new TypeError(
        `pyframe: ${where(kind, name)} must be an array of ${field.type}, found ${describe(value)}; use [] for none`,
      );
    }
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item !== null) checkItem(kind, `${name}[${i}]`, field, item);
      else if (!NULLABLE_ITEMS.has(`${kind.typeName}.${name}`)) throw nullItemError(kind, name, field, i);
    }
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

/** Throws unless a location attribute is an integer in a C int's range, or null. */
export function checkAttribute(kind: NodeClass, name: string, value: unknown): void {
  if (value !== null && !isCInt(value)) {
    throw new TypeError(
      `pyframe: ${where(kind, name)} must be ${article("int")} or null, found ${describe(value)}`,
    );
  }
}

/**
 * Whether `value` is an integer from -2^31 to 2^31 - 1: CPython holds every `int` field and
 * location attribute in a C `int`, and wraps or overflows beyond it. `| 0` keeps just that range.
 */
function isCInt(value: unknown): boolean {
  return typeof value === "number" && (value | 0) === value;
}

function nullItemError(kind: NodeClass, name: string, field: FieldType, index: number): TypeError {
  return new TypeError(
    `pyframe: ${where(kind, name)}[${index}] must be ${article(field.type)}, found null (only ` +
      `${[...NULLABLE_ITEMS].map((item) => `ast.${item}`).join(" and ")} hold None); remove it from the list`,
  );
}

/**
 * Throws a TypeError unless `fields`, a node constructor's argument, is undefined for a class
 * without required fields (an object's keys are checked by {@link checkOtherNames}).
 */
export function checkFieldsArgument(kind: NodeClass, fields: unknown): void {
  if (fields !== undefined || requiredFields(kind).length) throw fieldsArgumentError(kind, fields);
}

/**
 * Checks the keys of a node constructor's argument that are no Python field or attribute: throws
 * a TypeError naming those the class does not take (a misspelt name would be dropped silently),
 * and checks a Constant's `isFloat`.
 */
export function checkOtherNames(kind: NodeClass, fields: Record<string, unknown>): void {
  const known = knownNamesOf(kind);
  const unknown = Object.keys(fields).filter((name) => !known.has(name));
  if (unknown.length) throw unknownNamesError(kind, unknown);
  if (fields.isFloat !== undefined) checkIsFloat(kind, fields.value, fields.isFloat);
}

/** The names a node constructor takes, per class, made once: every Constant built with isFloat checks them. */
const knownNames = new Map<NodeClass, Set<string>>();

function knownNamesOf(kind: NodeClass): Set<string> {
  let known = knownNames.get(kind);
  if (!known) knownNames.set(kind, known = new Set(constructorNames(kind)));
  return known;
}

/** The fields and attributes a node constructor takes; a Constant's `isFloat` is TypeScript's own. */
function constructorNames(kind: NodeClass): string[] {
  const fields = isKindOf(kind, "Constant") ? [...kind._fields, "isFloat"] : kind._fields;
  return [...fields, ...kind._attributes];
}

/** The fields the TypeScript constructor requires: present in every Python the class is in. */
function requiredFields(kind: NodeClass): string[] {
  return kind._fields.filter((name) => {
    const field = kind.fieldTypes[name];
    return field.quantity === "one" && field.versions.length >= kind.versions.length;
  });
}

function fieldsArgumentError(kind: NodeClass, fields: unknown): TypeError {
  if (!constructorNames(kind).length) {
    return new TypeError(
      `pyframe: new ast.${kind.typeName}() takes no fields, found ${describe(fields)}; call it without an argument`,
    );
  }
  const required = requiredFields(kind);
  const hint = fields === undefined ? `; ${required.join(", ")} ${required.length > 1 ? "are" : "is"} required` : "";
  return new TypeError(
    `pyframe: new ast.${kind.typeName}(fields) takes an object of its fields, found ${describe(fields)}${hint} ` +
      `(${namesOfClass(kind)})`,
  );
}

function unknownNamesError(kind: NodeClass, unknown: string[]): TypeError {
  const names = unknown.map((name) => JSON.stringify(name)).join(", ");
  return new TypeError(`pyframe: ast.${kind.typeName} has no field or attribute ${names}; ${namesOfClass(kind)}`);
}

/** `its fields are a, b; its attributes lineno, ...`, for error messages. */
function namesOfClass(kind: NodeClass): string {
  const fields = constructorNames(kind).filter((name) => !kind._attributes.includes(name));
  const parts = [fields.length ? `its fields are ${fields.join(", ")}` : "it has no fields"];
  if (kind._attributes.length) parts.push(`its attributes ${kind._attributes.join(", ")}`);
  return parts.join("; ");
}

/**
 * Throws a TypeError unless a Constant's `isFloat` is a boolean, true only with a number (the
 * value it makes a Python float; with any other value it would be dropped silently).
 */
export function checkIsFloat(kind: NodeClass, value: unknown, isFloat: unknown): void {
  if (isFloat === false || (isFloat === true && typeof value === "number")) return;
  if (typeof isFloat !== "boolean") {
    throw new TypeError(`pyframe: ${where(kind, "isFloat")} must be true or false, found ${describe(isFloat)}`);
  }
  throw new TypeError(
    `pyframe: ${where(kind, "isFloat")} is true, but the value is ${describe(value)}: only a number can be ` +
      "a Python float; set isFloat to false for other values",
  );
}

/** Throws a TypeError naming `name` (a field, or a list field's item: `body[2]`) unless `value` fits. */
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
      return isCInt(value);
    case "constant":
      return isConstantValue(value);
    default:
      return value instanceof Node && isOfType(value, type);
  }
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
    // Checked when built; checked again, as its array may have been changed since.
    return value.elements.every(isConstantNode);
  }
  return false;
}

function where(kind: NodeClass, name: string): string {
  return `ast.${kind.typeName}.${name}`;
}
