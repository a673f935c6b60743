/**
 * Python → TypeScript: builds nodes from the compact bytes native/ast_codec.zig writes for a
 * Python tree (the format is described there). Private to src/ast.
 *
 * @module
 */

import { describe } from "./_access.ts";
import { type ClassPlan, decodeUtf8, fillDefaults, snapshotValue } from "./_build.ts";
import * as nodes from "./_nodes.ts";
import { ORIGIN, Origin, type Session, type Traced } from "./_session.ts";
import { Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
import { Node, UNFILLED } from "./node.ts";

const NONE = 0, TRUE = 1, FALSE = 2, INT = 3, BIG_INT = 4, FLOAT = 5, STRING = 6, STRING_SEEN = 7;
const BYTES = 8, LIST = 9, NODE = 10, MISSING = 11, COMPLEX = 12, ELLIPSIS = 13, TUPLE = 14, FROZENSET = 15;

/**
 * The tree the bytes hold. `classes[i]` is the plan of class index `i` (the order the codec was
 * given). With a session, each node remembers its Python original (see src/ast/_session.ts).
 */
export function decodeNative(bytes: Uint8Array, classes: readonly ClassPlan[], session?: Session): Node {
  const tree = new NativeReader(bytes, classes, session).value();
  if (!(tree instanceof Node)) throw new TypeError(`pyframe: expected a Python ast node, found ${describe(tree)}`);
  return tree;
}

// ignoreBOM: a str starting with U+FEFF keeps it.
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class NativeReader {
  #position = 0;
  readonly #strings: unknown[] = [];
  readonly #view: DataView;
  /** Whether the last constant read was a float (a number alone cannot say). */
  #wasFloat = false;
  /** Where the value being read sits in its parent: given to a node's Origin when traced. */
  #parent: Node | null = null;
  #field = "";
  #index = -1;

  constructor(readonly bytes: Uint8Array, readonly classes: readonly ClassPlan[], readonly session: Session | undefined) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(): unknown {
    const tag = this.bytes[this.#position++];
    switch (tag) {
      case NODE:
        return this.#node();
      case STRING_SEEN:
        return this.#strings[this.#count()];
      case STRING: {
        const text = this.#text(this.#count());
        this.#strings.push(text);
        return text;
      }
      case INT: {
        const zigzag = this.#varint();
        return typeof zigzag === "number" ? (zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2) : unzigzag(zigzag);
      }
      case LIST: {
        const count = this.#count();
        const items = new Array<unknown>(count), parent = this.#parent, field = this.#field;
        for (let i = 0; i < count; i++) {
          // Each item's own fields changed the context: set it again.
          this.#parent = parent;
          this.#field = field;
          this.#index = i;
          items[i] = this.value();
        }
        return items;
      }
      case NONE:
        return null;
      case MISSING:
        return undefined;
      default:
        return this.#constant(tag);
    }
  }

  /** The rarer values, all constants: a float's constant remembers it was one. */
  #constant(tag: number): unknown {
    switch (tag) {
      case TRUE:
        return true;
      case FALSE:
        return false;
      case FLOAT:
        this.#wasFloat = true;
        return this.#float();
      case BIG_INT: {
        const digits = this.#ascii(this.#count());
        const magnitude = BigInt(`0x${digits.replace("-", "")}`);
        return digits.startsWith("-") ? -magnitude : magnitude;
      }
      case BYTES: {
        const length = this.#count();
        return this.bytes.slice(this.#position, this.#position += length);
      }
      case COMPLEX:
        return new Complex(this.#float(), this.#float());
      case ELLIPSIS:
        return Ellipsis;
      case TUPLE:
      case FROZENSET: {
        const count = this.#count();
        const elements: nodes.Constant[] = [];
        for (let i = 0; i < count; i++) {
          this.#wasFloat = false;
          const value = this.value() as ConstantValue;
          elements.push(new nodes.Constant({ value, isFloat: this.#wasFloat }));
        }
        return tag === TUPLE ? new ConstantTuple(elements) : new ConstantFrozenSet(elements);
      }
      default:
        throw new TypeError(
          `pyframe: unexpected tag ${tag} at byte ${this.#position - 1} of a tree from the native codec; ` +
            "the native library and src/ast disagree on the format: rebuild it (npm run build)",
        );
    }
  }

  #node(): Node {
    const plan = this.classes[this.#count()];
    const node = new (plan.kind as unknown as new (fields: object) => Traced)(UNFILLED);
    const target = node as unknown as Record<string, unknown>, names = plan.names;
    // Traced: where Python reaches the node and what it holds are recorded as they are read.
    let values: unknown[] | undefined;
    if (this.session) {
      const origin = node[ORIGIN] = new Origin(this.session, node, this.#parent, this.#field, this.#index);
      values = origin.values = new Array<unknown>(names.length + (plan.isConstant ? 1 : 0));
    }
    for (let i = 0; i < names.length; i++) {
      const constant = i < plan.fieldCount && plan.constants[i];
      if (constant) this.#wasFloat = false;
      this.#parent = node;
      this.#field = names[i];
      this.#index = -1;
      const value = this.value();
      if (values) values[i] = snapshotValue(value);
      if (value === undefined) continue;
      target[names[i]] = value;
      if (constant && this.#wasFloat && plan.isConstant) (node as nodes.Constant).isFloat = true;
    }
    fillDefaults(node, plan);
    if (values && plan.isConstant) values[names.length] = (node as nodes.Constant).isFloat;
    return node;
  }

  /** A length, count or index: a varint that fits in a number. */
  #count(): number {
    return this.#varint() as number;
  }

  /** An unsigned LEB128 varint: a number while it surely fits in 53 bits, else a bigint. */
  #varint(): number | bigint {
    let result = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      const byte = this.bytes[this.#position++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
    return this.#bigVarint(BigInt(result), 49n);
  }

  #bigVarint(low: bigint, shift: bigint): bigint {
    let result = low;
    for (;; shift += 7n) {
      const byte = this.bytes[this.#position++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
  }

  #float(): number {
    const value = this.#view.getFloat64(this.#position, true);
    this.#position += 8;
    return value;
  }

  #ascii(length: number): string {
    const start = this.#position;
    this.#position += length;
    return String.fromCharCode.apply(null, this.bytes.subarray(start, this.#position) as unknown as number[]);
  }

  /** `length` bytes of UTF-8; lone surrogates come as Python's "surrogatepass" writes them. */
  #text(length: number): unknown {
    const start = this.#position, end = start + length;
    let ascii = true;
    for (let i = start; i < end && ascii; i++) ascii = this.bytes[i] < 0x80;
    if (ascii && length < 0x1000) return this.#ascii(length);
    this.#position = end;
    try {
      return textDecoder.decode(this.bytes.subarray(start, end));
    } catch {
      return decodeUtf8(this.bytes, start, end); // Surrogates: not valid UTF-8.
    }
  }
}

/** A zigzag-encoded integer past 2^53: a bigint, or a number when it fits safely. */
function unzigzag(zigzag: bigint): number | bigint {
  const value = (zigzag & 1n) === 0n ? zigzag >> 1n : -((zigzag + 1n) >> 1n);
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
