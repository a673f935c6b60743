/**
 * What a Dynamo callback can answer besides `undefined` (run the original) or a code object (run
 * it instead, for every frame of this code).
 *
 * @module
 */

import type { PyObject } from "../python/mod.ts";

/** A decision other than "original" or "replace": see {@link skip} and {@link askAgain}. */
export class Decision {
  private constructor(
    /** @internal */ readonly kind: "skip" | "skipTree" | "askAgain",
    /** @internal */ readonly replacement?: PyObject,
  ) {}

  /** @internal */
  static make(kind: "skip" | "skipTree" | "askAgain", replacement?: PyObject): Decision {
    return new Decision(kind, replacement);
  }
}

/** Options for {@link skip}. */
export interface SkipOptions {
  /** Also run every frame started while this one runs without asking (default false). */
  calls?: boolean;
}

/**
 * Runs the original code and never asks about this code object again; with `{ calls: true }`,
 * frames started while it runs are not asked about either.
 *
 * @example
 * ```ts
 * import { Dynamo, skip } from "@pyframe/dynamo";
 * using _ = new Dynamo((frame) => frame.filename.includes("/lib/python3") ? skip({ calls: true }) : undefined);
 * ```
 */
export function skip(options: SkipOptions = {}): Decision {
  return Decision.make(options.calls ? "skipTree" : "skip");
}

/**
 * Asks the callback again for the next frame of this code, running `replacement` (or the original
 * code when omitted) this time.
 *
 * @example
 * ```ts
 * import { askAgain, Dynamo } from "@pyframe/dynamo";
 * let calls = 0;
 * using _ = new Dynamo(() => { calls++; return askAgain(); }); // sees every frame
 * ```
 */
export function askAgain(replacement?: PyObject): Decision {
  return Decision.make("askAgain", replacement);
}
