/**
 * TypeScript → Python: the pickle stream `_pyframe_ast.load` turns into a Python tree. Each node
 * is checked against its class's field types and the running Python's version on the way.
 *
 * A node `parse` made still stands for its Python original (see src/ast/_session.ts): the stream
 * refers to the original by its path from the root and lists only the fields TypeScript changed,
 * which Python patches in after loading. Other nodes are built anew.
 *
 * The stream holds `(patches, tree)`; `patches` (memo 0) is a list of
 * `(original, {field: value}[, (deleted names)])`, appended to as changes are found.
 *
 * Private to src/ast.
 *
 * @module
 */

import { article, describe } from "./_access.ts";
import { checkAttribute, checkField } from "./_check.ts";
import { isAvailable, nodeClass, pythonMinor, requireVersion } from "./_classes.ts";
import * as nodes from "./_nodes.ts";
import {
  APPEND,
  APPENDS,
  BINPERSID,
  BUILD,
  EMPTY_DICT,
  EMPTY_LIST,
  EMPTY_TUPLE,
  FROZENSET,
  MARK,
  NEWFALSE,
  NEWOBJ,
  NEWTRUE,
  NONE,
  PickleWriter,
  POP,
  REDUCE,
  SETITEMS,
  STOP,
  TUPLE,
  TUPLE2,
} from "./_pickle_writer.ts";
import { ORIGIN, type Origin, pathOf, type Session, type Traced } from "./_session.ts";
import { CodePoints, Complex, type ConstantFrozenSet, ConstantTuple, Ellipsis } from "./constant.ts";
import { type FieldQuantity, type Location, Node, type NodeClass } from "./node.ts";

/** How to encode a tree. */
export interface EncodeOptions {
  /** Give nodes without a location their parent's in the Python copy, as Python's `fix_missing_locations` would. */
  fixLocations?: boolean;
}

/** A tree ready for `_pyframe_ast.load(data, root)`. */
export interface Encoded {
  /** The pickle stream, as a string of code points 0-255. */
  data: string;
  /** The Python tree the stream patches (pass its root), if any; it is spent now. */
  session: Session | undefined;
}

/** The stream that rebuilds `tree` in Python. */
export function encodeTree(tree: Node, options: EncodeOptions = {}): Encoded {
  if (!(tree instanceof Node)) {
    throw new TypeError(`pyframe: expected an ast node (an instance of ast.Node), found ${describe(tree)}`);
  }
  const encoder = new Encoder(pythonMinor(), options.fixLocations ?? false);
  const data = encoder.run(tree);
  encoder.session?.spend();
  return { data, session: encoder.session };
}

/** The location a node without one inherits, when fixing locations. */
class Place {
  constructor(
    readonly lineno: unknown,
    readonly col_offset: unknown,
    readonly end_lineno: unknown,
    readonly end_col_offset: unknown,
  ) {}
}

const START = new Place(1, 0, 1, 0);
const PATCHES = 0;

/** One field as the running Python has it. */
interface FieldPlan {
  readonly name: string;
  readonly type: string;
  readonly quantity: FieldQuantity;
  /** The node class its values must be instances of, for node-typed fields. */
  readonly itemClass: NodeClass | undefined;
  /** Whether the running Python has the field (else it must be left empty). */
  readonly available: boolean;
  readonly versions: readonly string[];
}

/** What writing a class's nodes for the running Python needs, worked out once per class. */
class ClassPlan {
  readonly available: boolean;
  readonly fields: readonly FieldPlan[];
  readonly attributes: readonly string[];
  readonly isConstant: boolean;
  /** A node's location: whether it has lineno, col_offset, end_lineno, end_col_offset. */
  readonly locations: readonly boolean[];

  constructor(readonly kind: NodeClass, minor: string) {
    this.available = isAvailable(kind.versions, minor);
    this.fields = kind._fields.map((name) => {
      const { type, quantity, versions } = kind.fieldTypes[name];
      return { name, type, quantity, itemClass: nodeClass(type), available: isAvailable(versions, minor), versions };
    });
    this.attributes = kind._attributes;
    this.isConstant = kind === nodes.Constant;
    this.locations = LOCATION_NAMES.map((name) => kind._attributes.includes(name));
  }
}

const LOCATION_NAMES = ["lineno", "col_offset", "end_lineno", "end_col_offset"] as const;
const plans = new Map<NodeClass, ClassPlan>();

function planOf(node: Node, minor: string): ClassPlan {
  const kind = node.constructor as unknown as NodeClass;
  let plan = plans.get(kind);
  if (!plan || plan.available !== isAvailable(kind.versions, minor)) plans.set(kind, plan = new ClassPlan(kind, minor));
  return plan;
}

class Encoder {
  readonly #out = new PickleWriter();
  #session: Session | undefined;

  constructor(readonly minor: string, readonly fix: boolean) {}

  get session(): Session | undefined {
    return this.#session;
  }

  run(tree: Node): string {
    const out = this.#out;
    out.op(EMPTY_LIST);
    out.memoize(); // PATCHES
    this.#node(tree, START);
    out.op(TUPLE2);
    out.op(STOP);
    return out.toLatin1();
  }

  /** Writes the Python node for `node`: its original (patched) when it has one, else a new one. */
  #node(node: Node, place: Place): void {
    const origin = this.#originOf(node);
    if (origin) {
      this.#reference(origin);
      this.#patch(node, origin, place);
    } else {
      this.#build(node, place);
    }
  }

  /** The node's origin when it stands for a node of the Python tree this stream patches. */
  #originOf(node: Node): Origin | undefined {
    const origin = (node as Traced)[ORIGIN];
    if (origin === undefined || origin.node !== node) return undefined;
    if (this.#session === undefined && origin.session.usable) this.#session = origin.session;
    return origin.session === this.#session ? origin : undefined;
  }

  #reference(origin: Origin): void {
    const out = this.#out;
    out.op(MARK);
    for (const step of pathOf(origin)) {
      if (typeof step === "number") out.int(step);
      else out.string(step);
    }
    out.op(TUPLE);
    out.op(BINPERSID);
  }

  #build(node: Node, place: Place): void {
    const out = this.#out, plan = planOf(node, this.minor);
    if (!plan.available) {
      requireVersion(`ast.${plan.kind.typeName}`, plan.kind.versions, this.minor, `build a node Python ${this.minor} has`);
    }
    const here = this.fix ? placeOf(node, plan, place) : place;
    out.global("ast", plan.kind.typeName);
    out.op(EMPTY_TUPLE);
    out.op(NEWOBJ);
    out.op(EMPTY_DICT);
    out.op(MARK);
    for (const field of plan.fields) {
      if (!this.#isWritten(node, plan, field)) continue;
      out.string(field.name);
      this.#field(node, plan, field, here);
    }
    for (const name of plan.attributes) {
      const value = this.fix ? here[name as keyof Place] : fieldOf(node, name);
      if (value === undefined) continue;
      out.string(name);
      this.#attribute(plan, name, value);
    }
    out.op(SETITEMS);
    out.op(BUILD);
  }

  /**
   * Finds what changed in an original node: patches its changed fields and attributes, and
   * looks for changes below the unchanged ones.
   */
  #patch(node: Node, origin: Origin, place: Place): void {
    const plan = planOf(node, this.minor), values = origin.values, fields = plan.fields;
    const here = this.fix ? placeOf(node, plan, place) : place;
    let changed: string[] | undefined;
    for (let i = 0; i < fields.length; i++) {
      if (!this.#isWritten(node, plan, fields[i])) continue;
      const value = fieldOf(node, fields[i].name);
      if (isUnchanged(value, values[i])) this.#patchChildren(value, here);
      else (changed ??= []).push(fields[i].name);
    }
    const attributes = plan.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const name = attributes[i];
      const value = this.fix ? here[name as keyof Place] : fieldOf(node, name);
      if (!Object.is(value, values[fields.length + i])) (changed ??= []).push(name);
    }
    if (plan.isConstant && (node as nodes.Constant).isFloat !== values[values.length - 1] && !changed?.includes("value")) {
      (changed ??= []).push("value");
    }
    if (changed) this.#writePatch(node, plan, origin, changed, here);
  }

  #patchChildren(value: unknown, place: Place): void {
    if (value instanceof Node) this.#patchOriginal(value, place);
    else if (Array.isArray(value)) {
      for (const item of value) if (item instanceof Node) this.#patchOriginal(item, place);
    }
  }

  #patchOriginal(node: Node, place: Place): void {
    const origin = this.#originOf(node);
    // A child Python still holds is an original of this tree: it was read along with its parent.
    if (!origin) throw new Error(`pyframe: internal error: ast.${node.typeName} lost its Python original`);
    this.#patch(node, origin, place);
  }

  #writePatch(node: Node, plan: ClassPlan, origin: Origin, changed: string[], here: Place): void {
    const out = this.#out, deleted: string[] = [];
    out.get(PATCHES);
    out.op(MARK);
    this.#reference(origin);
    out.op(EMPTY_DICT);
    out.op(MARK);
    for (const name of changed) {
      const field = plan.fields.find((candidate) => candidate.name === name);
      const value = !field && this.fix ? here[name as keyof Place] : fieldOf(node, name);
      if (!field && value === undefined) {
        deleted.push(name);
        continue;
      }
      out.string(name);
      if (field) this.#field(node, plan, field, here);
      else this.#attribute(plan, name, value);
    }
    out.op(SETITEMS);
    if (deleted.length) {
      out.op(MARK);
      for (const name of deleted) out.string(name);
      out.op(TUPLE);
    }
    out.op(TUPLE);
    out.op(APPEND);
    out.op(POP);
  }

  /** Whether the running Python has the field; one it lacks must be left empty, and is not written. */
  #isWritten(node: Node, plan: ClassPlan, field: FieldPlan): boolean {
    if (field.available) return true;
    const value = fieldOf(node, field.name);
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      requireVersion(where(plan, field.name), field.versions, this.minor, "leave it empty (null or [])");
    }
    return false;
  }

  #field(node: Node, plan: ClassPlan, field: FieldPlan, here: Place): void {
    const value = fieldOf(node, field.name), out = this.#out;
    if (value === undefined && field.quantity !== "list") {
      if (field.quantity === "optional") return out.op(NONE);
      throw new TypeError(
        `pyframe: ${where(plan, field.name)} is required: expected ${article(field.type)}, found undefined; ` +
          "pass it to the constructor",
      );
    }
    checkField(plan.kind, field.name, value);
    if (Array.isArray(value)) {
      out.op(EMPTY_LIST);
      if (value.length === 0) return;
      out.op(MARK);
      for (const item of value) {
        if (item === null) out.op(NONE);
        else this.#item(field, item, false, here);
      }
      return out.op(APPENDS);
    }
    if (value === null && field.type !== "constant") return out.op(NONE);
    this.#item(field, value, plan.isConstant && (node as nodes.Constant).isFloat, here);
  }

  /** Writes one value already checked against the field's type. */
  #item(field: FieldPlan, value: unknown, isFloat: boolean, here: Place): void {
    if (field.itemClass) return this.#node(value as Node, here);
    if (field.type === "constant") return this.#constant(value, isFloat);
    if (value instanceof CodePoints) return this.#out.codePoints(value.points);
    if (typeof value === "string") return this.#out.string(value);
    this.#out.int(value as number);
  }

  #attribute(plan: ClassPlan, name: string, value: unknown): void {
    checkAttribute(plan.kind, name, value);
    if (value === null) return this.#out.op(NONE);
    this.#out.int(value as number);
  }

  #constant(value: unknown, isFloat: boolean): void {
    const out = this.#out;
    if (value === null) return out.op(NONE);
    if (typeof value === "boolean") return out.op(value ? NEWTRUE : NEWFALSE);
    if (typeof value === "string") return out.string(value);
    if (typeof value === "number") {
      if (isFloat || !Number.isInteger(value)) return out.float(value);
      return Number.isSafeInteger(value) ? out.int(value) : out.bigint(BigInt(value));
    }
    if (typeof value === "bigint") return out.bigint(value);
    if (value instanceof CodePoints) return out.codePoints(value.points);
    if (value instanceof Uint8Array) return out.bytes(value);
    if (value instanceof Complex) {
      out.global("builtins", "complex");
      out.float(value.real);
      out.float(value.imag);
      out.op(TUPLE2);
      return out.op(REDUCE);
    }
    if (value === Ellipsis) return out.global("builtins", "Ellipsis");
    const collection = value as ConstantTuple | ConstantFrozenSet;
    out.op(MARK);
    for (const element of collection.elements) this.#constant(element.value, element.isFloat);
    out.op(collection instanceof ConstantTuple ? TUPLE : FROZENSET);
  }
}

function fieldOf(node: Node, name: string): unknown {
  return (node as unknown as Record<string, unknown>)[name];
}

function where(plan: ClassPlan, name: string): string {
  return `ast.${plan.kind.typeName}.${name}`;
}

/**
 * Whether a field still holds what Python has: the same value, or a list with the same items.
 * Object constants (bytes, complex, tuples) count as changed: their contents may have been.
 */
function isUnchanged(value: unknown, original: unknown): boolean {
  if (Object.is(value, original)) return typeof value !== "object" || value === null || value instanceof Node;
  if (!Array.isArray(value) || !Array.isArray(original) || value.length !== original.length) return false;
  for (let i = 0; i < value.length; i++) if (value[i] !== original[i]) return false;
  return true;
}

/** The node's location with missing parts taken from `parent` (Python's fix_missing_locations rule). */
function placeOf(node: Node, plan: ClassPlan, parent: Place): Place {
  if (plan.attributes.length === 0) return parent;
  const [hasLine, hasColumn, hasEndLine, hasEndColumn] = plan.locations;
  const target = node as unknown as Location;
  const lineno = hasLine && target.lineno !== undefined ? target.lineno : parent.lineno;
  const column = hasColumn && target.col_offset !== undefined ? target.col_offset : parent.col_offset;
  const endLine = hasEndLine && target.end_lineno != null ? target.end_lineno : parent.end_lineno;
  const endColumn = hasEndColumn && target.end_col_offset != null ? target.end_col_offset : parent.end_col_offset;
  return new Place(lineno, column, endLine, endColumn);
}
