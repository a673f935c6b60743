/**
 * Test support, run as its own process by deep_stack_test.ts: native callbacks whose JS throws, as
 * a JS engine out of stack makes any JS throw, even inside pyframe's own catches. Such an
 * exception used to leave the callback, which panics Deno ("entered unreachable code") and crashes
 * Bun; the runtime adapters now return the callback's failure value and the native caller raises
 * a Python RuntimeError. The callbacks installed here replace pyframe's own for the rest of the
 * process. Prints one JSON line: the error each call raised.
 */
import { type PyObject, python, PythonError } from "../mod.ts";
import { frameCallbackSpec, functionCallbackSpec, load, runtime } from "../src/ffi/mod.ts";

const { native } = load();
const throwing = () => {
  throw new RangeError("Maximum call stack size exceeded");
};

/** The message of the error `body` throws. */
function errorOf(body: () => unknown): string {
  try {
    body();
    return "no error";
  } catch (error) {
    return error instanceof PythonError ? error.message : `not a PythonError: ${error}`;
  }
}

python.exec("def callee():\n    return 'ran'\n");
const jsFunction = python.callable(() => "called");
const callFromPython = python.eval("lambda f: f()") as PyObject;
const released = python.import("_pyframe").get("_released");
const handleOffset = python.eval("object.__basicsize__") as number;
native.pyframe_set_js_function_target(runtime.callback(functionCallbackSpec, throwing), handleOffset, released.pointer);
const functionCall = errorOf(() => callFromPython.call(jsFunction));

native.pyframe_hook_install(runtime.callback(frameCallbackSpec, throwing));
const frame = errorOf(() => python.eval("callee()"));
native.pyframe_hook_uninstall();

console.log(JSON.stringify({ functionCall, frame, after: python.eval("callee()") }));
