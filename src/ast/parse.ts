/**
 * Python's `ast.parse`, `ast.dump` and `ast.unparse`, run by the embedded Python.
 *
 * @module
 */

import { kw } from "../python/mod.ts";
import { bridgeFunction, pythonTree, typeScriptTree } from "./_bridge.ts";
import { pythonAtLeast, pythonMinor } from "./_classes.ts";
import type { Expression, FunctionType, Interactive, Module } from "./_nodes.ts";
import type { Node } from "./node.ts";

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
 * Parses Python source into a tree, like Python's `ast.parse`. A syntax error throws PythonError
 * whose `value` is the SyntaxError (with `lineno`, `offset`).
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
  const { filename = "<unknown>", mode = "exec", typeComments = false, featureVersion = null } = options;
  // The Python tree stays with the TypeScript one, so compile can patch it (src/ast/_session.ts).
  const tree = bridgeFunction("parse").call(source, filename, mode, typeComments, featureVersion);
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
  using pyTree = pythonTree(tree);
  using result = bridgeFunction("call_ast").call(name, pyTree, kw(keywords));
  return result.toString();
}
