/**
 * The JS engine's own stack, whose overflow pyframe reports as what ran into it (a value nested
 * too deeply, a tree, a call with too many arguments) instead of the engine's bare RangeError.
 *
 * @module
 */

/**
 * Whether `error` is the engine's stack overflow: V8 says "Maximum call stack size exceeded",
 * JavaScriptCore the same with a full stop.
 */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.startsWith("Maximum call stack size exceeded");
}
