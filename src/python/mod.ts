/**
 * Driving the embedded CPython from TypeScript: the interpreter, objects, conversions, errors.
 *
 * @module
 */

export { type CallableOptions, type ImportFileOptions, type Python, python, type RunOptions } from "./interpreter.ts";
export { type ComparisonOperator, KeywordArguments, kw, PyObject } from "./object.ts";
export { type ConvertOptions, DEFAULT_DEPTH, type JSValue, toJS, toPython } from "./convert.ts";
export { KeyboardInterrupt, PythonError, SystemExit } from "./error.ts";
export {
  check,
  helperFunction,
  hideFramesOf,
  type HideOptions,
  open,
  raise,
  readString,
  takeError,
  withPython,
} from "./_core.ts";
export { handleCount } from "./_handles.ts";
export { isStackOverflow } from "./_stack.ts";
export type { Ptr } from "../ffi/mod.ts";
export { raiseThrown } from "./_callback.ts";
export {
  checkOptions,
  classNameOf,
  describeValue,
  dropRefusedPromise,
  requireFunction,
  requireOptionalBoolean,
  withArticle,
} from "./_arguments.ts";
