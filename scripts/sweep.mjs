#!/usr/bin/env node
// Runs every regression test module an interpreter ships (`python -m test --list-tests`) plainly
// and under a Dynamo that replaces functions with an identity rewrite, each run in a process of its
// own, and reports every module whose results differ, or whose process crashed or hung. Hours,
// not minutes: not part of `npm test`, which runs a chosen few (test/_regression.ts lists them).
//
//   node scripts/sweep.mjs [options] [test_module ...]
//     --python X       interpreter: a minor ("3.12"), a version or an executable (default: newest)
//     --runtime R      deno (default) or bun
//     --everywhere     rewrite every function, the standard library's too (default: only those
//                      of the test module's own file, or of every file of a test package)
//     --jobs N         modules run at once (default: the number of CPUs)
//     --timeout S      seconds per run (default 900)
//     --help, -h       this
//
// Results go to .cache/sweep/<version>-<runtime>-<rewritten>.jsonl, one line per module; a module
// already there is not run again (delete the file to start over), so a sweep can be resumed.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootstrap, ROOT } from "./bootstrap.mjs";
import { findPythons } from "./pythons.mjs";
import { differingProblems, findResult, runToEnd } from "./_sweep_io.mjs";

const { values: options, positionals: chosen } = parseCommandLine();

const tools = bootstrap();
const runtimes = {
  deno: (args) => [tools.deno, ["run", "-A", "test/_sweep_child.ts", ...args]],
  bun: (args) => [tools.bun, ["run", "test/_sweep_child.ts", ...args]],
};
if (!runtimes[options.runtime]) fail(`unknown --runtime ${options.runtime} (known: deno, bun)`);
const jobs = Number(options.jobs);
const timeoutMs = Number(options.timeout) * 1000;
if (!(jobs >= 1) || !(timeoutMs > 0)) fail("--jobs and --timeout take positive numbers");

const python = choosePython(options.python);
const rewrittenIn = options.everywhere ? "everywhere" : "module";
const modules = chooseModules(chosen, listModules(python.executable));
const resultsFile = join(ROOT, ".cache", "sweep", `${python.version}-${options.runtime}-${rewrittenIn}.jsonl`);
mkdirSync(join(ROOT, ".cache", "sweep"), { recursive: true });
const done = new Map(readResults(resultsFile).map((result) => [result.module, result]));
const pending = modules.filter((name) => !done.has(name));

console.log(
  `[sweep] CPython ${python.version} (${python.executable}) on ${options.runtime}, functions of ` +
    `${rewrittenIn === "module" ? "each test module's own files" : "every file"} rewritten: ` +
    `${modules.length} modules, ${modules.length - pending.length} already in ${resultsFile}, ${jobs} at once`,
);
await runAll(pending, async (name) => {
  const result = await sweepModule(name);
  appendFileSync(resultsFile, JSON.stringify(result) + "\n");
  done.set(name, result);
  console.log(`[sweep] ${verdict(result).padEnd(9)} ${name} (${result.seconds.toFixed(0)}s)`);
});
summarize(modules.map((name) => done.get(name)));

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        python: { type: "string" },
        runtime: { type: "string", default: "deno" },
        everywhere: { type: "boolean", default: false },
        jobs: { type: "string", default: String(availableParallelism()) },
        timeout: { type: "string", default: "900" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    fail(`${error.message.split(". ")[0]}\n${usage()}`);
  }
  if (parsed.values.help) {
    console.log(usage());
    process.exit(0);
  }
  return parsed;
}

/** The options, as this file's header gives them (one place for both). */
function usage() {
  const header = readFileSync(new URL(import.meta.url), "utf8").split("\n").filter((line) => line.startsWith("//   "));
  return header.map((line) => line.slice(5)).join("\n");
}

function fail(message) {
  console.error(`[sweep] ${message}`);
  process.exit(2);
}

function choosePython(wanted) {
  const usable = findPythons().usable;
  if (usable.length === 0) fail("no usable Python found (node scripts/pythons.mjs says why)");
  if (!wanted) return usable[usable.length - 1];
  const found = usable.find((py) => [py.minorVersion, py.version, py.executable].includes(wanted));
  return found ?? fail(`no usable Python matches --python ${wanted}: ${usable.map((py) => py.version).join(", ")}`);
}

/** The modules named on the command line, each one the interpreter lists, or all it lists. */
function chooseModules(named, listed) {
  const unknown = named.filter((name) => !listed.includes(name));
  if (unknown.length) {
    fail(
      `CPython ${python.version} lists no test module ${unknown.join(", ")} (python -m test --list-tests names them)`,
    );
  }
  return named.length ? named : listed;
}

function listModules(executable) {
  const listed = runSync(executable, ["-m", "test", "--list-tests"]);
  // 3.12+ name a package's modules with the package ("test.test_asyncio.test_locks").
  const names = listed.split("\n").map((line) => line.trim().replace(/^test\./, ""))
    .filter((line) => /^test_\w+(\.\w+)*$/.test(line));
  if (names.length === 0) {
    fail(`${executable} -m test --list-tests named no module (are its regression tests installed?)`);
  }
  return names;
}

function runSync(command, args) {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) fail(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function readResults(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** Runs `work` on every item, at most `jobs` at once. */
async function runAll(items, work) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length) await work(queue.shift());
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

/** Runs the module plainly, then rewritten, each in a child process of its own; the result holds
 * both runs, or how the child that ended early ended. */
async function sweepModule(name) {
  const started = Date.now();
  const plain = await runChild(name, "plain");
  const rewritten = plain.run && !plain.run.skipped ? await runChild(name, rewrittenIn) : null;
  const early = [plain, rewritten].find((child) => child && !child.run);
  return {
    module: name,
    seconds: (Date.now() - started) / 1000,
    plain: plain.run,
    rewritten: rewritten?.run ?? null,
    ended: early?.ended ?? null,
    tail: early?.tail ?? "",
  };
}

/** One child process running the module one way: its run, or how it ended and its output's end. */
async function runChild(name, how) {
  const scratch = mkdtempSync(join(tmpdir(), "pyframe-sweep-"));
  const [command, args] = runtimes[options.runtime]([name, how]);
  const env = { ...process.env, PYFRAME_PYTHON: python.executable, TMPDIR: scratch, TEMP: scratch, TMP: scratch };
  const { code, signal, timedOut, stdout, output } = await runToEnd(command, args, { cwd: ROOT, env, timeoutMs });
  rmSync(scratch, { recursive: true, force: true });
  const run = code === 0 && !timedOut ? findResult(stdout) : null;
  if (run) return { run };
  const ended = timedOut ? `timed out after ${timeoutMs / 1000}s` : signal ? `killed by ${signal}` : `exit ${code}`;
  return { run: null, ended: `${how} run ${ended}`, tail: output };
}

/** alike, differs, skipped, crashed (with or after the plain run) or hung. */
function verdict(result) {
  if (result.plain?.skipped) return "skipped";
  if (!result.plain) return result.ended.includes("timed out") ? "hung" : "crashed";
  if (!result.rewritten) return result.ended.includes("timed out") ? "hung" : "CRASHED";
  const { onlyRewritten, onlyPlain } = differingProblems(result.plain, result.rewritten);
  const same = result.rewritten.testsRun === result.plain.testsRun && !onlyRewritten.length && !onlyPlain.length;
  return same ? "alike" : "DIFFERS";
}

function summarize(results) {
  const byVerdict = new Map();
  for (const result of results) {
    const key = verdict(result);
    byVerdict.set(key, [...byVerdict.get(key) ?? [], result]);
  }
  const count = (name) => byVerdict.get(name)?.length ?? 0;
  const ran = count("alike") + count("DIFFERS");
  console.log(
    `\n[sweep] ${count("alike")} of ${ran} modules that ran both ways gave the same results; ` +
      `${count("skipped")} skipped here; plain run crashed ${count("crashed")}, hung ${count("hung")}; ` +
      `crashed only rewritten ${count("CRASHED")}`,
  );
  for (const result of byVerdict.get("DIFFERS") ?? []) {
    const { plain, rewritten } = result;
    const { onlyRewritten, onlyPlain } = differingProblems(plain, rewritten);
    console.log(`\n  DIFFERS ${result.module}: ran ${plain.testsRun} plainly, ${rewritten.testsRun} rewritten`);
    for (const problem of onlyRewritten) console.log(`    fails only rewritten: ${problem}`);
    for (const problem of onlyPlain) console.log(`    fails only plainly:   ${problem}`);
  }
  for (const result of [...byVerdict.get("CRASHED") ?? [], ...byVerdict.get("crashed") ?? []]) {
    console.log(`\n  ${verdict(result)} ${result.module} (${result.ended}):\n${result.tail.replace(/^/gm, "    | ")}`);
  }
  for (const result of byVerdict.get("hung") ?? []) {
    console.log(`\n  hung ${result.module} (${result.ended})`);
  }
}
