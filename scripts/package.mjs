#!/usr/bin/env node
// Builds what the published packages hold, from the sources; `npm pack` and `npm publish` run it
// first (package.json's "prepack"), as does `npm test` before the package test.
//
//   prebuilt/<target>/libpyframe.*   every target of `zig build prebuilt` (ReleaseSafe, stripped):
//                                    JSR publishes it beside mod.ts and src/ (deno.json "publish")
//   dist/                            the npm package's modules: mod.ts and src/ as JavaScript with
//                                    declarations (Deno runs no TypeScript from node_modules), and
//                                    dist/prebuilt/, found two folders above dist/src/ffi/ as in
//                                    the sources
//
//   node scripts/package.mjs
import { cpSync, existsSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureNodeModules, ensureZig, ROOT, run } from "./bootstrap.mjs";

const log = (message) => console.log(`[package] ${message}`);
const DIST = join(ROOT, "dist");
const PREBUILT = join(ROOT, "prebuilt");

/** Builds prebuilt/ and dist/ anew; returns the targets built. */
export function buildPackage() {
  ensureNodeModules();
  const zig = ensureZig();
  const zigOutput = join(ROOT, "zig-out", "prebuilt");
  rmSync(zigOutput, { recursive: true, force: true });
  log("zig build prebuilt (every packaged target, ReleaseSafe)");
  run(zig, ["build", "prebuilt"]);
  const targets = readdirSync(zigOutput).sort();
  for (const folder of [PREBUILT, DIST]) rmSync(folder, { recursive: true, force: true });
  cpSync(zigOutput, PREBUILT, { recursive: true });

  log("tsc → dist/ (JavaScript and declarations)");
  run(join(ROOT, "node_modules", ".bin", "tsc"), [
    "--ignoreConfig",
    "mod.ts",
    ...["--target", "ESNext", "--module", "preserve", "--moduleResolution", "bundler", "--types", "bun-types"],
    ...["--strict", "--skipLibCheck", "--verbatimModuleSyntax", "--resolveJsonModule"],
    ...["--allowImportingTsExtensions", "--rewriteRelativeImportExtensions", "--declaration"],
    ...["--outDir", DIST],
  ]);
  cpSync(zigOutput, join(DIST, "prebuilt"), { recursive: true });
  for (const required of ["mod.js", "mod.d.ts", join("src", "ffi", "supported_pythons.json")]) {
    if (!existsSync(join(DIST, required))) throw new Error(`tsc did not produce dist/${required}`);
  }
  log(`dist/ and prebuilt/ hold ${targets.join(", ")}`);
  return targets;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  try {
    buildPackage();
  } catch (error) {
    console.error(`[package] ERROR: ${error.message}`);
    process.exit(1);
  }
}
