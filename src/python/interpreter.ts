/**
 * `python`: the default interpreter, opened on first use.
 *
 * @module
 */

import { inPython } from "../ffi/mod.ts";
import { check, helperFunction as helper, open } from "./_core.ts";
import { convertOptionNames, type ConvertOptions, type JSValue, toPythonValue } from "./convert.ts";
import { PyObject } from "./object.ts";
import { type CallableOptions, functionToPython } from "./_callback.ts";
import { checkOptions, nameForC, requireFunction, requireOptionalBoolean, requireText } from "./_arguments.ts";

/** Options for {@link python.exec} and {@link python.eval}. */
export interface RunOptions {
  /** The filename shown in tracebacks and used by `inspect`; default `<pyframe-N>`. */
  filename?: string;
}

/** Options for {@link python.importFile}. */
export interface ImportFileOptions {
  /** The module's name in `sys.modules`; default: the file name without its extension. */
  name?: string;
}

export type { CallableOptions };

/** The interface of {@link python}. */
export interface Python {
  /** Runs statements in `__main__`. */
  exec(source: string, options?: RunOptions): void;
  /** Evaluates an expression in `__main__` and converts the result (see {@link toJS}). */
  eval(expression: string, options?: RunOptions): JSValue;
  /** Imports a module by name (`import a.b` gives the module `a.b`). */
  import(name: string): PyObject;
  /**
   * Imports the Python file at `path` (a `.py` file, or a C extension module) and registers it in
   * `sys.modules`, so its own imports of itself and pickling work. The name (default: the file's
   * name without its extension) must not be taken by a module imported, or importable, from
   * another file: an ImportError says so rather than replace it (`./json.py` would hide the
   * standard library's, imported yet or not).
   *
   * @example
   * ```ts
   * import { python } from "@pyframe/dynamo";
   * using tools = python.importFile("./tools.py");
   * tools.callMethod("main");
   * ```
   */
  importFile(path: string, options?: ImportFileOptions): PyObject;
  /** The `builtins` module: `python.builtins.get("len")`. */
  readonly builtins: PyObject;
  /** Converts a JS value to a Python object (see {@link toPython}). */
  toPython(value: unknown, options?: ConvertOptions): PyObject;
  /**
   * A Python callable running `fn` (any JS function passed to Python becomes one; this names it or
   * asks for raw arguments). Python arguments arrive converted, keyword arguments as one trailing
   * plain object; the result converts back. A JS exception becomes a Python `JSError`
   * (a RuntimeError) and, uncaught in Python, reaches the TypeScript caller as itself. Called from
   * a Python thread other than the JS thread, the callable raises RuntimeError instead of running.
   *
   * @example
   * ```ts
   * import { python } from "@pyframe/dynamo";
   * using twice = python.callable((x: number) => 2 * x, { name: "twice" });
   * using builtins = python.builtins;
   * builtins.get("list").call(builtins.get("map").call(twice, [1, 2])).toJS(); // [2, 4]
   * ```
   */
  callable(fn: (...args: never[]) => unknown, options?: CallableOptions): PyObject;
  /**
   * Runs `body` holding the GIL throughout, so many small calls take it once instead of once each
   * (faster, and no Python thread runs in between). Keep `body` synchronous: after an `await` the
   * GIL is taken per call again.
   *
   * @example
   * ```ts
   * import { python } from "@pyframe/dynamo";
   * python.exec("def add(a, b):\n    return a + b\n");
   * using add = python.import("__main__").get("add");
   * const sum = python.batch(() => [1, 2, 3].reduce((total, x) => add.call(total, x).toJS() as number, 0)); // 6
   * ```
   */
  batch<T>(body: () => T): T;
  /** The running CPython's version, e.g. `"3.11.7"`. */
  readonly version: string;
  /** Opens the interpreter now rather than on first use; throws LoadError when it cannot. */
  open(): void;
}

/**
 * The embedded CPython. Code runs in `__main__`; functions defined by `exec` keep their source, so
 * `inspect.getsource` (and a Dynamo's `frame.source`) works on them.
 *
 * Python runs on the JS thread and holds the GIL only while a call is in progress: between calls,
 * and while JS awaits, Python threads run.
 *
 * @example
 * ```ts
 * import { python } from "@pyframe/dynamo";
 * python.exec("def add(a, b):\n    return a + b\n");
 * python.eval("add(1, 2)"); // 3
 * ```
 */
export const python: Python = {
  exec(source: string, options: RunOptions = {}): void {
    requireText(source, "python.exec(source)", "Python statements");
    requireRunOptions(options, "python.exec", "source");
    using run = helper("run");
    run.call(source, "exec", options.filename ?? null).dispose();
  },

  eval(expression: string, options: RunOptions = {}): JSValue {
    requireText(expression, "python.eval(expression)", "a Python expression");
    requireRunOptions(options, "python.eval", "expression");
    using run = helper("run");
    using result = run.call(expression, "eval", options.filename ?? null);
    return result.toJS();
  },

  import(name: string): PyObject {
    const moduleName = nameForC(name, "python.import(name)", 'a module name such as "os.path"');
    const c = open();
    return inPython(() => new PyObject(check(c.py.PyImport_ImportModule(moduleName))));
  },

  importFile(path: string, options: ImportFileOptions = {}): PyObject {
    requireText(path, "python.importFile(path)", "the path of a Python file");
    checkOptions(options, ["name"] satisfies (keyof ImportFileOptions)[], "python.importFile(path, options)");
    if (options.name !== undefined) requireText(options.name, "python.importFile's name option", "a module name");
    using importFile = helper("import_file");
    return importFile.call(path, options.name ?? null);
  },

  get builtins(): PyObject {
    return PyObject.borrowed(open().builtins);
  },

  toPython(value: unknown, options?: ConvertOptions): PyObject {
    checkOptions(options, convertOptionNames, "python.toPython(value, options)");
    const c = open();
    return inPython(() => new PyObject(toPythonValue(c, value, options)));
  },

  callable(fn: (...args: never[]) => unknown, options: CallableOptions = {}): PyObject {
    requireFunction(fn, "python.callable");
    checkOptions(options, ["name", "rawArguments"] satisfies (keyof CallableOptions)[], "python.callable(fn, options)");
    if (options.name !== undefined) requireText(options.name, "python.callable's name option", "the name Python shows");
    requireOptionalBoolean(options.rawArguments, "python.callable's rawArguments option");
    const c = open();
    return inPython(() => new PyObject(functionToPython(c, fn, options)));
  },

  batch<T>(body: () => T): T {
    requireFunction(body, "python.batch(body)");
    open();
    return inPython(body);
  },

  get version(): string {
    using platform = python.import("platform");
    using version = platform.callMethod("python_version");
    return version.toString();
  },

  open(): void {
    open();
  },
};

function requireRunOptions(options: RunOptions, what: string, firstParameter: string): void {
  checkOptions(options, ["filename"] satisfies (keyof RunOptions)[], `${what}(${firstParameter}, options)`);
  if (options.filename !== undefined) requireText(options.filename, `${what}'s filename option`, "a file name");
}
