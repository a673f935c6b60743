/**
 * Python → TypeScript: builds nodes from the compact bytes native/ast_codec.zig writes for a
 * Python tree (the format is described there). Private to src/ast.
 *
 * @module
 */

import { describe } from "./_access.ts";
import { type ClassPlan, decodeUtf8 } from "./_build.ts";
import { generated } from "./_generate.ts";
import {
  BIG_INT,
  BYTES,
  COMPLEX,
  ELLIPSIS,
  FALSE,
  FLOAT,
  FROZENSET,
  INT,
  LIST,
  LOCATION,
  MISSING,
  NODE,
  NONE,
  STRING,
  STRING_SEEN,
  TRUE,
  TUPLE,
} from "./_codec_tags.ts";
import * as nodes from "./_nodes.ts";
import { OFFSET, SESSION, type Session } from "./_session.ts";
import { withinStack } from "./_stack.ts";
import { Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
import { Node, UNFILLED } from "./node.ts";

/**
 * The tree the bytes hold. `classes[i]` is the plan of class index `i` (the order the codec was
 * given). With a session, each node is recorded as standing for its Python original (see
 * src/ast/_session.ts).
 */
export function decodeNative(bytes: Uint8Array, classes: readonly ClassPlan[], session?: Session): Node {
  const reader = new NativeReader(bytes, classes, session);
  // The header counts the snapshot entries the tree makes: one allocation of the right size.
  const entries = reader.header();
  if (session) session.snapshot = new Array(entries);
  const tree = withinStack("to send to TypeScript", () => reader.value());
  if (session && session.filled !== entries) {
    throw new Error(`pyframe: internal error: a tree announced ${entries} snapshot entries and made ${session.filled}`);
  }
  if (!(tree instanceof Node)) throw new TypeError(`pyframe: expected a Python ast node, found ${describe(tree)}`);
  return tree;
}

/** Short ASCII strs made before, by the hash of their bytes (see NativeReader#shortAscii); bounded. */
const shortTexts = new Map<number, string>();
const SHORT_TEXT = 32, SHORT_TEXTS_MAX = 1 << 14;

// ignoreBOM: a str starting with U+FEFF keeps it.
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads one node of a class: made per class (see {@link nodeReaderOf}) so that every property
 * store in it sees one class and one key, which the JS engines make a plain store; a generic
 * loop over field names costs a dictionary-style lookup per field (measured: most of the decode).
 */
type NodeReader = (reader: NativeReader) => Node;

class NativeReader {
  #position = 0;
  readonly #strings: unknown[] = [];
  /** For floats, made when the first is read. */
  #view: DataView | undefined;
  /** Whether the last constant read was a float (a number alone cannot say). */
  wasFloat = false;
  /** The location attributes {@link location} read last. */
  lineno: unknown = undefined;
  colOffset: unknown = undefined;
  endLineno: unknown = undefined;
  endColOffset: unknown = undefined;
  readonly readers: NodeReader[];

  constructor(
    readonly bytes: Uint8Array,
    readonly classes: readonly ClassPlan[],
    readonly session: Session | undefined,
  ) {
    this.readers = nodeReadersFor(classes);
  }

  /** The stream's header (see native/ast_codec.zig): how many snapshot entries the tree makes. */
  header(): number {
    return this.#count();
  }

  /**
   * A location attribute: almost always a small int, read here without the general dispatch;
   * anything else (None, missing) through {@link value}.
   */
  attribute(): unknown {
    if (this.bytes[this.#position] !== INT) return this.value();
    this.#position++;
    return this.#zigzag();
  }

  /**
   * A node's four location attributes, into {@link lineno} ... {@link endColOffset}: one
   * `location` value (four zigzag varints) when the encoder could write one, else four values.
   */
  location(): void {
    if (this.bytes[this.#position] !== LOCATION) {
      this.lineno = this.attribute();
      this.colOffset = this.attribute();
      this.endLineno = this.attribute();
      this.endColOffset = this.attribute();
      return;
    }
    this.#position++;
    this.lineno = this.#zigzag();
    this.colOffset = this.#zigzag();
    this.endLineno = this.#zigzag();
    this.endColOffset = this.#zigzag();
  }

  /** A zigzag varint (an int's payload): one or two bytes read inline (lines and columns up to 8191). */
  #zigzag(): number | bigint {
    const bytes = this.bytes, at = this.#position;
    let zigzag = bytes[at];
    if (zigzag < 0x80) {
      this.#position = at + 1;
    } else if (bytes[at + 1] < 0x80) {
      zigzag = (zigzag & 0x7f) | (bytes[at + 1] << 7);
      this.#position = at + 2;
    } else {
      const long = this.#varint();
      if (typeof long === "bigint") return unzigzag(long);
      zigzag = long;
    }
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  value(): unknown {
    const tag = this.bytes[this.#position++];
    switch (tag) {
      case NODE:
        return this.readers[this.#count()](this);
      case STRING_SEEN:
        return this.#strings[this.#count()];
      case STRING: {
        const text = this.#text(this.#count());
        this.#strings.push(text);
        return text;
      }
      case INT:
        return this.#zigzag();
      case LIST: {
        const count = this.#count();
        const items = new Array<unknown>(count);
        for (let i = 0; i < count; i++) items[i] = this.value();
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
        this.wasFloat = true;
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
          this.wasFloat = false;
          const value = this.value() as ConstantValue;
          elements.push(new nodes.Constant({ value, isFloat: this.wasFloat }));
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

  /** A length, count or index: a varint that fits in a number. */
  #count(): number {
    return this.#varint() as number;
  }

  /** An unsigned LEB128 varint: a number while it surely fits in 53 bits, else a bigint. */
  #varint(): number | bigint {
    // Most are under 128: one byte.
    const first = this.bytes[this.#position];
    if (first < 0x80) {
      this.#position++;
      return first;
    }
    // A running factor, not 2 ** shift: a power with a variable exponent is a libm call per byte.
    let result = 0, factor = 1;
    for (let i = 0; i < 7; i++, factor *= 0x80) {
      const byte = this.bytes[this.#position++];
      result += (byte & 0x7f) * factor;
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
    const bytes = this.bytes;
    this.#view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const value = this.#view.getFloat64(this.#position, true);
    this.#position += 8;
    return value;
  }

  #ascii(length: number): string {
    const start = this.#position;
    this.#position += length;
    return String.fromCharCode.apply(null, this.bytes.subarray(start, this.#position) as unknown as number[]);
  }

  /**
   * A short ASCII str. The same identifiers and words recur in every tree, so the string made for
   * one is kept by the hash of its bytes and reused when they match: making it again costs more,
   * most in Bun (a typed-array view and String.fromCharCode.apply per string).
   */
  #shortAscii(length: number, hash: number): string {
    const start = this.#position, bytes = this.bytes;
    const known = shortTexts.get(hash);
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = known.charCodeAt(i) === bytes[start + i];
      if (same) {
        this.#position += length;
        return known;
      }
    }
    const text = this.#ascii(length);
    if (shortTexts.size >= SHORT_TEXTS_MAX) shortTexts.clear();
    shortTexts.set(hash, text);
    return text;
  }

  /** `length` bytes of UTF-8; lone surrogates come as Python's "surrogatepass" writes them. */
  #text(length: number): unknown {
    const start = this.#position, end = start + length;
    let ascii = true, hash = length;
    for (let i = start; i < end && ascii; i++) {
      const byte = this.bytes[i];
      ascii = byte < 0x80;
      hash = (Math.imul(hash, 31) + byte) | 0;
    }
    if (ascii && length <= SHORT_TEXT) return this.#shortAscii(length, hash);
    if (ascii && length < 0x1000) return this.#ascii(length);
    this.#position = end;
    try {
      return textDecoder.decode(this.bytes.subarray(start, end));
    } catch {
      return decodeUtf8(this.bytes, start, end); // Surrogates: not valid UTF-8.
    }
  }
}

/** The node readers of a class list, made once per list (there is one per process). */
const readerLists = new WeakMap<readonly ClassPlan[], NodeReader[]>();

function nodeReadersFor(classes: readonly ClassPlan[]): NodeReader[] {
  let readers = readerLists.get(classes);
  if (!readers) readerLists.set(classes, readers = classes.map(nodeReaderOf));
  return readers;
}

/**
 * The reader of one class's nodes, generated from its plan: the values come in the plan's order
 * (`_fields` then `_attributes`); a value the tree lacks leaves the field unset, or at the
 * constructor's default (`[]`, `null`). With a session, the node's snapshot entry is written once
 * its children's are (src/ast/_session.ts gives the layout).
 */
function nodeReaderOf(plan: ClassPlan): NodeReader {
  if (plan.shared) return sharedReaderOf(plan);
  const lines = [
    "const node = new Kind(UNFILLED), session = reader.session;",
    "const index = session ? session.count++ : -1;",
  ];
  plan.names.forEach((name, i) => {
    const key = JSON.stringify(name), isField = i < plan.fieldCount, constant = isField && plan.constants[i];
    if (constant) lines.push("reader.wasFloat = false;");
    if (plan.hasLocation && !isField) {
      // The four location attributes come together: lineno, col_offset, end_lineno, end_col_offset.
      const at = i - plan.fieldCount;
      if (at === 0) lines.push("reader.location();");
      lines.push(`const v${i} = reader.${LOCATION_READS[at]};`);
    } else {
      lines.push(`const v${i} = reader.${isField ? "value" : "attribute"}();`);
    }
    const quantity = isField ? plan.quantities[i] : "one";
    const fallback = quantity === "list" ? `node[${key}] = [];` : quantity === "optional" ? `node[${key}] = null;` : "";
    lines.push(`if (v${i} !== undefined) node[${key}] = v${i};${fallback ? ` else ${fallback}` : ""}`);
    if (plan.isConstant && constant) lines.push("node.isFloat = reader.wasFloat;");
  });
  const attributes = plan.names.map((_, i) => `v${i}`).slice(plan.fieldCount);
  lines.push(
    "if (session) {",
    "  const snapshot = session.snapshot;",
    "  let at = session.filled;",
    "  node[SESSION] = session;",
    "  node[OFFSET] = at;",
    // The index, doubled, carries whether a Constant was read as a float.
    ...["node", plan.isConstant ? "index * 2 + (node.isFloat ? 1 : 0)" : "index * 2", ...attributes]
      .map((value) => `  snapshot[at++] = ${value};`),
    ...plan.quantities
      .map((quantity, i) => quantity === "list" ? `  at = putList(snapshot, at, v${i});` : `  snapshot[at++] = v${i};`),
    "  session.filled = at;",
    "}",
    "return node;",
  );
  return generated<NodeReader>(
    "reading a tree from Python",
    `function read${plan.kind.typeName}(reader) {\n${lines.join("\n")}\n}`,
    { Kind: plan.kind, UNFILLED, SESSION, OFFSET, putList },
  );
}

/** Where {@link NativeReader.location} leaves each location attribute, in `_attributes` order. */
const LOCATION_READS = ["lineno", "colOffset", "endLineno", "endColOffset"];

/**
 * The reader of a class without fields or attributes (Load, Add, ...): one node for all, as Python
 * has one instance for all. Such a node is not traced: it has nothing to patch, and a parent whose
 * field still holds it has that field unchanged.
 */
function sharedReaderOf(plan: ClassPlan): NodeReader {
  const shared = new (plan.kind as unknown as new (fields: object) => Node)(UNFILLED);
  return () => shared;
}

/**
 * Writes a list field's value into a snapshot entry from `at`: its length then its items (anything
 * else as it is). Returns where the entry goes on.
 */
function putList(snapshot: unknown[], at: number, value: unknown): number {
  if (!Array.isArray(value)) {
    snapshot[at++] = value;
    return at;
  }
  snapshot[at++] = value.length;
  for (let i = 0; i < value.length; i++) snapshot[at++] = value[i];
  return at;
}

/** A zigzag-encoded integer past 2^53: a bigint, or a number when it fits safely. */
function unzigzag(zigzag: bigint): number | bigint {
  const value = (zigzag & 1n) === 0n ? zigzag >> 1n : -((zigzag + 1n) >> 1n);
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
