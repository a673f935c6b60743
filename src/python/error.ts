/**
 * Python exceptions as JS errors.
 *
 * @module
 */

import type { PyObject } from "./object.ts";

/**
 * A Python exception surfaced in TypeScript: `type` is the exception class name (`ValueError`),
 * `pythonMessage` its `str()`, `traceback` the formatted traceback, `value` the exception object.
 *
 * @example
 * ```ts
 * import { python, PythonError } from "@pyframe/dynamo";
 * try { python.eval("1 / 0"); } catch (e) { if (e instanceof PythonError) console.log(e.type); }
 * ```
 */
export class PythonError extends Error {
  override name = "PythonError";
  constructor(
    readonly type: string,
    readonly pythonMessage: string,
    readonly traceback: string,
    readonly value?: PyObject,
  ) {
    super(pythonMessage ? `${type}: ${pythonMessage}` : type);
  }
}
