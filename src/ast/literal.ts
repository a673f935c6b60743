/**
 * Python's `ast.literal_eval` in TypeScript: the same literals accepted, the same refused, the
 * same values, without running any Python code on the tree.
 *
 * @module
 */

import { describe } from "./_access.ts";
import {
  Add,
  BinOp,
  Call,
  Constant,
  Dict,
  Expression,
  List,
  Name,
  Set as SetNode,
  Sub,
  Tuple,
  UAdd,
  UnaryOp,
  USub,
} from "./_nodes.ts";
import { CodePoints, Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
import { Node } from "./node.ts";
import { parse } from "./parse.ts";

/**
 * A value {@link literalEval} returns: a constant's value (see {@link ConstantValue}), an array
 * for a tuple or list, a `Set` for a set, a `Map` for a dict.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const settings: ast.LiteralValue = ast.literalEval("{'retries': 3}"); // Map { "retries" => 3 }
 * ```
 */
export type LiteralValue = ConstantValue | LiteralValue[] | Set<LiteralValue> | Map<LiteralValue, LiteralValue>;

/**
 * Evaluates a Python literal, like Python's `ast.literal_eval`: constants, tuples, lists, sets,
 * dicts and `set()` of literals, signed numbers, and a real number plus or minus an imaginary one.
 * Takes source text or a tree (an `ast.Expression` or an expression node). Anything else throws
 * a TypeError, as do unhashable set items and dict keys. Set items and dict keys that Python
 * holds equal (`1`, `1.0`, `True`) count once, keeping the first, as in Python.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * ast.literalEval("{'a': [1, -2.5], 'b': (None, 1+2j)}");
 * // Map { "a" => [1, -2.5], "b" => [null, Complex { real: 1, imag: 2 }] }
 * ```
 */
export function literalEval(nodeOrSource: Node | string): LiteralValue {
  let node: unknown = nodeOrSource;
  if (typeof node === "string") node = parse(node.replace(/^[ \t]+/, ""), { mode: "eval" });
  if (node instanceof Expression) node = node.body;
  return convert(node);
}

function convert(node: unknown): LiteralValue {
  if (node instanceof Constant) return constantValue(node.value);
  if (node instanceof Tuple || node instanceof List) return node.elts.map(convert);
  if (node instanceof SetNode) return pythonSet(node.elts);
  if (isEmptySetCall(node)) return new Set();
  if (node instanceof Dict) return pythonDict(node);
  if (node instanceof BinOp && (node.op instanceof Add || node.op instanceof Sub)) {
    const left = signedNumber(node.left), right = number(node.right);
    if (!(left instanceof Complex) && right instanceof Complex) {
      const real = Number(left), sign = node.op instanceof Add ? 1 : -1;
      // Python turns the real number into a complex with imaginary part 0.0 first.
      return new Complex(real + sign * right.real, 0 + sign * right.imag);
    }
  }
  return signedNumber(node);
}

/** Tuple and frozenset constants (from constant folding) as an array and a Set. */
function constantValue(value: ConstantValue): LiteralValue {
  if (value instanceof ConstantTuple) return value.elements.map((element) => constantValue(element.value));
  if (value instanceof ConstantFrozenSet) return pythonSet(value.elements);
  return value;
}

function isEmptySetCall(node: unknown): boolean {
  return node instanceof Call && node.func instanceof Name && node.func.id === "set" && node.args.length === 0 &&
    node.keywords.length === 0;
}

type PythonNumber = number | bigint | Complex;

function signedNumber(node: unknown): PythonNumber {
  if (node instanceof UnaryOp && (node.op instanceof UAdd || node.op instanceof USub)) {
    const operand = number(node.operand);
    return node.op instanceof UAdd ? operand : negate(operand, node.operand as Constant);
  }
  return number(node);
}

function negate(value: PythonNumber, constant: Constant): PythonNumber {
  if (value instanceof Complex) return new Complex(-value.real, -value.imag);
  if (typeof value === "bigint") return -value;
  // An int has no negative zero: -0 is 0.
  return value === 0 && !constant.isFloat ? 0 : -value;
}

function number(node: unknown): PythonNumber {
  if (node instanceof Constant) {
    const value = node.value;
    if (typeof value === "number" || typeof value === "bigint" || value instanceof Complex) return value;
  }
  return malformed(node);
}

function malformed(node: unknown): never {
  const line = node instanceof Node ? (node as { lineno?: number }).lineno : undefined;
  throw new TypeError(
    `pyframe: ast.literalEval found a malformed node or string${line ? ` on line ${line}` : ""}: ${describe(node)}; ` +
      "expected a literal: a constant; a tuple, list, set or dict of literals; set(); or a real number plus or " +
      "minus an imaginary one (evaluate other expressions with python.eval)",
  );
}

function pythonSet(items: readonly unknown[]): Set<LiteralValue> {
  const seen = new Map<string, LiteralValue>();
  for (const item of items) {
    const value = convert(item), key = hashKey(item, value);
    if (!seen.has(key)) seen.set(key, value);
  }
  return new Set(seen.values());
}

function pythonDict(node: Dict): Map<LiteralValue, LiteralValue> {
  if (node.keys.length !== node.values.length) malformed(node);
  const entries = new Map<string, [LiteralValue, LiteralValue]>();
  node.keys.forEach((keyNode, i) => {
    const key = convert(keyNode), value = convert(node.values[i]), hash = hashKey(keyNode, key);
    const entry = entries.get(hash);
    if (entry) entry[1] = value; // Python keeps the first key and the last value.
    else entries.set(hash, [key, value]);
  });
  return new Map([...entries.values()]);
}

/** A string equal for values Python holds equal (1 == 1.0 == True, 2 == 2+0j); throws for unhashable ones. */
function hashKey(node: unknown, value: LiteralValue): string {
  if (node instanceof Tuple) {
    return `t(${node.elts.map((element, i) => hashKey(element, (value as LiteralValue[])[i]))})`;
  }
  if (node instanceof List || node instanceof SetNode || node instanceof Dict || isEmptySetCall(node)) {
    const type = node instanceof List ? "list" : node instanceof Dict ? "dict" : "set";
    throw new TypeError(
      `pyframe: ast.literalEval found an unhashable ${type} as a set item or dict key, as Python's literal_eval ` +
        "does; use a tuple instead",
    );
  }
  if (node instanceof Constant && node.value instanceof ConstantTuple) {
    return `t(${node.value.elements.map((element) => hashKey(element, constantValue(element.value)))})`;
  }
  if (node instanceof Constant && node.value instanceof ConstantFrozenSet) {
    return `f(${node.value.elements.map((element) => hashKey(element, constantValue(element.value))).sort()})`;
  }
  return valueKey(value);
}

function valueKey(value: LiteralValue): string {
  if (typeof value === "boolean") return numberKey(value ? 1 : 0);
  if (typeof value === "number") return numberKey(value);
  if (typeof value === "bigint") return BigInt(Number(value)) === value ? numberKey(Number(value)) : `n:${value}`;
  if (value instanceof Complex) return value.imag === 0 ? numberKey(value.real) : `c:${value.real},${value.imag}`;
  if (typeof value === "string") return `s:${value}`;
  if (value instanceof CodePoints) return `p:${value.points.join(",")}`;
  if (value instanceof Uint8Array) return `b:${value.join(",")}`;
  if (value === Ellipsis) return "...";
  if (value === null) return "None";
  return `?:${String(value)}`;
}

function numberKey(value: number): string {
  return `n:${Object.is(value, -0) ? 0 : value}`;
}
