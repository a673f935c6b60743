/**
 * The values an `ast.Constant` holds, in TypeScript.
 *
 * | Python | TypeScript |
 * |---|---|
 * | `int` | `number` when it is a safe integer (within ±(2^53 − 1)), else `bigint` |
 * | `float` | `number`; the Constant remembers it was a float in `isFloat` |
 * | `bool` | `boolean` |
 * | `None` | `null` |
 * | `str` | `string`; {@link CodePoints} for the rare str a JS string cannot hold (see below) |
 * | `bytes` | `Uint8Array` |
 * | `complex` | {@link Complex} |
 * | `...` | {@link Ellipsis} |
 * | `tuple`, `frozenset` (made by constant folding, never by `parse`) | {@link ConstantTuple}, {@link ConstantFrozenSet} |
 *
 * Going back to Python, a `number` becomes a float when it is not an integer or when its Constant
 * has `isFloat` set, and an int otherwise. So scaling `1` by ten gives the int `10` and scaling
 * `2.5` gives the float `25.0`; set `isFloat` to turn an int constant into a float one.
 *
 * A JavaScript string cannot tell a Python str holding a high and a low surrogate as two code
 * points (`"\ud800\udc00"`) from the one astral character they spell (`"\U00010000"`): such a
 * str arrives as {@link CodePoints}, so both stay exact. Lone surrogates are plain strings.
 *
 * @module
 */

import { describe } from "./_access.ts";
import { isConstantNode } from "./node.ts";
import type { Constant } from "./_nodes.ts";

/**
 * Python's `complex`: `1j` is `new Complex(0, 1)`.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const j = new ast.Constant({ value: new ast.Complex(0, 1) });
 * ast.unparse(j); // "1j"
 * ```
 */
export class Complex {
  constructor(readonly real: number, readonly imag: number) {
    // Python's complex holds two floats: anything else would become nan or throw later.
    if (typeof real !== "number" || typeof imag !== "number") {
      throw new TypeError(
        `pyframe: new ast.Complex(real, imag) takes two numbers, found ${describe(real)} and ${describe(imag)}`,
      );
    }
  }
}

/**
 * Python's `Ellipsis` (`...`), as a Constant's value.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const body = ast.parse("...").body[0] as ast.Expr;
 * (body.value as ast.Constant).value === ast.Ellipsis; // true
 * ```
 */
export const Ellipsis: unique symbol = Symbol("Ellipsis");

/**
 * A Python str that a JavaScript string cannot hold exactly: one with a high surrogate followed by
 * a low surrogate as two code points. `toString()` gives the nearest JavaScript string.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const value = (ast.parse('"\\ud800\\udc00"').body[0] as ast.Expr).value as ast.Constant;
 * (value.value as ast.CodePoints).points; // [0xd800, 0xdc00]
 * ```
 */
export class CodePoints {
  constructor(readonly points: readonly number[]) {
    if (!Array.isArray(points)) {
      throw new TypeError(
        `pyframe: new ast.CodePoints(points) takes an array of code points, found ${describe(points)}`,
      );
    }
    const bad = points.findIndex((point) => !Number.isInteger(point) || point < 0 || point > 0x10ffff);
    if (bad >= 0) {
      throw new RangeError(
        `pyframe: new ast.CodePoints(points) takes integers from 0 to 0x10FFFF, found ${
          describe(points[bad])
        } at points[${bad}]`,
      );
    }
  }

  toString(): string {
    return String.fromCodePoint(...this.points);
  }
}

/**
 * A tuple constant, as produced by Python's constant folding (`(1, 2.0)`); each element is a
 * Constant so ints and floats stay apart.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const pair = new ast.ConstantTuple([new ast.Constant({ value: 1 }), new ast.Constant({ value: 2, isFloat: true })]);
 * ast.unparse(new ast.Constant({ value: pair })); // "(1, 2.0)"
 * ```
 */
export class ConstantTuple {
  constructor(readonly elements: Constant[]) {
    checkElements("ConstantTuple", elements);
  }
}

/**
 * A frozenset constant, as produced by Python's constant folding (`x in {1, 2}`).
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const set = new ast.ConstantFrozenSet([new ast.Constant({ value: 1 })]);
 * ast.unparse(new ast.Constant({ value: set })); // "frozenset({1})"
 * ```
 */
export class ConstantFrozenSet {
  constructor(readonly elements: Constant[]) {
    checkElements("ConstantFrozenSet", elements);
  }
}

/** Throws a TypeError unless `elements` is an array of Constant nodes (which keep ints and floats apart). */
function checkElements(kind: string, elements: unknown): void {
  if (!Array.isArray(elements)) {
    throw new TypeError(
      `pyframe: new ast.${kind}(elements) takes an array of ast.Constant nodes, found ${describe(elements)}`,
    );
  }
  const bad = elements.findIndex((element) => !isConstantNode(element));
  if (bad >= 0) {
    throw new TypeError(
      `pyframe: new ast.${kind}(elements) takes ast.Constant nodes, found ${describe(elements[bad])} at ` +
        `elements[${bad}]; wrap plain values in ast.Constant`,
    );
  }
}

/**
 * Any value an `ast.Constant` (or `ast.MatchSingleton`) holds; see the module documentation for
 * how each Python type maps.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const values: ast.ConstantValue[] = [1, 2n ** 100n, "é", null, true, new Uint8Array([0]), ast.Ellipsis];
 * ```
 */
export type ConstantValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | CodePoints
  | Uint8Array
  | Complex
  | typeof Ellipsis
  | ConstantTuple
  | ConstantFrozenSet;
