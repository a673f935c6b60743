// Errors for tests of what pyframe does with errors thrown back at it.
import { python, type PythonError } from "../src/python/mod.ts";

/** A PythonError caught from Python (`raise ValueError(message)`), its exception value disposed. */
export function pythonErrorWithoutValue(message: string): PythonError {
  try {
    python.exec(`raise ValueError(${JSON.stringify(message)})`);
  } catch (error) {
    (error as PythonError).value!.dispose();
    return error as PythonError;
  }
  throw new Error("raise did not raise");
}
