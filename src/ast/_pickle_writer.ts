/**
 * Writes the pickle opcodes (protocol 4) that src/ast sends to Python: CPython's C unpickler
 * builds the nodes, with no Python code run per node. Private to src/ast.
 *
 * @module
 */

export const MARK = 0x28, STOP = 0x2e, POP = 0x30, BINFLOAT = 0x47, BININT = 0x4a, BININT1 = 0x4b;
export const BININT2 = 0x4d, NONE = 0x4e, BINPERSID = 0x51, REDUCE = 0x52, BINUNICODE = 0x58;
export const EMPTY_LIST = 0x5d, APPEND = 0x61, BUILD = 0x62, APPENDS = 0x65, BINGET = 0x68;
export const LONG_BINGET = 0x6a, TUPLE = 0x74, SETITEMS = 0x75, EMPTY_DICT = 0x7d, EMPTY_TUPLE = 0x29;
export const BINBYTES = 0x42, SHORT_BINBYTES = 0x43, PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86;
export const NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, SHORT_BINUNICODE = 0x8c;
export const FROZENSET = 0x91, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95;

const encoder = new TextEncoder();
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** Bytes before the opcodes: the protocol header and the frame's length, written by `toBytes`. */
const HEADER = 11;

/**
 * The buffer streams are written in, shared: a stream is handed to Python (which copies it) before
 * the next one is begun, and allocating a buffer per stream cost more than writing a small tree.
 */
let scratch = new Uint8Array(1 << 16);

/**
 * A growing pickle stream with a memo of short strings and globals. One at a time: it writes
 * into a buffer shared by every writer, and its bytes are valid until the next writer begins.
 */
export class PickleWriter {
  #bytes = scratch;
  #length = HEADER;
  #memoCount = 0;
  readonly #memo = new Map<string, number>();

  op(code: number): void {
    if (this.#length === this.#bytes.length) this.#grow(1);
    this.#bytes[this.#length++] = code;
  }

  /** Memoizes the value on top of the stack (index = order of memoizing). */
  memoize(): number {
    this.op(MEMOIZE);
    return this.#memoCount++;
  }

  get(index: number): void {
    this.#sized(BINGET, LONG_BINGET, index);
  }

  int(value: number): void {
    if (value >= 0 && value < 0x100) {
      this.op(BININT1);
      this.op(value);
    } else if (value >= 0 && value < 0x10000) {
      this.op(BININT2);
      this.op(value & 0xff);
      this.op(value >> 8);
    } else if (value >= -0x80000000 && value <= 0x7fffffff) {
      this.op(BININT);
      this.#uint32(value >>> 0);
    } else {
      this.bigint(BigInt(value));
    }
  }

  bigint(value: bigint): void {
    const bytes: number[] = [];
    let rest = value;
    // Little-endian two's complement, with a sign byte when the top bit disagrees with the sign.
    while (rest !== 0n && rest !== -1n) {
      bytes.push(Number(rest & 0xffn));
      rest >>= 8n;
    }
    const negative = value < 0n;
    if (bytes.length === 0 ? negative : ((bytes[bytes.length - 1] & 0x80) !== 0) !== negative) {
      bytes.push(negative ? 0xff : 0);
    }
    this.#sized(LONG1, LONG4, bytes.length);
    this.#raw(bytes);
  }

  float(value: number): void {
    floatView.setFloat64(0, value, false);
    this.op(BINFLOAT);
    this.#raw(floatBytes);
  }

  /**
   * A str. With `shared` (identifiers, field names), the first one of each text is interned in
   * Python (`sys.intern`, called by the unpickler) and referred to after, so every use is the one
   * interned object, as the parser makes them; otherwise a new object each time, as the parser
   * makes each string constant.
   */
  string(text: string, shared = true): void {
    if (shared) {
      const index = this.#memo.get(text);
      if (index !== undefined) return this.get(index);
      this.global("sys", "intern");
    }
    if (isAscii(text)) {
      this.#stringHeader(text.length);
      this.#ascii(text);
    } else {
      const utf8 = utf8Of(text);
      this.#stringHeader(utf8.length);
      this.#raw(utf8);
    }
    if (!shared) return;
    this.op(TUPLE1);
    this.op(REDUCE);
    this.#memo.set(text, this.memoize());
  }

  /** A str given as code points (see CodePoints): surrogates are written one by one. */
  codePoints(points: readonly number[]): void {
    const utf8: number[] = [];
    for (const point of points) {
      if (point >= 0xd800 && point <= 0xdfff) utf8.push(...surrogateBytes(point));
      else utf8.push(...encoder.encode(String.fromCodePoint(point)));
    }
    this.#stringHeader(utf8.length);
    this.#raw(utf8);
  }

  bytes(value: Uint8Array): void {
    this.#sized(SHORT_BINBYTES, BINBYTES, value.length);
    this.#raw(value);
  }

  /**
   * One instance of `module.name` made with no arguments and no state, shared by every use in
   * the stream, as CPython's parser shares its `Load()` and operator nodes.
   */
  singleton(module: string, name: string): void {
    const key = `\u0001${module}.${name}`;
    const index = this.#memo.get(key);
    if (index !== undefined) return this.get(index);
    this.global(module, name);
    this.op(EMPTY_TUPLE);
    this.op(NEWOBJ);
    this.#memo.set(key, this.memoize());
  }

  /** `module.name` (a class, `builtins.Ellipsis`, `sys.intern`), memoized. */
  global(module: string, name: string): void {
    const key = `\0${module}.${name}`;
    const index = this.#memo.get(key);
    if (index !== undefined) return this.get(index);
    this.string(module, false);
    this.string(name, false);
    this.op(STACK_GLOBAL);
    this.#memo.set(key, this.memoize());
  }

  /**
   * The stream. Past the protocol header it is one frame, which the unpickler reads from its file
   * in one call instead of one call per opcode. A view of the shared buffer: hand it to Python
   * before another stream is begun.
   */
  toBytes(): Uint8Array {
    const stream = this.#bytes, frame = this.#length - HEADER;
    stream[0] = PROTO;
    stream[1] = 4;
    stream[2] = FRAME;
    for (let i = 0; i < 8; i++) stream[3 + i] = i < 4 ? (frame >>> (8 * i)) & 0xff : 0;
    return stream.subarray(0, this.#length);
  }

  #stringHeader(length: number): void {
    this.#sized(SHORT_BINUNICODE, BINUNICODE, length);
  }

  /** An opcode followed by a length or index: one byte with `short`, four with `long`. */
  #sized(short: number, long: number, length: number): void {
    if (length < 0x100) {
      this.op(short);
      this.op(length);
    } else {
      this.op(long);
      this.#uint32(length);
    }
  }

  #ascii(text: string): void {
    if (this.#length + text.length > this.#bytes.length) this.#grow(text.length);
    for (let i = 0; i < text.length; i++) this.#bytes[this.#length++] = text.charCodeAt(i);
  }

  #uint32(value: number): void {
    this.op(value & 0xff);
    this.op((value >>> 8) & 0xff);
    this.op((value >>> 16) & 0xff);
    this.op(value >>> 24);
  }

  #raw(bytes: ArrayLike<number>): void {
    if (this.#length + bytes.length > this.#bytes.length) this.#grow(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.#bytes[this.#length++] = bytes[i];
  }

  #grow(needed: number): void {
    const larger = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + needed));
    larger.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = scratch = larger;
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
