/**
 * scripts/sweep.mjs's child: runs one CPython regression module, plainly or under an identity
 * rewrite, and prints its result (scripts/_sweep_io.mjs). Each run has a process of its own: run
 * twice in one process, some modules differ by themselves (test_capi's second run skips a test).
 *
 *   deno run -A test/_sweep_child.ts <module, e.g. test_scope> <plain|module|everywhere>
 */
import process from "node:process";
import { resultText } from "../scripts/_sweep_io.mjs";
import { regressionModuleFile, type RewrittenIn, runRegressionModule, runRewritten } from "./_regression.ts";

const [name, how] = process.argv.slice(2);
if (!name || !["plain", "module", "everywhere"].includes(how)) {
  console.error("usage: _sweep_child.ts <test module> <plain|module|everywhere>");
  process.exit(2);
}

const started = performance.now();
const fields = how === "plain"
  ? runRegressionModule(name)
  : (({ run, counts }) => ({ ...run, ...counts }))(runRewritten(name, regressionModuleFile(name), how as RewrittenIn));
process.stdout.write(resultText({ phase: how, seconds: (performance.now() - started) / 1000, ...fields }));
