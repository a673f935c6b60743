/**
 * What reading and writing nodes needs: per-class plans for the running Python, and UTF-8 with
 * surrogates. Private to src/ast.
 *
 * @module
 */

import { allNodeClasses, isAvailable, nodeClass, pythonMinor } from "./_classes.ts";
import * as nodes from "./_nodes.ts";
import { CodePoints } from "./constant.ts";
import type { FieldQuantity, Node, NodeClass } from "./node.ts";

/** One field as the running Python has it. */
export interface FieldPlan {
  readonly name: string;
  readonly type: string;
  readonly quantity: FieldQuantity;
  /** The node class its values must be instances of, for node-typed fields. */
  readonly itemClass: NodeClass | undefined;
  /** Whether the running Python has the field (else it must be left empty). */
  readonly available: boolean;
  readonly versions: readonly string[];
  /** The versions requiring a value of a field optional in newer ones (see FieldType.requiredIn). */
  readonly requiredIn: readonly string[] | undefined;
  /** Whether the running Python requires a value: a `one` field, or an optional one it requires. */
  readonly required: boolean;
}

/** What reading and writing a class's nodes for the running Python needs, worked out once. */
export class ClassPlan {
  /** `_fields` then `_attributes`: the order Python's parser sets them in. */
  readonly names: readonly string[];
  readonly fieldCount: number;
  /** Per field: a list (default `[]`), optional (default `null`) or required. */
  readonly quantities: readonly string[];
  /** Per field: whether it holds a constant (Constant.value, MatchSingleton.value). */
  readonly constants: readonly boolean[];
  readonly fields: readonly FieldPlan[];
  readonly attributes: readonly string[];
  /** Whether the running Python has the class. */
  readonly available: boolean;
  readonly isConstant: boolean;
  /** Whether `_attributes` is exactly lineno, col_offset, end_lineno, end_col_offset (every located class). */
  readonly hasLocation: boolean;
  /**
   * Whether it has neither fields nor attributes (Load, Add, ...): Python's trees hold one instance
   * of such a class for all, and so do the trees read from them (nothing of it is ever patched).
   */
  readonly shared: boolean;

  constructor(readonly kind: NodeClass) {
    const minor = pythonMinor();
    this.names = [...kind._fields, ...kind._attributes];
    this.fieldCount = kind._fields.length;
    this.fields = kind._fields.map((name) => {
      const { type, quantity, versions, requiredIn } = kind.fieldTypes[name];
      const required = quantity === "one" || (requiredIn !== undefined && requiredIn.includes(minor));
      return {
        name,
        type,
        quantity,
        itemClass: nodeClass(type),
        available: isAvailable(versions, minor),
        versions,
        requiredIn,
        required,
      };
    });
    this.quantities = this.fields.map((field) => field.quantity);
    this.constants = this.fields.map((field) => field.type === "constant");
    this.attributes = kind._attributes;
    this.available = isAvailable(kind.versions, minor);
    this.isConstant = kind === nodes.Constant;
    this.hasLocation = kind._attributes.join() === "lineno,col_offset,end_lineno,end_col_offset";
    this.shared = this.names.length === 0;
  }
}

/** Each class's index in the native codec's class list: its position in allNodeClasses(). */
let codecIndexes: Map<NodeClass, number> | undefined;

/** The index the native codec knows the plan's class by (src/ast/_bridge.ts gives it the same list). */
export function codecIndexOf(plan: ClassPlan): number {
  codecIndexes ??= new Map(allNodeClasses().map((kind, index) => [kind, index]));
  const index = codecIndexes.get(plan.kind);
  if (index === undefined) {
    throw new TypeError(`pyframe: ${plan.kind.typeName} is not one of pyframe's ast node classes`);
  }
  return index;
}

/** Plans for the running Python, whose version never changes in a process. */
const plans = new Map<unknown, ClassPlan>();

/** The plan of a node class (or of a node's constructor). */
export function planOf(kind: NodeClass | Node["constructor"]): ClassPlan {
  let plan = plans.get(kind);
  if (!plan) plans.set(kind, plan = new ClassPlan(kind as unknown as NodeClass));
  return plan;
}

/**
 * UTF-8 from `bytes[start..end]`, surrogates included ("surrogatepass"). A high surrogate
 * followed by a low one stays two code points: a JS string would merge them, so that text is
 * CodePoints.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | CodePoints {
  const points: number[] = [];
  let pairedSurrogates = false;
  for (let i = start; i < end;) {
    const b0 = bytes[i];
    let point: number;
    if (b0 < 0x80) {
      point = b0;
      i += 1;
    } else if (b0 < 0xe0) {
      point = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 2;
    } else if (b0 < 0xf0) {
      point = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 3;
    } else {
      point = ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) |
        (bytes[i + 3] & 0x3f);
      i += 4;
    }
    const previous = points[points.length - 1];
    if (point >= 0xdc00 && point <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff) pairedSurrogates = true;
    points.push(point);
  }
  if (pairedSurrogates) return new CodePoints(points);
  let text = "";
  for (let i = 0; i < points.length; i += 0x2000) text += String.fromCodePoint(...points.slice(i, i + 0x2000));
  return text;
}
