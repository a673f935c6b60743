/**
 * `Node`, the base class of every Python AST node class (Python's `ast.AST`), and the shapes that
 * describe a node class: its fields, their types, and the Python versions that have them.
 *
 * @module
 */

import { describe } from "./_access.ts";
import { checkAttribute, checkField, checkFieldsArgument, checkOtherNames } from "./_check.ts";

/**
 * Passed as the fields, makes a node with no fields set: for src/ast's decoders, which set every
 * field themselves. A constructor gives V8 a better object layout than Object.create would.
 */
export const UNFILLED: object = Object.freeze({});

/** How many values a field holds, as in Python's ASDL: `expr`, `expr?`, `expr*`. */
export type FieldQuantity = "one" | "optional" | "list";

/**
 * The declared type of one field of a node class, read from CPython's `ast` module.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * ast.FunctionDef.fieldTypes.type_params; // { type: "type_param", quantity: "list", versions: ["3.12", "3.13"] }
 * ```
 */
export interface FieldType {
  /** An ASDL type: a node class name (`expr`, `arguments`) or `identifier`, `string`, `int`, `constant`. */
  readonly type: string;
  readonly quantity: FieldQuantity;
  /** The Python minor versions (`"3.12"`) whose `ast` has this field. */
  readonly versions: readonly string[];
  /**
   * For an optional field that older Pythons require: the versions that require it (3.15 lets
   * `ast.DictComp.value` be null, for `{**d for d in ds}`).
   */
  readonly requiredIn?: readonly string[];
}

/**
 * Source position attributes, on nodes whose Python class lists them in `_attributes`: 1-based
 * lines, 0-based UTF-8 byte columns, as in Python.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const where: ast.Location = { lineno: 1, col_offset: 0 };
 * new ast.Pass(where).lineno; // 1
 * ```
 */
export interface Location {
  lineno?: number;
  col_offset?: number;
  end_lineno?: number | null;
  end_col_offset?: number | null;
}

/**
 * What a node class offers besides construction: its Python name and metadata. Every generated
 * class (`ast.BinOp`, `ast.expr`, ...) satisfies it.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const kind: ast.NodeClass = ast.BinOp;
 * kind._fields; // ["left", "op", "right"]
 * ```
 */
export interface NodeClass {
  readonly prototype: Node;
  readonly typeName: string;
  readonly versions: readonly string[];
  readonly _fields: readonly string[];
  readonly _attributes: readonly string[];
  readonly fieldTypes: Readonly<Record<string, FieldType>>;
}

/** The custom-inspection keys of console.log: Deno's, and Bun's (Node's). */
const denoInspect = Symbol.for("Deno.customInspect");
const nodeInspect = Symbol.for("nodejs.util.inspect.custom");

/**
 * A Python AST node (Python's `ast.AST`). Fields keep Python's names (`decorator_list`,
 * `col_offset`) so they match `_fields` and `ast.dump`; TypeScript-only members are camelCase
 * (`typeName`). The constructor takes an object of fields: omitted lists become `[]`, omitted
 * optional fields `null`, as in Python 3.13. Each given field is checked against its declared
 * type, and a name that is no field or attribute of the class is refused (a TypeError names
 * either); a required field left out is reported when the tree goes to Python, so trees can be
 * built bottom-up or top-down.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const sum = new ast.BinOp({ left: new ast.Constant({ value: 1 }), op: new ast.Add(), right: new ast.Constant({ value: 2 }) });
 * sum.typeName; // "BinOp"
 * sum instanceof ast.expr; // true
 * ```
 */
export abstract class Node {
  /** The Python class name, e.g. `"BinOp"`. */
  static readonly typeName: string = "AST";
  /** The Python minor versions whose `ast` has this class. */
  static readonly versions: readonly string[] = [];
  /** Python's `_fields`: the child field names, in Python's order. */
  static readonly _fields: readonly string[] = [];
  /** Python's `_attributes`: the location attribute names. */
  static readonly _attributes: readonly string[] = [];
  /** The declared type of each field. */
  static readonly fieldTypes: Readonly<Record<string, FieldType>> = {};

  constructor(fields?: object) {
    if (fields === UNFILLED) return;
    const kind = this.constructor as unknown as NodeClass;
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) checkFieldsArgument(kind, fields);
    const given = (fields ?? {}) as Record<string, unknown>;
    const self = this as unknown as Record<string, unknown>;
    let named = 0;
    for (const name of kind._fields) {
      const value = given[name];
      if (value !== undefined) {
        checkField(kind, name, value);
        named++;
      }
      self[name] = value !== undefined ? value : defaultValue(kind.fieldTypes[name]);
    }
    for (const name of kind._attributes) {
      const value = given[name];
      if (value === undefined) continue;
      checkAttribute(kind, name, value);
      self[name] = value;
      named++;
    }
    // Names are counted, not looked up: the exact check runs only when some name is no Python
    // field or attribute (misspelt, or a Constant's isFloat).
    if (Object.keys(given).length !== named) checkOtherNames(kind, given);
  }

  /** The Python class name, e.g. `"BinOp"` (not the JS class name, which bundlers may rename). */
  get typeName(): string {
    return (this.constructor as unknown as NodeClass).typeName;
  }

  /** Python's `node._fields`. */
  get _fields(): readonly string[] {
    return (this.constructor as unknown as NodeClass)._fields;
  }

  /** Python's `node._attributes`. */
  get _attributes(): readonly string[] {
    return (this.constructor as unknown as NodeClass)._attributes;
  }

  /** Shown by console.log in Deno: the node's fields and location, not pyframe's bookkeeping. */
  [denoInspect](inspect: (value: unknown, options: unknown) => string, options: unknown): string {
    return inspect(shownFields(this), options);
  }

  /** Shown by console.log in Bun (and Node): as Deno's, with their `inspect` and remaining depth. */
  [nodeInspect](depth: number | null, options: object, inspect: (value: unknown, options: object) => string): string {
    return inspect(shownFields(this), { ...options, depth });
  }
}

/**
 * What console.log shows of a node: its own string-keyed properties (fields, location, a
 * Constant's isFloat) on an object of the node's class, so the inspector names the class, with
 * the custom inspection masked. The symbol-keyed properties tie a node parsed in Python to its
 * session (src/ast/_session.ts), and would print the whole tree again.
 */
function shownFields(node: Node): object {
  const notCustom = { value: undefined, enumerable: false };
  const shown = Object.create(Object.getPrototypeOf(node), { [denoInspect]: notCustom, [nodeInspect]: notCustom });
  for (const key of Object.keys(node)) shown[key] = (node as unknown as Record<string, unknown>)[key];
  return shown;
}

function defaultValue(field: FieldType | undefined): unknown {
  if (field?.quantity === "list") return [];
  if (field?.quantity === "optional") return null;
  return undefined; // A required field left out: toPython reports it by name.
}

/**
 * @internal Throws a TypeError naming `call` unless `value` is a node (a plain object that looks
 * like one has no `_fields` to walk, and would fail deep inside with a message naming neither).
 */
export function requireNode(value: unknown, call: string): asserts value is Node {
  if (!(value instanceof Node)) {
    throw new TypeError(`pyframe: ${call} expects an ast node (an instance of ast.Node), found ${describe(value)}`);
  }
}

/**
 * The list fields whose items may be None, though the ASDL says `expr*`: `{**d}` has a None key,
 * a keyword-only argument without a default a None default. (scripts/generate_ast.ts types them
 * `(expr | null)[]`.)
 */
export const NULLABLE_ITEMS: ReadonlySet<string> = new Set(["Dict.keys", "arguments.kw_defaults"]);

/** @internal Whether the node's class is the Python class `type` or extends it (`expr` for a Name). */
export function isOfType(node: Node, type: string): boolean {
  return isKindOf(node.constructor as unknown as NodeClass, type);
}

/** @internal Whether the node class `start` is the Python class `type` or extends it. */
export function isKindOf(start: NodeClass, type: string): boolean {
  for (let kind = start; kind?.typeName; kind = Object.getPrototypeOf(kind)) {
    if (kind.typeName === type) return true;
  }
  return false;
}

/** @internal Whether `value` is an ast.Constant (or a subclass's) node. */
export function isConstantNode(value: unknown): boolean {
  return value instanceof Node && isOfType(value, "Constant");
}
