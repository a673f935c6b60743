/**
 * Python's `ast.parse`, `ast.dump` and `ast.unparse`, run by the embedded Python.
 *
 * @module
 */

import { checkOptions, helperFunction, type PyObject, PythonError, requireOptionalBoolean } from "../python/mod.ts";
import { bridgeFunction, callWithTree, parsedTree, typeScriptTree } from "./_bridge.ts";
import { pythonAtLeast, pythonMinor } from "./_classes.ts";
import type { Expression, FunctionType, Interactive, Module } from "./_nodes.ts";
import { type Node, requireNode } from "./node.ts";

/** Options for {@link parse}; the meanings of Python's `ast.parse` arguments. */
export interface ParseOptions {
  /** Shown in syntax errors; default `"<unknown>"`. */
  filename?: string;
  /** `"exec"` (a Module, the default), `"eval"` (an Expression), `"single"` (an Interactive) or `"func_type"`. */
  mode?: "exec" | "eval" | "single" | "func_type";
  /** Keep `# type:` comments (`type_comment` fields, `TypeIgnore` nodes); default false. */
  typeComments?: boolean;
  /** Parse with an older grammar: `[3, 9]` or `9`. */
  featureVersion?: number | [number, number];
}

/**
 * The error {@link parse} throws for source Python cannot parse: a PythonError (`type` is
 * `"SyntaxError"`, `"IndentationError"` or `"TabError"`) that also says where, with the meanings
 * of Python's SyntaxError attributes: `lineno`, `endLineno` 1-based lines, `offset`, `endOffset`
 * 1-based columns, `text` the line; each `null` where Python does not say.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * try {
 *   ast.parse("x = (1,\ny = 2\n");
 * } catch (error) {
 *   if (error instanceof ast.ParseError) console.log(error.lineno, error.offset); // 1 5
 * }
 * ```
 */
export class ParseError extends PythonError {
  override name = "ParseError";
  /** The file name given to `parse` (`"<unknown>"` by default). */
  readonly filename: string | null;
  /** The line of the error, 1-based. */
  readonly lineno: number | null;
  /** The column of the error in `text`, 1-based. */
  readonly offset: number | null;
  /** The line where the offending code ends, 1-based. */
  readonly endLineno: number | null;
  /** The column where the offending code ends, 1-based. */
  readonly endOffset: number | null;
  /** The source line of the error. */
  readonly text: string | null;

  /** Wraps the PythonError of a SyntaxError (or subclass) raised by Python's parser. */
  constructor(error: PythonError & { value: PyObject }) {
    super(error.type, error.pythonMessage, () => error.traceback, error.value);
    const read = (name: string) => {
      using value = error.value.get(name);
      return value.typeName === "NoneType" ? null : value.toJS();
    };
    this.filename = read("filename") as string | null;
    this.lineno = read("lineno") as number | null;
    this.offset = read("offset") as number | null;
    this.endLineno = read("end_lineno") as number | null;
    this.endOffset = read("end_offset") as number | null;
    this.text = read("text") as string | null;
  }
}

const SYNTAX_ERRORS = ["SyntaxError", "IndentationError", "TabError"];

/**
 * Parses Python source into a tree, like Python's `ast.parse`. Source Python cannot parse throws
 * a {@link ParseError}, which says where.
 *
 * The tree keeps the Python tree it was read from until the tree is first sent back to Python
 * (by `compile`, `dump`, `unparse`, `toPython`), so that only what changed is sent.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * const tree = ast.parse("x = 1 + 2");
 * ((tree.body[0] as ast.Assign).value as ast.BinOp).op instanceof ast.Add; // true
 * ```
 */
export function parse(source: string, options?: ParseOptions & { mode?: "exec" }): Module;
export function parse(source: string, options: ParseOptions & { mode: "eval" }): Expression;
export function parse(source: string, options: ParseOptions & { mode: "single" }): Interactive;
export function parse(source: string, options: ParseOptions & { mode: "func_type" }): FunctionType;
export function parse(source: string, options?: ParseOptions): Module | Expression | Interactive | FunctionType;
export function parse(source: string, options: ParseOptions = {}): Node {
  if (typeof source !== "string") {
    throw new TypeError(`pyframe: ast.parse expects Python source as a string, found ${typeof source}`);
  }
  checkOptions(
    options,
    ["filename", "mode", "typeComments", "featureVersion"] satisfies (keyof ParseOptions)[],
    "ast.parse(source, options)",
  );
  requireOptionalBoolean(options.typeComments, "ast.parse's typeComments option");
  const { filename = "<unknown>", mode = "exec", typeComments = false, featureVersion = null } = options;
  try {
    return withWarningsOff(() => {
      // An older grammar is asked of Python's ast.parse, which checks the version given.
      const tree = featureVersion === null ? parsedTree({ source, filename, mode, typeComments }) : undefined;
      return tree ?? parseInPython(source, filename, mode, typeComments, featureVersion);
    });
  } catch (error) {
    if (error instanceof PythonError && error.value && SYNTAX_ERRORS.includes(error.type)) {
      throw new ParseError(error as PythonError & { value: PyObject });
    }
    throw error;
  }
}

/**
 * Runs `parse` with Python's warnings off: parsing warns as Python's compiler does (an invalid
 * escape sequence), into the program's warnings, whose "error" filter turned it into a SyntaxError
 * (the helper's `warnings_off` says more).
 */
function withWarningsOff<T>(parse: () => T): T {
  warningSwitches ??= { off: helperFunction("turn_warnings_off"), on: helperFunction("turn_warnings_on") };
  warningSwitches.off.call().dispose();
  try {
    return parse();
  } finally {
    warningSwitches.on.call().dispose();
  }
}

/** The helper's functions turning warnings off and on again (cached: do not dispose them). */
let warningSwitches: { off: PyObject; on: PyObject } | undefined;

/** Python's own ast.parse, for what the native parse leaves to it. */
function parseInPython(
  source: string,
  filename: string,
  mode: string,
  typeComments: boolean,
  featureVersion: number | [number, number] | null,
): Node {
  using tree = bridgeFunction("parse").call(source, filename, mode, typeComments, featureVersion);
  // The Python tree's nodes stay with the TypeScript one, so compile can patch them
  // (src/ast/_session.ts); the session holds them, not this reference.
  return typeScriptTree(tree, true);
}

/** Options for {@link dump}; the meanings of Python's `ast.dump` arguments. */
export interface DumpOptions {
  /** Write `left=...` before field values; default true. */
  annotateFields?: boolean;
  /** Include `lineno`, `col_offset`, ...; default false. */
  includeAttributes?: boolean;
  /** Pretty-print with this indent (spaces or a string); default none, one line. */
  indent?: number | string | null;
  /** Show empty lists and `None` fields (Python 3.13+ only); default false. */
  showEmpty?: boolean;
}

/**
 * Python's `ast.dump` of the tree: exactly the text Python writes for the same tree.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * ast.dump(ast.parse("x", { mode: "eval" })); // "Expression(body=Name(id='x', ctx=Load()))"
 * ```
 */
export function dump(tree: Node, options: DumpOptions = {}): string {
  checkOptions(
    options,
    ["annotateFields", "includeAttributes", "indent", "showEmpty"] satisfies (keyof DumpOptions)[],
    "ast.dump(tree, options)",
  );
  const { annotateFields = true, includeAttributes = false, indent = null, showEmpty } = options;
  const keywords: Record<string, unknown> = {
    annotate_fields: annotateFields,
    include_attributes: includeAttributes,
    indent,
  };
  if (showEmpty !== undefined) {
    if (!pythonAtLeast("3.13")) {
      throw new TypeError(
        `pyframe: ast.dump option showEmpty needs Python 3.13 or newer, found ${pythonMinor()}; drop the option`,
      );
    }
    keywords.show_empty = showEmpty;
  }
  return callPythonAst("dump", tree, keywords);
}

/**
 * Python source for the tree, from Python's `ast.unparse`.
 *
 * @example
 * ```ts
 * import { ast } from "@pyframe/dynamo";
 * ast.unparse(ast.parse("x  =  (1 +2)")); // "x = 1 + 2"
 * ```
 */
export function unparse(tree: Node): string {
  return callPythonAst("unparse", tree, {});
}

/** Python's `ast.<name>(tree, **keywords)`, through the bridge so no Dynamo sees its frames. */
function callPythonAst(name: string, tree: Node, keywords: Record<string, unknown>): string {
  requireNode(tree, `ast.${name}(tree)`);
  using result = callWithTree("call_ast", tree, {}, name, keywords);
  return result.toString();
}
