/**
 * Python → TypeScript: builds nodes from the bytes `pickle.dumps(tree, 4)` writes for a Python
 * tree. CPython's C pickler walks the tree far faster than any Python code could, and the stream
 * is compact: each class, field name and identifier is written once and referred to after.
 * Only the opcodes such a stream holds are read. Private to src/ast.
 *
 * @module
 */

import { describe } from "./_access.ts";
import { type ClassPlan, decodeUtf8, finishNode, planOf } from "./_build.ts";
import { nodeClass } from "./_classes.ts";
import * as nodes from "./_nodes.ts";
import { ORIGIN, Origin, type Session, type Traced } from "./_session.ts";
import { CodePoints, Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
import { Node, type NodeClass } from "./node.ts";

// Pickle opcodes (see CPython's Lib/pickletools.py).
const MARK = 0x28, STOP = 0x2e, POP = 0x30, BINFLOAT = 0x47, BININT = 0x4a, BININT1 = 0x4b, BININT2 = 0x4d;
const NONE = 0x4e, REDUCE = 0x52, BINUNICODE = 0x58, EMPTY_LIST = 0x5d, APPEND = 0x61, BUILD = 0x62;
const APPENDS = 0x65, BINGET = 0x68, LONG_BINGET = 0x6a, SETITEM = 0x73, TUPLE = 0x74, SETITEMS = 0x75;
const EMPTY_DICT = 0x7d, EMPTY_TUPLE = 0x29, BINBYTES = 0x42, SHORT_BINBYTES = 0x43, PROTO = 0x80;
const NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89;
const LONG1 = 0x8a, LONG4 = 0x8b, SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e;
const FROZENSET = 0x91, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95;

/** A Python float on the stack: a number that must stay a float. */
class PyFloat {
  constructor(readonly value: number) {}
}
class PyTuple {
  constructor(readonly items: unknown[]) {}
}
class PyFrozenSet {
  constructor(readonly items: unknown[]) {}
}
/** A node's state being read: the only dicts these streams hold. */
class NodeState {
  constructor(readonly node: Node | undefined) {}
}
/** `builtins.complex`, the one callable besides node classes. */
const COMPLEX = Symbol("complex");
const NO_ITEMS = new PyTuple([]);

/** Resolves a class a stream names outside `ast` (a user's subclass): its `_ast` class. */
export type ForeignClassResolver = (module: string, name: string) => NodeClass;

/**
 * The tree a pickle stream holds. With a session, each node remembers its Python original
 * (see src/ast/_session.ts).
 */
export function decodeTree(data: Uint8Array, resolveForeign: ForeignClassResolver, session?: Session): Node {
  const tree = new Decoder(data, resolveForeign, session).run();
  if (!(tree instanceof Node)) throw new TypeError(`pyframe: expected a Python ast node, found ${describe(tree)}`);
  return tree;
}

class Decoder {
  #position = 0;
  readonly #stack: unknown[] = [];
  readonly #marks: number[] = [];
  readonly #memo: unknown[] = [];

  constructor(
    readonly data: Uint8Array,
    readonly resolveForeign: ForeignClassResolver,
    readonly session: Session | undefined,
  ) {}

  run(): unknown {
    const stack = this.#stack, data = this.data;
    for (;;) {
      const op = data[this.#position++];
      switch (op) {
        case BINGET:
          stack.push(this.#memo[this.#byte()]);
          break;
        case LONG_BINGET:
          stack.push(this.#memo[this.#uint32()]);
          break;
        case MEMOIZE:
          this.#memo.push(stack[stack.length - 1]);
          break;
        case MARK:
          this.#marks.push(stack.length);
          break;
        case SHORT_BINUNICODE:
          stack.push(this.#text(this.#byte()));
          break;
        case BINUNICODE:
          stack.push(this.#text(this.#uint32()));
          break;
        case BINUNICODE8:
          stack.push(this.#text(this.#uint64()));
          break;
        case BININT1:
          stack.push(this.#byte());
          break;
        case BININT2:
          stack.push(this.#byte() | (this.#byte() << 8));
          break;
        case BININT:
          stack.push(this.#uint32() | 0);
          break;
        case LONG1:
          stack.push(this.#long(this.#byte()));
          break;
        case LONG4:
          stack.push(this.#long(this.#uint32()));
          break;
        case BINFLOAT:
          stack.push(new PyFloat(this.#float()));
          break;
        case NONE:
          stack.push(null);
          break;
        case NEWTRUE:
          stack.push(true);
          break;
        case NEWFALSE:
          stack.push(false);
          break;
        case SHORT_BINBYTES:
          stack.push(this.#bytes(this.#byte()));
          break;
        case BINBYTES:
          stack.push(this.#bytes(this.#uint32()));
          break;
        case BINBYTES8:
          stack.push(this.#bytes(this.#uint64()));
          break;
        case EMPTY_LIST:
          stack.push([]);
          break;
        case APPEND: {
          const item = stack.pop();
          (stack[stack.length - 1] as unknown[]).push(item);
          break;
        }
        case APPENDS: {
          const mark = this.#marks.pop()!;
          const list = stack[mark - 1] as unknown[];
          for (let i = mark; i < stack.length; i++) list.push(stack[i]);
          stack.length = mark;
          break;
        }
        case EMPTY_DICT: {
          const top = stack[stack.length - 1];
          stack.push(new NodeState(top instanceof Node ? top : undefined));
          break;
        }
        case SETITEM:
          this.#setItems(stack.length - 2);
          break;
        case SETITEMS:
          this.#setItems(this.#marks.pop()!);
          break;
        case EMPTY_TUPLE:
          stack.push(NO_ITEMS);
          break;
        case TUPLE1:
          stack.push(new PyTuple([stack.pop()]));
          break;
        case TUPLE2:
        case TUPLE3:
          stack.push(new PyTuple(stack.splice(stack.length - (op === TUPLE2 ? 2 : 3))));
          break;
        case TUPLE:
          stack.push(new PyTuple(stack.splice(this.#marks.pop()!)));
          break;
        case FROZENSET:
          stack.push(new PyFrozenSet(stack.splice(this.#marks.pop()!)));
          break;
        case STACK_GLOBAL: {
          const name = stack.pop() as string, module = stack.pop() as string;
          stack.push(this.#global(module, name));
          break;
        }
        case REDUCE:
        case NEWOBJ: {
          const args = stack.pop() as PyTuple, callable = stack.pop();
          stack.push(this.#construct(callable, args));
          break;
        }
        case BUILD:
          this.#build(stack.pop(), stack[stack.length - 1]);
          break;
        case POP:
          stack.pop();
          break;
        case PROTO:
          this.#position += 1;
          break;
        case FRAME:
          this.#position += 8;
          break;
        case STOP:
          return stack.pop();
        default:
          throw new TypeError(
            `pyframe: unexpected pickle opcode 0x${op.toString(16)} at byte ${this.#position - 1} of a tree ` +
              `from Python; expected only what pickle writes for ast nodes and constants`,
          );
      }
    }
  }

  #byte(): number {
    return this.data[this.#position++];
  }

  #uint32(): number {
    const b0 = this.#byte(), b1 = this.#byte(), b2 = this.#byte(), b3 = this.#byte();
    return (b0 | (b1 << 8) | (b2 << 16)) + b3 * 0x1000000;
  }

  #uint64(): number {
    const low = this.#uint32(), high = this.#uint32();
    return high * 0x100000000 + low;
  }

  /** `length` bytes of UTF-8, with surrogates written as Python's "surrogatepass" does. */
  #text(length: number): string | CodePoints {
    const start = this.#position, end = start + length;
    this.#position = end;
    for (let i = start; i < end; i++) {
      if (this.data[i] >= 0x80) return decodeUtf8((at) => this.data[at], start, end);
    }
    return String.fromCharCode.apply(null, this.data.subarray(start, end) as unknown as number[]);
  }

  #bytes(length: number): Uint8Array {
    return this.data.slice(this.#position, this.#position += length);
  }

  /** A little-endian two's complement integer of `length` bytes: a number when safe, else a bigint. */
  #long(length: number): number | bigint {
    let value = 0n;
    for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.data[this.#position + i]);
    if (length > 0 && this.data[this.#position + length - 1] >= 0x80) value -= 1n << BigInt(8 * length);
    this.#position += length;
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }

  #float(): number {
    for (let i = 0; i < 8; i++) floatBytes[i] = this.#byte();
    return floatView.getFloat64(0, false);
  }

  #global(module: string, name: string): unknown {
    if (module === "builtins" && name === "complex") return COMPLEX;
    if (module === "builtins" && name === "Ellipsis") return Ellipsis;
    if (module === "ast" || module === "_ast") return nodeClass(name) ?? missingClass(name);
    return this.resolveForeign(module, name);
  }

  #construct(callable: unknown, args: PyTuple): unknown {
    if (callable === COMPLEX) return new Complex(pyNumber(args.items[0]), pyNumber(args.items[1]));
    if (typeof callable !== "function" || !(callable.prototype instanceof Node)) {
      throw new TypeError(`pyframe: a tree from Python calls ${describe(callable)}; expected only ast node classes`);
    }
    const plan = planOf(callable as unknown as NodeClass);
    const node = Object.create(plan.kind.prototype) as Traced;
    if (this.session) node[ORIGIN] = new Origin(this.session, node);
    // Python 3.13 passes the fields positionally, as None, and their values in the state.
    for (let i = 0; i < args.items.length; i++) {
      if (args.items[i] !== null) setField(node, plan, i, args.items[i]);
    }
    if (!this.#stateFollows()) finishNode(node, plan);
    return node;
  }

  /**
   * Whether the node's state (a dict, then BUILD) comes next, after the node is memoized. A node
   * with an empty `__dict__` has none, so it is finished now; when a FRAME opcode hides the
   * state, the node is finished twice, which is harmless.
   */
  #stateFollows(): boolean {
    const next = this.data[this.#position];
    return (next === MEMOIZE ? this.data[this.#position + 1] : next) === EMPTY_DICT;
  }

  /** Sets the key/value pairs from `start` to the top of the stack on the state below them. */
  #setItems(start: number): void {
    const stack = this.#stack, state = stack[start - 1];
    if (!(state instanceof NodeState) || !state.node) {
      throw new TypeError("pyframe: a tree from Python holds a dict outside a node's state; expected only ast nodes");
    }
    const node = state.node, plan = planOf(node.constructor as unknown as NodeClass);
    for (let i = start; i < stack.length; i += 2) {
      const slot = plan.slots.get(stack[i] as string);
      // Other entries of a node's __dict__ (attributes users added in Python) are not the tree's.
      if (slot !== undefined) setField(node, plan, slot, stack[i + 1]);
    }
    stack.length = start;
  }

  #build(state: unknown, target: unknown): void {
    if (!(state instanceof NodeState) || state.node === undefined || state.node !== target) {
      throw new TypeError(`pyframe: a tree from Python sets the state of ${describe(target)}; expected an ast node`);
    }
    const node: Traced = state.node;
    finishNode(node, planOf(node.constructor as unknown as NodeClass));
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

function missingClass(name: string): never {
  throw new TypeError(
    `pyframe: the running Python made an ast.${name} node, which has no TypeScript class; ` +
      `regenerate src/ast/_nodes.ts with scripts/generate_ast.ts for this Python`,
  );
}

function pyNumber(value: unknown): number {
  return value instanceof PyFloat ? value.value : value as number;
}

/** Sets the field or attribute at `slot` of the plan to a value read from Python. */
function setField(node: Node, plan: ClassPlan, slot: number, raw: unknown): void {
  const target = node as unknown as Record<string, unknown>;
  const name = plan.names[slot];
  if (slot < plan.fieldCount && plan.constants[slot]) {
    target[name] = constantValue(raw, `ast.${plan.kind.typeName}.${name}`);
    if (raw instanceof PyFloat && node instanceof nodes.Constant) node.isFloat = true;
  } else {
    target[name] = raw;
  }
}

function constantValue(raw: unknown, where: string): ConstantValue {
  if (raw instanceof PyFloat) return raw.value;
  if (raw instanceof PyTuple) return new ConstantTuple(raw.items.map((item) => constantElement(item, where)));
  if (raw instanceof PyFrozenSet) return new ConstantFrozenSet(raw.items.map((item) => constantElement(item, where)));
  if (
    raw === null || typeof raw === "boolean" || typeof raw === "number" || typeof raw === "bigint" ||
    typeof raw === "string" || raw instanceof CodePoints || raw instanceof Uint8Array || raw instanceof Complex ||
    raw === Ellipsis
  ) return raw as ConstantValue;
  throw new TypeError(
    `pyframe: ${where} holds ${describe(raw)}, which TypeScript cannot carry; expected None, bool, int, float, ` +
      "complex, str, bytes, Ellipsis, tuple or frozenset",
  );
}

function constantElement(raw: unknown, where: string): nodes.Constant {
  return new nodes.Constant({ value: constantValue(raw, where), isFloat: raw instanceof PyFloat });
}

