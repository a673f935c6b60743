/**
 * Test support: runs a test's child script in a process of its own under the same runtime (Deno
 * with every permission), fails the test unless the child exits 0, and reads what it reports.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import process from "node:process";
import * as assert from "uvu/assert";

export interface ChildOptions {
  /** Arguments after the script. */
  args?: string[];
  /** Flags Deno takes before the script (V8 flags, for one); Bun is given none. */
  denoFlags?: string[];
  /** The child's whole environment (default: this process's). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Milliseconds before the child is killed (default 60 s). */
  timeout?: number;
}

export function runChild(script: string, options: ChildOptions = {}): SpawnSyncReturns<string> {
  const runtime = "Bun" in globalThis ? ["run"] : ["run", "-A", ...options.denoFlags ?? []];
  const child = spawnSync(process.execPath, [...runtime, script, ...options.args ?? []], {
    encoding: "utf8",
    timeout: options.timeout ?? 60_000,
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv | undefined,
  });
  assert.is(child.status, 0, `${script} failed (${child.signal ?? child.status}):\n${child.stdout}\n${child.stderr}`);
  return child;
}

/** The JSON value a child printed on its last line of output. */
// deno-lint-ignore no-explicit-any
export function lastJsonLine(child: { stdout: string }): any {
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}
