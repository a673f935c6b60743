#!/usr/bin/env node
// Runs every bench/*.ts under Deno and under Bun, for every supported CPython found (or only
// the minors in PYFRAME_BENCH_PYTHONS, e.g. "3.12"), with an optimised native build.
//   node scripts/bench.mjs [bench/foo.ts ...]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { bootstrap, buildNative, ROOT } from "./bootstrap.mjs";
import { findPythons, pythonsByMinor } from "./pythons.mjs";

const args = process.argv.slice(2);
let files;
if (args.length) {
  files = args.map((a) => relative(ROOT, resolve(process.cwd(), a)));
} else {
  try {
    files = readdirSync(join(ROOT, "bench")).filter((f) => f.endsWith(".ts") && !f.startsWith("_")).sort().map((f) =>
      join("bench", f)
    );
  } catch {
    files = [];
  }
}
if (files.length === 0) {
  console.error("[bench] no bench/*.ts files: nothing to run");
  process.exit(1);
}
const absent = files.filter((file) => !existsSync(join(ROOT, file)));
if (absent.length) {
  console.error(`[bench] no such benchmark file: ${absent.join(", ")} (they are bench/*.ts)`);
  process.exit(1);
}

let tools, pythons, releaseLibrary;
try {
  tools = bootstrap();
  // Timings come from an optimised build; the tests keep the safety-checked Debug one.
  releaseLibrary = buildNative({ optimize: "ReleaseFast", prefix: "zig-out/release" });
  const found = findPythons();
  const byMinor = pythonsByMinor(found);
  const wanted = process.env.PYFRAME_BENCH_PYTHONS?.split(",").map((m) => m.trim()) ?? found.supported;
  pythons = wanted.filter((minor) => byMinor.has(minor)).map((minor) => byMinor.get(minor));
  const missing = wanted.filter((minor) => !byMinor.has(minor));
  if (missing.length) console.log(`[bench] missing Python: ${missing.join(", ")}`);
  if (pythons.length === 0) throw new Error(`no usable Python among ${wanted.join(", ")}`);
} catch (e) {
  console.error(`[bench] ${e.message}`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  for (const python of pythons) {
    for (
      const [name, cmd, cmdArgs] of [
        ["deno", tools.deno, ["run", "-A", file]],
        ["bun", tools.bun, ["run", file]],
      ]
    ) {
      console.log(`\n=== ${name}: ${file} (CPython ${python.version}) ===`);
      const r = spawnSync(cmd, cmdArgs, {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, PYFRAME_PYTHON: python.executable, PYFRAME_LIB: releaseLibrary },
      });
      if (r.status !== 0) {
        failed++;
        console.error(`[bench] ${name} ${file} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.status}`})`);
      }
    }
  }
}
process.exit(failed ? 1 : 0);
