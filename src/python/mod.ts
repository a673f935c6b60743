/**
 * Driving the embedded CPython from TypeScript: the interpreter, objects, conversions, errors.
 *
 * @module
 */

export { type Python, python, type RunOptions } from "./interpreter.ts";
export { kw, KeywordArguments, PyObject } from "./object.ts";
export { type JSValue, toJS, toPython } from "./convert.ts";
export { PythonError } from "./error.ts";
export { check, helperFunction, type HideOptions, hideFramesOf, open, raise, takeError } from "./_core.ts";
