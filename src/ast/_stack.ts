/**
 * The JS engine's stack, which the recursive readers, writers and visitors of trees use: a tree
 * nested deeper than it allows (a few thousand levels, built by hand or by Python code rather than
 * its parser), or holding a cycle, gets an error that says so instead of the engine's bare
 * RangeError. Private to src/ast.
 *
 * @module
 */

import { isStackOverflow } from "../python/mod.ts";

/** `run()`, a stack overflow inside it reported as a tree nested too deeply `purpose`. */
export function withinStack<T>(purpose: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw reportedOverflow(error, purpose);
  }
}

/**
 * `error` itself, or, for the engine's stack overflow, a RangeError saying the tree nests too
 * deeply `purpose` ("to send to Python", "for NodeVisitor.visit"), the overflow as its cause.
 */
export function reportedOverflow(error: unknown, purpose: string): unknown {
  if (!isStackOverflow(error)) return error;
  return new RangeError(
    `pyframe: the ast tree nests too deeply ${purpose} (or holds a cycle): the JavaScript stack ran out; ` +
      "split its deepest expression",
    { cause: error },
  );
}
