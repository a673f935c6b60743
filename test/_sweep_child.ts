/**
 * scripts/sweep.mjs's child: runs one CPython regression module plainly, then under an identity
 * rewrite, printing one JSON line after each run (a crash in the second run leaves the first).
 *
 *   deno run -A test/_sweep_child.ts <module, e.g. test_scope> <module|everywhere>
 */
import process from "node:process";
import { type RewrittenIn, runRegressionModule, runRewritten } from "./_regression.ts";

const [name, rewrittenIn] = process.argv.slice(2) as [string, RewrittenIn];
if (!name || !["module", "everywhere"].includes(rewrittenIn)) {
  console.error("usage: _sweep_child.ts <test module> <module|everywhere>");
  process.exit(2);
}

const report = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));

let started = performance.now();
const plain = runRegressionModule(name);
report({ phase: "plain", seconds: (performance.now() - started) / 1000, ...plain });
if (plain.skipped === null) {
  started = performance.now();
  const { run, counts } = runRewritten(name, plain.file, rewrittenIn);
  report({ phase: "rewritten", seconds: (performance.now() - started) / 1000, ...run, ...counts });
}
