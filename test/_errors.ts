// Errors for tests of what pyframe does with errors thrown back at it.
import process from "node:process";
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

/**
 * The unhandled rejections seen while `body` runs and for 50 ms after it (a rejection is reported
 * once the microtasks after it have run).
 */
export async function unhandledRejectionsDuring(body: () => void): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", note);
  try {
    body();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off("unhandledRejection", note);
  }
  return unhandled;
}
