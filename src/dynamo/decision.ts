/**
 * What a Dynamo callback can answer besides `undefined` (run the original) or a code object (run
 * it instead, for every frame of this code).
 *
 * @module
 */

import { checkOptions, type PyObject, requireOptionalBoolean } from "../python/mod.ts";

/** A decision other than "original" or "replace": see {@link skip}, {@link askAgain} and {@link patch}. */
export class Decision {
  private constructor(
    /** @internal */ readonly kind: "skip" | "skipTree" | "askAgain" | "patch",
    /** @internal */ readonly replacement?: PyObject,
  ) {}

  /** @internal */
  static make(kind: "skip" | "skipTree" | "askAgain" | "patch", replacement?: PyObject): Decision {
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
  checkOptions(options, ["calls"] satisfies (keyof SkipOptions)[], "skip(options)");
  requireOptionalBoolean(options.calls, "skip's calls option");
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

/**
 * Runs `replacement` instead, like returning it, and also makes it the `__code__` of the function
 * being called, until this Dynamo is disposed. Later calls of that function then start in the
 * replacement, with no swap on each frame: they cost what a cached "run the original" costs, where a
 * returned replacement adds a few percent a frame (README, "How a frame runs").
 *
 * What that changes, by design: `function.__code__` is the replacement while the Dynamo is open,
 * so every caller sees it, and the function runs it on every thread and under tracers and
 * debuggers too, where a returned replacement runs only on the JS thread with nothing tracing.
 * Another Dynamo opened inside this one is asked about the replacement's frames. Other functions
 * made from the same code (closures made again) take the replacement frame by frame, as usual.
 * Disposing the Dynamo gives each patched function its code back, unless its `__code__` was set
 * since. Only a function's frame can be patched: module and class-body code raise a `TypeError`.
 * The replacement is itself decided "run as it is" in this Dynamo: give it a code object of its
 * own (from `ast.compile`, or `code.replace()`), not another function's `__code__`, whose answer
 * it would take the place of.
 *
 * @example
 * ```ts
 * import { ast, Dynamo, patch, python } from "@pyframe/dynamo";
 * python.exec("def bob():\n    return 1 + 2\n");
 * {
 *   using _ = new Dynamo((frame) => {
 *     if (frame.name !== "bob") return;
 *     return patch(ast.compile(ast.parse(frame.source.replace("1 + 2", "10 + 20")), frame));
 *   });
 *   python.eval("bob()"); // 30
 *   python.eval("bob.__code__.co_consts[-1]"); // 30: bob.__code__ is the replacement
 * }
 * python.eval("bob()"); // 3: bob has its own code back
 * ```
 */
export function patch(replacement: PyObject): Decision {
  return Decision.make("patch", replacement);
}
