/**
 * TypeScript → Python: the stream native/ast_load.zig builds a Python tree from (the values of
 * native/ast_codec.zig). Each node is checked against its class's field types and the running
 * Python's version on the way.
 *
 * A node `parse` made still stands for its Python original (see src/ast/_session.ts): the stream
 * refers to the original by its index in the session's node list and lists only the fields
 * TypeScript changed, which are patched in after the tree is built. Other nodes are built anew.
 *
 * The stream is the tree's value, then the patches: a count, then per patch the node's index, a
 * field count, and each field's name and value (missing: delete it). Patches found while writing
 * a patch are queued, so each is written whole.
 *
 * Private to src/ast.
 *
 * @module
 */

import { article } from "./_access.ts";
import { checkAttribute, checkField, checkIsFloat } from "./_check.ts";
import { type ClassPlan, codecIndexOf, type FieldPlan, planOf } from "./_build.ts";
import { allNodeClasses, pythonMinor, requireVersion } from "./_classes.ts";
import type * as nodes from "./_nodes.ts";
import { ELLIPSIS, FALSE, FROZENSET, LIST, MISSING, NODE, NONE, ORIGINAL, TRUE, TUPLE } from "./_codec_tags.ts";
import { CodecWriter } from "./_codec_writer.ts";
import { generated } from "./_generate.ts";
import { OFFSET, SESSION, type Session, type Traced } from "./_session.ts";
import { withinStack } from "./_stack.ts";
import { CodePoints, Complex, type ConstantFrozenSet, ConstantTuple, Ellipsis } from "./constant.ts";
import { type Location, type Node, type NodeClass, requireNode } from "./node.ts";

/** How to encode a tree. */
export interface EncodeOptions {
  /** Give nodes without a location their parent's in the Python copy, as Python's `fix_missing_locations` would. */
  fixLocations?: boolean;
}

/** A tree ready for native/ast_load.zig. */
export interface Encoded {
  /** The stream: a view of a buffer the next stream reuses, so hand it over first. */
  data: Uint8Array;
  /** The Python tree the stream patches (pass its node list), if any; it is spent now. */
  session: Session | undefined;
}

/** The stream that rebuilds `tree` in Python. */
export function encodeTree(tree: Node, options: EncodeOptions = {}): Encoded {
  // The public entry points name themselves first; this guards the rest.
  requireNode(tree, "encoding a tree for Python");
  const encoder = new Encoder(pythonMinor(), options.fixLocations ?? false);
  const data = withinStack("to send to Python", () => encoder.run(tree));
  encoder.session?.spend();
  return { data, session: encoder.session };
}

/** The location a node without one inherits, when fixing locations; a node with a whole location is one. */
class Place {
  constructor(
    readonly lineno: unknown,
    readonly col_offset: unknown,
    readonly end_lineno: unknown,
    readonly end_col_offset: unknown,
  ) {}
}

const START = new Place(1, 0, 1, 0);

/** A change found in an original node, written once the tree is. */
interface PatchRequest {
  node: Node;
  plan: ClassPlan;
  offset: number;
  changed: string[];
  here: Place;
}

class Encoder {
  /** The section being written: the tree's, then the patches'. */
  #out = new CodecWriter(0);
  readonly #pending: PatchRequest[] = [];
  #session: Session | undefined;

  constructor(readonly minor: string, readonly fix: boolean) {}

  get session(): Session | undefined {
    return this.#session;
  }

  run(tree: Node): Uint8Array {
    const treeSection = this.#out;
    this.#node(tree, START);
    const patchSection = this.#out = new CodecWriter(1);
    // Writing a patch may find more (original nodes inside its values): the loop takes them too.
    for (let i = 0; i < this.#pending.length; i++) this.#writePatch(this.#pending[i]);
    treeSection.varint(this.#pending.length);
    treeSection.append(patchSection);
    return treeSection.view();
  }

  /** Writes the Python node for `node`: its original (patched) when it has one, else a new one. */
  #node(node: Node, place: Place): void {
    const offset = this.#offsetOf(node);
    if (offset >= 0) {
      this.#reference(offset);
      this.patch(node, offset, place);
    } else {
      this.#build(node, place);
    }
  }

  /**
   * Where the node's snapshot entry starts when it stands for a node of the Python tree this
   * stream patches (the first usable session met), else -1.
   */
  #offsetOf(node: Node): number {
    const session = (node as Traced)[SESSION];
    if (session === undefined) return -1;
    const offset = session.offsetOf(node);
    if (this.#session === undefined) {
      if (!session.usable || offset < 0) return -1;
      this.#session = session;
    }
    return session === this.#session ? offset : -1;
  }

  /** Refers to the original node whose entry starts at `offset`, by its index. */
  #reference(offset: number): void {
    this.#out.tag(ORIGINAL);
    this.#out.varint(this.#indexAt(offset));
  }

  #indexAt(offset: number): number {
    return (this.#session!.snapshot[offset + 1] as number) >>> 1;
  }

  #build(node: Node, place: Place): void {
    const out = this.#out, plan = planOf(node.constructor);
    if (!plan.available) {
      requireVersion(
        `ast.${plan.kind.typeName}`,
        plan.kind.versions,
        this.minor,
        `build a node Python ${this.minor} has`,
      );
    }
    out.tag(NODE);
    out.varint(codecIndexOf(plan));
    // A node without fields or attributes (Load(), Add()) is one instance per tree, as the parser makes it.
    if (plan.shared) return;
    const here = this.fix ? placeOf(node, plan, place) : place;
    for (const field of plan.fields) {
      if (this.isWritten(node, plan, field)) this.#field(node, plan, field, here);
      else out.tag(MISSING);
    }
    for (const name of plan.attributes) {
      const value = this.fix ? here[name as keyof Place] : fieldOf(node, name);
      if (value === undefined) out.tag(MISSING);
      else this.#attribute(plan, name, value);
    }
  }

  /**
   * Finds what changed in an original node, comparing with its snapshot entry (laid out as
   * src/ast/_session.ts says): patches its changed fields and attributes, and looks for changes
   * below the unchanged ones. The comparison is generated per class (see {@link patcherOf}).
   */
  patch(node: Node, offset: number, place: Place): void {
    patcherFor(node.constructor)(this, node, this.#session!.snapshot, offset, place);
  }

  /**
   * Looks for changes below the items of an unchanged list. Each is an original of this tree:
   * Python holds the very list the snapshot copied (None in Dict.keys aside).
   */
  patchItems(items: (Node | null)[], place: Place): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item !== null) this.patch(item, (item as Traced)[OFFSET]!, place);
    }
  }

  /** The place of a located node's children: when fixing locations, its location completed from `place`. */
  placeOf(lineno: unknown, column: unknown, endLine: unknown, endColumn: unknown, located: Place, place: Place): Place {
    return this.fix ? completedPlace(lineno, column, endLine, endColumn, located, place) : place;
  }

  /** Queues the patch of an original node's changed fields and attributes. */
  writePatch(node: Node, plan: ClassPlan, offset: number, changed: string[], here: Place): void {
    this.#pending.push({ node, plan, offset, changed, here });
  }

  #writePatch({ node, plan, offset, changed, here }: PatchRequest): void {
    const out = this.#out;
    out.varint(this.#indexAt(offset));
    out.varint(changed.length);
    for (const name of changed) {
      out.string(name, true);
      const field = plan.fields.find((candidate) => candidate.name === name);
      if (field) {
        this.#field(node, plan, field, here);
        continue;
      }
      const value = this.fix ? here[name as keyof Place] : fieldOf(node, name);
      if (value === undefined) out.tag(MISSING); // Deleted in TypeScript: deleted in Python.
      else this.#attribute(plan, name, value);
    }
  }

  /** Whether the running Python has the field; one it lacks must be left empty, and is not written. */
  isWritten(node: Node, plan: ClassPlan, field: FieldPlan): boolean {
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
      if (!field.required) return out.tag(NONE);
      throw new TypeError(
        `pyframe: ${where(plan, field.name)} is required${requiredHere(field)}: expected ${
          article(field.type)
        }, found undefined; pass it to the constructor`,
      );
    }
    if (value === null && field.required && field.quantity === "optional") {
      throw new TypeError(
        `pyframe: ${where(plan, field.name)} is required${requiredHere(field)}: expected ${
          article(field.type)
        }, found null; give it one`,
      );
    }
    checkField(plan.kind, field.name, value);
    if (Array.isArray(value)) {
      out.tag(LIST);
      out.varint(value.length);
      for (const item of value) {
        if (item === null) out.tag(NONE);
        else this.#item(field, item, false, here);
      }
      return;
    }
    if (value === null && field.type !== "constant") return out.tag(NONE);
    const isFloat = plan.isConstant && (node as nodes.Constant).isFloat;
    // Checked again here, as fields are: isFloat or the value may have been reassigned since.
    if (isFloat !== false) checkIsFloat(plan.kind, value, isFloat);
    this.#item(field, value, isFloat, here);
  }

  /** Writes one value already checked against the field's type. */
  #item(field: FieldPlan, value: unknown, isFloat: boolean, here: Place): void {
    if (field.itemClass) return this.#node(value as Node, here);
    if (field.type === "constant") return this.#constant(value, isFloat);
    if (value instanceof CodePoints) return this.#out.codePoints(value.points);
    // Identifiers are interned in Python, other strings are not: share only identifiers.
    if (typeof value === "string") return this.#out.string(value, field.type === "identifier");
    this.#out.int(value as number);
  }

  #attribute(plan: ClassPlan, name: string, value: unknown): void {
    checkAttribute(plan.kind, name, value);
    if (value === null) return this.#out.tag(NONE);
    this.#out.int(value as number);
  }

  #constant(value: unknown, isFloat: boolean): void {
    const out = this.#out;
    if (value === null) return out.tag(NONE);
    if (typeof value === "boolean") return out.tag(value ? TRUE : FALSE);
    if (typeof value === "string") return out.string(value, false);
    if (typeof value === "number") {
      if (isFloat || !Number.isInteger(value)) return out.float(value);
      return Number.isSafeInteger(value) ? out.int(value) : out.bigint(BigInt(value));
    }
    if (typeof value === "bigint") return out.bigint(value);
    if (value instanceof CodePoints) return out.codePoints(value.points);
    if (value instanceof Uint8Array) return out.bytes(value);
    if (value instanceof Complex) return out.complex(value.real, value.imag);
    if (value === Ellipsis) return out.tag(ELLIPSIS);
    const collection = value as ConstantTuple | ConstantFrozenSet;
    out.tag(collection instanceof ConstantTuple ? TUPLE : FROZENSET);
    out.varint(collection.elements.length);
    for (const element of collection.elements) this.#constant(element.value, element.isFloat);
  }
}

/**
 * Compares one class's original node with its snapshot entry and patches what changed: made per
 * class so that every property read in it sees one class and one key (a generic loop over field
 * names costs a dictionary-style lookup per field, for every node of every tree sent back).
 */
type Patcher = (encoder: Encoder, node: Node, snapshot: unknown[], offset: number, place: Place) => void;

const patchers = new Map<unknown, Patcher>();

function patcherFor(kind: Node["constructor"]): Patcher {
  let patcher = patchers.get(kind);
  if (!patcher) patchers.set(kind, patcher = patcherOf(planOf(kind)));
  return patcher;
}

/**
 * The patcher of a class, generated from its plan. The snapshot entry is read in its order:
 * index (doubled, plus one for a Constant read as a float), attributes, fields (a list as its
 * length then its items, when Python had a list).
 */
function patcherOf(plan: ClassPlan): Patcher {
  const key = (name: string) => JSON.stringify(name);
  const lines = ["let changed, here = place, at = offset + 2, value, original;"];
  // A Constant whose isFloat changed has a changed value.
  if (plan.isConstant) lines.push("if (node.isFloat !== ((snapshot[offset + 1] & 1) === 1)) changed = ['value'];");
  if (plan.hasLocation) {
    lines.push(
      "const lineno = node.lineno, column = node.col_offset, endLine = node.end_lineno, endColumn = node.end_col_offset;",
      "here = encoder.placeOf(lineno, column, endLine, endColumn, node, place);",
    );
    ["lineno", "column", "endLine", "endColumn"].forEach((local, i) => {
      lines.push(`if (${local} !== snapshot[at + ${i}]) (changed ??= []).push(${key(plan.attributes[i])});`);
    });
    lines.push("at += 4;");
  } else {
    for (const name of plan.attributes) {
      lines.push(`if (node[${key(name)}] !== snapshot[at++]) (changed ??= []).push(${key(name)});`);
    }
  }
  plan.fields.forEach((field, i) => {
    const name = key(field.name);
    // Below an unchanged child, look for changes: unless the child is a shared node (nothing to patch).
    const patchesBelow = field.itemClass !== undefined && !holdsSharedNodes(field.itemClass);
    lines.push(`value = node[${name}]; original = snapshot[at];`);
    const single = [
      "at++;",
      ...(field.available ? [] : [`if (!encoder.isWritten(node, plan, plan.fields[${i}])) {} else`]),
      // Object.is tells -0.0 from 0.0. Object constants (bytes, complex, tuples) count as changed:
      // their contents may have been.
      field.itemClass
        ? `if (!Object.is(value, original)) { if (!changed?.includes(${name})) (changed ??= []).push(${name}); } ` +
          (patchesBelow
            ? "else if (value !== null && value !== undefined) encoder.patch(value, value[OFFSET], here);"
            : "")
        : `if (!Object.is(value, original) || (typeof value === "object" && value !== null)) { ` +
          `if (!changed?.includes(${name})) (changed ??= []).push(${name}); }`,
    ].join(" ");
    if (field.quantity !== "list") return lines.push(single);
    lines.push(
      "if (typeof original === 'number') {",
      // Python's list, as its length then its items.
      `  if (!sameItems(value, snapshot, at)) (changed ??= []).push(${name});`,
      patchesBelow ? "  else encoder.patchItems(value, here);" : "",
      "  at += 1 + original;",
      `} else { ${single} }`,
    );
  });
  lines.push("if (changed) encoder.writePatch(node, plan, offset, changed, here);");
  return generated<Patcher>(
    "sending a parsed tree back to Python",
    `function patch${plan.kind.typeName}(encoder, node, snapshot, offset, place) {\n${lines.join("\n")}\n}`,
    { plan, OFFSET, sameItems },
  );
}

/**
 * Whether every class a field's nodes may be of has neither fields nor attributes (expr_context,
 * operator, cmpop, ...): such nodes are shared, one per class, and never stand for an original.
 */
function holdsSharedNodes(itemClass: NodeClass): boolean {
  return allNodeClasses()
    .filter((kind) => kind === itemClass || Object.prototype.isPrototypeOf.call(itemClass.prototype, kind.prototype))
    .every((kind) => planOf(kind).shared);
}

function fieldOf(node: Node, name: string): unknown {
  return (node as unknown as Record<string, unknown>)[name];
}

/** For an optional field the running Python still requires: which Pythons let it be empty. */
function requiredHere(field: FieldPlan): string {
  if (field.quantity !== "optional") return "";
  const optionalIn = field.versions.filter((version) => !field.requiredIn?.includes(version));
  return ` in Python ${pythonMinor()} (it may be None from Python ${optionalIn[0]})`;
}

function where(plan: ClassPlan, name: string): string {
  return `ast.${plan.kind.typeName}.${name}`;
}

/** Whether a list holds the same items as Python's, written in the snapshot from `at` as its length then its items. */
function sameItems(value: unknown, snapshot: unknown[], at: number): boolean {
  if (!Array.isArray(value) || value.length !== snapshot[at]) return false;
  for (let i = 0; i < value.length; i++) if (value[i] !== snapshot[at + 1 + i]) return false;
  return true;
}

/** The place of a node's children when fixing locations (see {@link completedPlace}). */
function placeOf(node: Node, plan: ClassPlan, parent: Place): Place {
  if (!plan.hasLocation) return parent;
  const at = node as unknown as Location;
  return completedPlace(at.lineno, at.col_offset, at.end_lineno, at.end_col_offset, at as Place, parent);
}

/**
 * A node's location with the missing parts taken from `parent`, by Python's fix_missing_locations
 * rule (an absent lineno or col_offset, an absent or None end). A node with its whole location is
 * its own place: no copy for the common case.
 */
function completedPlace(
  lineno: unknown,
  column: unknown,
  endLine: unknown,
  endColumn: unknown,
  located: Place,
  parent: Place,
): Place {
  if (lineno !== undefined && column !== undefined && endLine != null && endColumn != null) return located;
  return new Place(
    lineno !== undefined ? lineno : parent.lineno,
    column !== undefined ? column : parent.col_offset,
    endLine != null ? endLine : parent.end_lineno,
    endColumn != null ? endColumn : parent.end_col_offset,
  );
}
