#!/usr/bin/env node
// Runs examples/scale_constants.ts under Deno and under Bun.
// PYFRAME_PYTHON selects the interpreter (default: python3 on PATH).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bootstrap, ROOT } from "./bootstrap.mjs";
import { defaultPython } from "./pythons.mjs";

const EXAMPLE = "examples/scale_constants.ts";

let tools, python;
try {
  tools = bootstrap();
  python = defaultPython();
} catch (e) {
  console.error(`[demo] ${e.message}`);
  process.exit(1);
}
if (!existsSync(join(ROOT, EXAMPLE))) {
  console.error(`[demo] ${EXAMPLE} does not exist yet: nothing to run`);
  process.exit(1);
}

let failed = 0;
for (
  const [name, cmd, args] of [
    ["deno", tools.deno, ["run", "-A", EXAMPLE]],
    ["bun", tools.bun, ["run", EXAMPLE]],
  ]
) {
  console.log(`\n=== ${name}: ${EXAMPLE} (python ${python}) ===`);
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, PYFRAME_PYTHON: python },
  });
  if (r.status !== 0) {
    failed++;
    console.error(`[demo] ${name} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.status}`})`);
  }
}
process.exit(failed ? 1 : 0);
