/**
 * Functions generated from source text, one per node class: each property access in one sees a
 * single class and a single key, which the JS engines make a plain load (a loop over field names
 * costs a dictionary-style lookup per field and per node). Private to src/ast.
 *
 * @module
 */

/**
 * The function `source` (the text of a `function` expression) evaluates to, with `bindings` in
 * scope. Where the JS host refuses code generation from strings (e.g. Deno's
 * `--v8-flags=--disallow-code-generation-from-strings`), an error saying that `what` needs it.
 */
export function generated<T>(what: string, source: string, bindings: Record<string, unknown>): T {
  try {
    const make = new Function(...Object.keys(bindings), `return ${source};`);
    return make(...Object.values(bindings)) as T;
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    throw new Error(
      `pyframe: ${what} needs code generated from strings (new Function), which this JS host refuses ` +
        "(e.g. Deno's --v8-flags=--disallow-code-generation-from-strings); allow it to parse, compile " +
        "or convert trees (visitors and trees built by hand work without it)",
    );
  }
}
