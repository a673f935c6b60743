/**
 * `python`: the default interpreter, opened on first use.
 *
 * @module
 */

import { cString } from "../ffi/mod.ts";
import { check, helperFunction as helper, open } from "./_core.ts";
import { type JSValue, toPython } from "./convert.ts";
import { PyObject } from "./object.ts";

/** Options for {@link python.exec} and {@link python.eval}. */
export interface RunOptions {
  /** The filename shown in tracebacks and used by `inspect`; default `<pyframe-N>`. */
  filename?: string;
}

/** The interface of {@link python}. */
export interface Python {
  exec(source: string, options?: RunOptions): void;
  eval(expression: string, options?: RunOptions): JSValue;
  import(name: string): PyObject;
  readonly builtins: PyObject;
  toPython(value: unknown): PyObject;
  readonly version: string;
  open(): void;
}

/**
 * The embedded CPython. Code runs in `__main__`; functions defined by `exec` keep their source, so
 * `inspect.getsource` (and a Dynamo's `frame.source`) works on them.
 *
 * @example
 * ```ts
 * import { python } from "@pyframe/dynamo";
 * python.exec("def add(a, b):\n    return a + b\n");
 * python.eval("add(1, 2)"); // 3
 * ```
 */
export const python: Python = {
  /** Runs statements in `__main__`. */
  exec(source: string, options: RunOptions = {}): void {
    using run = helper("run");
    run.call(source, "exec", options.filename ?? null).dispose();
  },

  /** Evaluates an expression in `__main__` and converts the result (see {@link toJS}). */
  eval(expression: string, options: RunOptions = {}): JSValue {
    using run = helper("run");
    using result = run.call(expression, "eval", options.filename ?? null);
    return result.toJS();
  },

  /** Imports a module by name. */
  import(name: string): PyObject {
    return new PyObject(check(open().py.PyImport_ImportModule(cString(name))));
  },

  /** The `builtins` module. */
  get builtins(): PyObject {
    return python.import("builtins");
  },

  /** Converts a JS value to a Python object (see {@link toPython}). */
  toPython(value: unknown): PyObject {
    return new PyObject(toPython(value));
  },

  /** The running CPython's version, e.g. `"3.11.7"`. */
  get version(): string {
    return String(python.import("platform").get("python_version").call().toJS());
  },

  /** Opens the interpreter now rather than on first use; throws LoadError when it cannot. */
  open(): void {
    open();
  },
};
