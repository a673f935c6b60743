/**
 * Test support, run as its own process by python_test.ts: a PythonError caught, its traceback
 * first read by an exit listener that runs after pyframe finalized the interpreter. Prints what
 * the listener read, as one JSON line.
 */
import process from "node:process";
import { python, PythonError } from "../mod.ts";

let caught: PythonError | undefined;
try {
  python.eval("1 / 0");
} catch (error) {
  if (!(error instanceof PythonError)) throw error;
  caught = error;
}
process.on("exit", () => console.log(JSON.stringify({ traceback: caught!.traceback })));
