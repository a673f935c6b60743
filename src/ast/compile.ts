/**
 * `compile`: a tree to a Python code object, either a whole module or the replacement code for
 * one frame's function.
 *
 * @module
 */

import { checkOptions, helperFunction, PyObject, python, withPython } from "../python/mod.ts";
import { describe } from "./_access.ts";
import { bridgeFunction, callWithTree, pythonTree } from "./_bridge.ts";
import { AsyncFunctionDef, Expression, FunctionDef, Interactive, Lambda, Module } from "./_nodes.ts";
import { Node } from "./node.ts";
import { walk } from "./walk.ts";

/** Options for compiling a whole tree, the meanings of Python's `compile` arguments. */
export interface CompileOptions {
  /** Shown in tracebacks; default `"<ast>"`. */
  filename?: string;
  /** `"exec"` for a Module, `"eval"` for an Expression, `"single"` for an Interactive; default: by the tree's class. */
  mode?: "exec" | "eval" | "single";
  /** Python's `optimize` level: -1 (the interpreter's, the default), 0, 1 or 2. */
  optimize?: number;
}

/**
 * What {@link compile} needs to know of the frame a function's new code will run in; a Dynamo
 * `Frame` is one.
 */
export interface FrameTarget {
  /** `co_name` of the frame's code: the function to take from the tree. */
  readonly name: string;
  /** `co_qualname` to give the new code. */
  readonly qualname: string;
  /** `co_filename` to give the new code. */
  readonly filename: string;
  /** `co_firstlineno` of the frame's code: the file line that line 1 of the tree stands for. */
  readonly firstLineNo: number;
  /** The frame's original code object; the new code gets the same free variables, in order. */
  readonly code: PyObject;
}

/**
 * Compiles a tree to a Python code object.
 *
 * With options, compiles the whole tree like Python's `compile(tree, filename, mode)`.
 *
 * With a frame (a Dynamo `Frame`, or any {@link FrameTarget}), returns the code object for the
 * frame's function instead, ready to run in that frame: the tree is a Module holding the
 * function's `def`, parsed from the function's dedented source so that line 1 is the `def` or its
 * first decorator. Decorators are dropped (the code must not depend on them), lines and columns
 * are moved back to where they are in the file, the function is compiled inside a synthetic
 * scope binding exactly the frame's free variables (and inside the classes and functions its
 * qualname names, so a method's private names, or those of a lambda within it, are mangled
 * alike), under the `from __future__` imports the frame's
 * code was compiled with (`annotations`: annotations stay strings), and `co_qualname` is the frame's.
 *
 * Either way, nodes without a location get their parent's, as {@link fixMissingLocations} does,
 * on the Python copy: `tree` is not changed.
 *
 * @example
 * ```ts
 * import { ast, python } from "@pyframe/dynamo";
 * using code = ast.compile(ast.parse("x = 6 * 7"), { filename: "<answer>" });
 * using namespace = python.toPython({});
 * python.builtins.get("exec").call(code, namespace);
 * namespace.item("x").toJS(); // 42
 * ```
 */
export function compile(tree: Node, options?: CompileOptions): PyObject;
export function compile(tree: Node, frame: FrameTarget): PyObject;
export function compile(tree: Node, target: CompileOptions | FrameTarget = {}): PyObject {
  if (!(tree instanceof Node)) {
    throw new TypeError(
      `pyframe: ast.compile expects a tree (an ast.Node), found ${describe(tree)}; a NodeTransformer's ` +
        `visit methods must return the root node`,
    );
  }
  if (typeof target !== "object" || target === null) {
    throw new TypeError(
      `pyframe: ast.compile(tree, target) takes options ({ filename, mode, optimize }) or a frame, ` +
        `got ${describe(target)}`,
    );
  }
  if (isFrameTarget(target)) return compileFunction(tree, frameFields(target));
  checkOptions(target, compileOptionNames, "ast.compile(tree, options)");
  return compileModule(tree, target);
}

const compileOptionNames = ["filename", "mode", "optimize"] satisfies (keyof CompileOptions)[];

/** What only a frame has; `filename` is both a frame's and an option. */
const frameOnlyNames = ["name", "qualname", "firstLineNo", "code"] satisfies (keyof FrameTarget)[];

/**
 * Whether `target` is a frame: it has any of a frame's own names (a Frame's are getters, which
 * `in` sees without reading them). A frame with options too is refused: they would be ignored.
 */
function isFrameTarget(target: CompileOptions | FrameTarget): target is FrameTarget {
  const frameNames = frameOnlyNames.filter((name) => name in target);
  if (!frameNames.length) return false;
  const optionNames = (["mode", "optimize"] as const).filter((name) => name in target);
  if (optionNames.length) {
    throw new TypeError(
      `pyframe: ast.compile(tree, target) takes options ({ filename, mode, optimize }) or a frame, not both: ` +
        `found the frame's ${frameNames.join(", ")} with the option ${optionNames.join(", ")}; a frame's code is ` +
        "compiled in exec mode with the interpreter's optimization",
    );
  }
  return true;
}

/** A frame's fields, each read once (a Dynamo Frame reads them from the live frame) and checked. */
function frameFields(frame: FrameTarget): FrameTarget {
  const { name, qualname, filename, firstLineNo, code } = frame;
  requireFrameText("name", name, "the code's co_name");
  requireFrameText("qualname", qualname, "the code's co_qualname");
  requireFrameText("filename", filename, "the code's co_filename");
  if (!Number.isInteger(firstLineNo) || firstLineNo < 1 || firstLineNo > 2 ** 31 - 1) {
    throw frameFieldError("firstLineNo", "the code's co_firstlineno, a positive integer", describe(firstLineNo));
  }
  // By its type's name: importing `types` here would go through the program's __import__.
  const codeTypeName = code instanceof PyObject ? code.typeName : undefined;
  if (codeTypeName !== "code") {
    const found = codeTypeName === undefined ? describe(code) : `a Python ${codeTypeName}`;
    throw frameFieldError("code", "the frame's code object (a PyObject of type code)", found);
  }
  return { name, qualname, filename, firstLineNo, code };
}

function requireFrameText(field: keyof FrameTarget, value: unknown, meaning: string): void {
  if (typeof value !== "string") throw frameFieldError(field, `${meaning}, a string`, describe(value));
}

function frameFieldError(field: keyof FrameTarget, expected: string, found: string): TypeError {
  return new TypeError(`pyframe: ast.compile(tree, frame) needs frame.${field}, ${expected}; found ${found}`);
}

function compileModule(tree: Node, options: CompileOptions): PyObject {
  const { filename = "<ast>", mode = defaultMode(tree), optimize = -1 } = options;
  // One GIL scope for both steps: each outermost scope asks Python whether other threads wait.
  return withPython(() => {
    using built = pythonTree(tree, { fixLocations: true });
    return bridgeFunction("compile_tree").call(built, filename, mode, optimize);
  });
}

function defaultMode(tree: Node): string {
  if (tree instanceof Expression) return "eval";
  if (tree instanceof Interactive) return "single";
  return "exec";
}

function compileFunction(tree: Node, frame: FrameTarget): PyObject {
  if (!(tree instanceof Module)) {
    throw new TypeError(
      `pyframe: ast.compile(tree, frame) expects an ast.Module holding the function's def, found ` +
        `${describe(tree)}; parse the frame's source with ast.parse(frame.source)`,
    );
  }
  if (frame.name === "<lambda>") {
    const lambdas = findLambdas(tree).map((lambda) => pythonTree(lambda, { fixLocations: true }));
    using candidates = python.toPython(lambdas);
    lambdas.forEach((lambda) => lambda.dispose());
    return bridgeFunction("compile_lambda").call(
      candidates,
      frame.code,
      frame.qualname,
      frame.filename,
      frame.firstLineNo,
    );
  }
  requireFunctionFrame(frame);
  const found = findFunction(tree, frame.name);
  return callWithTree(
    "compile_function",
    found,
    { fixLocations: true },
    frame.code,
    frame.qualname,
    frame.filename,
    frame.firstLineNo,
  );
}

/** Throws unless the frame runs a def's code: only that can be replaced by compiling a def of the tree. */
function requireFunctionFrame(frame: FrameTarget): void {
  using describe = helperFunction("non_function_code");
  using described = describe.call(frame.code);
  const runs = described.toJS() as string | null;
  if (runs === null) return;
  throw new TypeError(
    `pyframe: ast.compile(tree, frame) compiles code for function frames only (a def or a lambda), but this ` +
      `frame runs ${runs}; leave such frames' code as it is (frame.isFunction tells them apart)`,
  );
}

// The usual way a rewrite loses the frame's function.
const REMOVED_BY_VISITOR = " (a NodeTransformer visit method that returns nothing removes its node: return it)";

/** Every lambda in the tree: the bridge picks the one the frame runs (a line may hold several). */
function findLambdas(tree: Module): Lambda[] {
  const lambdas = [...walk(tree)].filter((node): node is Lambda => node instanceof Lambda);
  if (lambdas.length) return lambdas;
  throw new Error(
    "pyframe: ast.compile expected a lambda in the tree (the frame runs a lambda), found none; " +
      "parse the frame's source and keep the lambda when rewriting it" + REMOVED_BY_VISITOR,
  );
}

/** The shallowest `def` or `async def` named `name` in the tree. */
function findFunction(tree: Module, name: string): FunctionDef | AsyncFunctionDef {
  const functions = [...walk(tree)].filter((node): node is FunctionDef | AsyncFunctionDef =>
    node instanceof FunctionDef || node instanceof AsyncFunctionDef
  );
  const found = functions.find((node) => node.name === name);
  if (found) return found;
  const names = functions.map((node) => node.name);
  throw new Error(
    `pyframe: ast.compile expected a def named ${JSON.stringify(name)} in the tree (the frame's function), ` +
      `found ${names.length ? `only ${names.map((n) => JSON.stringify(n)).join(", ")}` : "no def at all"}; ` +
      `keep the function's name when rewriting it` + (names.length ? "" : REMOVED_BY_VISITOR),
  );
}
