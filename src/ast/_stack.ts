/**
 * The JS engine's stack, which the recursive readers and writers of trees use: a tree nested
 * deeper than it allows (a few thousand levels, built by hand or by Python code rather than its
 * parser) gets an error that says so instead of the engine's bare RangeError. Private to src/ast.
 *
 * @module
 */

/** `run()`, a stack overflow inside it reported as a tree nested too deeply to send to `where`. */
export function withinStack<T>(where: "Python" | "TypeScript", run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
    throw new RangeError(
      `pyframe: the ast tree nests too deeply to send to ${where} (or holds a cycle): the JavaScript ` +
        "stack ran out; split its deepest expression",
      { cause: error },
    );
  }
}

/** V8 says "Maximum call stack size exceeded", JavaScriptCore the same with a full stop. */
function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.startsWith("Maximum call stack size exceeded");
}
