/**
 * Writes the values of native/ast_codec.zig (described there) that native/ast_load.zig builds
 * Python objects from: no Python code runs per node. Private to src/ast.
 *
 * @module
 */

import { BIG_INT, BYTES, COMPLEX, FLOAT, IDENTIFIER, INT, STRING, STRING_SEEN } from "./_codec_tags.ts";

const encoder = new TextEncoder();
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/**
 * Buffers shared by every writer of a slot: a stream is handed to native code (which reads it at
 * once) before the next one is begun, and allocating a buffer per stream cost more than writing a
 * small tree. Slot 0 is a stream's tree, slot 1 its patches.
 */
const scratch = [new Uint8Array(1 << 16), new Uint8Array(1 << 12)];

/**
 * A growing stream of values, with its own string table (the loader starts one per section). One
 * writer per slot at a time: its bytes are valid until the next writer of the slot begins.
 */
export class CodecWriter {
  #bytes: Uint8Array;
  #length = 0;
  /** How many strs were written: the next one's index in the loader's string table. */
  #strings = 0;
  /** Identifiers written, by text: each is written once and referred to after. */
  readonly #identifiers = new Map<string, number>();

  constructor(readonly slot: 0 | 1) {
    this.#bytes = scratch[slot];
  }

  tag(tag: number): void {
    if (this.#length === this.#bytes.length) this.#grow(1);
    this.#bytes[this.#length++] = tag;
  }

  /** An unsigned LEB128 varint of a safe integer. */
  varint(value: number): void {
    if (this.#length + 8 > this.#bytes.length) this.#grow(8);
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes[this.#length++] = rest;
  }

  /** A safe integer (zigzag: small magnitudes of either sign take few bytes). */
  int(value: number): void {
    this.tag(INT);
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** An integer of any size, as hex digits ("-" first when negative). */
  bigint(value: bigint): void {
    const digits = value < 0n ? `-${(-value).toString(16)}` : value.toString(16);
    this.tag(BIG_INT);
    this.varint(digits.length);
    this.#ascii(digits);
  }

  float(value: number): void {
    this.tag(FLOAT);
    this.#float(value);
  }

  complex(real: number, imaginary: number): void {
    this.tag(COMPLEX);
    this.#float(real);
    this.#float(imaginary);
  }

  /**
   * A str. An identifier (a name, a field name) is interned in Python and written once, referred
   * to after, so every use is the one object, as the parser makes them; any other str is a new
   * object each time, as the parser makes each string constant.
   */
  string(text: string, identifier: boolean): void {
    if (identifier) {
      const index = this.#identifiers.get(text);
      if (index !== undefined) {
        this.tag(STRING_SEEN);
        return this.varint(index);
      }
      this.#identifiers.set(text, this.#strings);
    }
    this.#strings++;
    this.tag(identifier ? IDENTIFIER : STRING);
    if (isAscii(text)) {
      this.varint(text.length);
      this.#ascii(text);
    } else {
      this.#sized(utf8Of(text));
    }
  }

  /** A str given as code points (see CodePoints): surrogates are written one by one. */
  codePoints(points: readonly number[]): void {
    const utf8: number[] = [];
    for (const point of points) {
      if (point >= 0xd800 && point <= 0xdfff) utf8.push(...surrogateBytes(point));
      else utf8.push(...encoder.encode(String.fromCodePoint(point)));
    }
    this.#strings++;
    this.tag(STRING);
    this.#sized(utf8);
  }

  bytes(value: Uint8Array): void {
    this.tag(BYTES);
    this.#sized(value);
  }

  /** Appends what another writer wrote (its strings are its section's). */
  append(other: CodecWriter): void {
    this.#raw(other.view());
  }

  /** The bytes written: a view of the slot's shared buffer, valid until its next writer begins. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  #sized(bytes: ArrayLike<number>): void {
    this.varint(bytes.length);
    this.#raw(bytes);
  }

  #float(value: number): void {
    floatView.setFloat64(0, value, true);
    this.#raw(floatBytes);
  }

  #ascii(text: string): void {
    if (this.#length + text.length > this.#bytes.length) this.#grow(text.length);
    for (let i = 0; i < text.length; i++) this.#bytes[this.#length++] = text.charCodeAt(i);
  }

  #raw(bytes: ArrayLike<number>): void {
    if (this.#length + bytes.length > this.#bytes.length) this.#grow(bytes.length);
    if (bytes instanceof Uint8Array) {
      this.#bytes.set(bytes, this.#length);
      this.#length += bytes.length;
      return;
    }
    for (let i = 0; i < bytes.length; i++) this.#bytes[this.#length++] = bytes[i];
  }

  #grow(needed: number): void {
    const larger = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + needed));
    larger.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = scratch[this.slot] = larger;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** UTF-8 as Python's "surrogatepass" writes it, so lone surrogates reach Python intact. */
function utf8Of(text: string): ArrayLike<number> {
  if (text.isWellFormed()) return encoder.encode(text);
  const bytes: number[] = [];
  for (const char of text) {
    const point = char.codePointAt(0)!;
    if (point >= 0xd800 && point <= 0xdfff) bytes.push(...surrogateBytes(point));
    else bytes.push(...encoder.encode(char));
  }
  return bytes;
}

function surrogateBytes(point: number): number[] {
  return [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)];
}
