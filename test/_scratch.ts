/**
 * Test support: temporary directories that go when the test file's process exits, whatever its
 * tests did (scripts/test.mjs fails a test file that leaves anything in its temporary directory).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const made: string[] = [];
process.on("exit", () => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** A new empty directory `pyframe-<purpose>-XXXXXX` in the system's temporary folder. */
export function scratchDirectory(purpose: string): string {
  const directory = mkdtempSync(join(tmpdir(), `pyframe-${purpose}-`));
  made.push(directory);
  return directory;
}
