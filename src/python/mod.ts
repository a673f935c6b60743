/**
 * Driving the embedded CPython from TypeScript: the interpreter, objects, conversions, errors.
 *
 * @module
 */

export { type CallableOptions, type ImportFileOptions, type Python, python, type RunOptions } from "./interpreter.ts";
export { type ComparisonOperator, kw, KeywordArguments, PyObject } from "./object.ts";
export { type ConvertOptions, DEFAULT_DEPTH, type JSValue, toJS, toPython } from "./convert.ts";
export { KeyboardInterrupt, PythonError, SystemExit } from "./error.ts";
export { check, helperFunction, type HideOptions, hideFramesOf, open, raise, readString, takeError, withPython } from "./_core.ts";
export { handleCount } from "./_handles.ts";
