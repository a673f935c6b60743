/**
 * Functions generated from source text, one per node class: each property access in one sees a
 * single class and a single key, which the JS engines make a plain load (a loop over field names
 * costs a dictionary-style lookup per field and per node). Private to src/ast.
 *
 * @module
 */

/**
 * The function `source` (the text of a `function` expression) evaluates to, with `bindings` in
 * scope; undefined where the JS host refuses code generation from strings (e.g. Deno's
 * `--v8-flags=--disallow-code-generation-from-strings`).
 */
export function generated<T>(source: string, bindings: Record<string, unknown>): T | undefined {
  try {
    const make = new Function(...Object.keys(bindings), `return ${source};`);
    return make(...Object.values(bindings)) as T;
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

/** The error of a part of src/ast that cannot work without generated code. */
export function generationRefused(what: string): Error {
  return new Error(
    `pyframe: ${what} needs code generated from strings (new Function), which this JS host refuses ` +
      "(e.g. Deno's --v8-flags=--disallow-code-generation-from-strings); allow it to parse, compile or " +
      "convert trees (visitors and hand-built trees work without it)",
  );
}
