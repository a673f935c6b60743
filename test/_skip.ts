/**
 * Test support: ends a test file that cannot run on this interpreter, saying why. scripts/test.mjs
 * reads the exit code as "skipped" and lists the reason under its matrix, so nothing is skipped
 * silently.
 */
import process from "node:process";

export function skipFile(reason: string): never {
  console.log(`skipped: ${reason}`);
  process.exit(77); // SKIPPED in scripts/test.mjs
}
