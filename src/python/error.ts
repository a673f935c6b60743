/**
 * Python exceptions as JS errors.
 *
 * @module
 */

import type { PyObject } from "./object.ts";

/**
 * A Python exception surfaced in TypeScript: `type` is the exception class name (`ValueError`),
 * `pythonMessage` its `str()`, `traceback` the formatted traceback, `value` the exception object.
 * `SystemExit` and `KeyboardInterrupt` arrive as the subclasses {@link SystemExit} and
 * {@link KeyboardInterrupt}, so code catching errors in general can still tell them apart.
 *
 * @example
 * ```ts
 * import { python, PythonError } from "@pyframe/dynamo";
 * try { python.eval("1 / 0"); } catch (e) { if (e instanceof PythonError) console.log(e.type); }
 * ```
 */
export class PythonError extends Error {
  /** `"PythonError"`. */
  override name = "PythonError";
  #traceback: string | (() => string);

  /**
   * Made by pyframe from a Python exception: its class name, `str()`, formatted traceback (or what
   * formats it when first read) and object.
   */
  constructor(
    readonly type: string,
    readonly pythonMessage: string,
    traceback: string | (() => string),
    readonly value?: PyObject,
  ) {
    super(lastLineOf(type, pythonMessage));
    this.#traceback = traceback;
  }

  /**
   * The traceback as Python prints it, formatted when first read (the exception's chained
   * exceptions as they are then): formatting reads every frame's source, and most errors caught in
   * TypeScript are never shown.
   */
  get traceback(): string {
    if (typeof this.#traceback === "function") this.#traceback = this.#traceback();
    return this.#traceback;
  }

  /** How Deno's console and `Deno.inspect` show it: {@link shownWithTraceback}. */
  [Symbol.for("Deno.customInspect")](): string {
    return shownWithTraceback(this);
  }

  /** How `node:util`'s `inspect`, and so Bun's and Node's consoles, show it: {@link shownWithTraceback}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return shownWithTraceback(this);
  }
}

/**
 * The error's JS stack, then its Python traceback, formatted now: the traceback is no field the
 * consoles would list, as it is formatted only when read.
 */
function shownWithTraceback(error: PythonError): string {
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  const traceback = error.traceback.trimEnd();
  return traceback ? `${stack}\n\n${traceback}` : stack;
}

/** The line a Python traceback ends with: the exception's class name, and its `str()` if any. */
export function lastLineOf(type: string, message: string): string {
  return message ? `${type}: ${message}` : type;
}

/**
 * Python's `SystemExit` (`sys.exit()`), never acted on by pyframe: the host process keeps running
 * and decides. `code` is the exit code (a number, or a bigint beyond 2^53) or the message given
 * to `sys.exit` (`null` for none).
 *
 * @example
 * ```ts
 * import { python, SystemExit } from "@pyframe/dynamo";
 * try { python.exec("import sys; sys.exit(3)"); } catch (e) { if (e instanceof SystemExit) console.log(e.code); } // 3
 * ```
 */
export class SystemExit extends PythonError {
  /** `"SystemExit"`. */
  override name = "SystemExit";
  /** Made by pyframe from a Python `SystemExit`, as {@link PythonError} with the exit `code`. */
  constructor(
    type: string,
    pythonMessage: string,
    traceback: string | (() => string),
    value: PyObject | undefined,
    /** The argument of `sys.exit`, converted; `null` when none was given. */
    readonly code: unknown,
  ) {
    super(type, pythonMessage, traceback, value);
  }
}

/**
 * Python's `KeyboardInterrupt`, raised by Python code. pyframe never installs Python's SIGINT
 * handler, so Ctrl+C stays with the host, and `_thread.interrupt_main()` does nothing (as in
 * Python for a signal it does not handle) unless the program installs one with `signal.signal`.
 *
 * @example
 * ```ts
 * import { KeyboardInterrupt, python } from "@pyframe/dynamo";
 * try { python.exec("raise KeyboardInterrupt"); } catch (e) { console.log(e instanceof KeyboardInterrupt); } // true
 * ```
 */
export class KeyboardInterrupt extends PythonError {
  /** `"KeyboardInterrupt"`. */
  override name = "KeyboardInterrupt";
}
