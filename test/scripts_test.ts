// The project's own scripts (run by Node, as npm runs them): on a command line they cannot take, a
// usage message or an error naming what was wrong, before any bootstrap or long run starts; and how
// the sweep runs its children and reads their results (scripts/_sweep_io.mjs).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { differingProblems, findResult, OutputTail, resultText, runToEnd } from "../scripts/_sweep_io.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function runScript(script: string, ...args: string[]) {
  // npm test runs under Node, so a `node` is on the PATH.
  const child = spawnSync("node", [`scripts/${script}`, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.ok(child.error === undefined, `node scripts/${script} did not start: ${child.error}`);
  return child;
}

test("importing the sweep's child-process helpers adds no SIGINT listener (the child imports them)", () => {
  // One made every regression module's run fail in the child: Python found a handler not its own
  // where the runner puts SIGINT's back ("signal handler must be signal.SIG_IGN, ...").
  assert.is(process.listenerCount("SIGINT"), 0);
});

test("sweep --help prints the options from its header and exits 0", () => {
  const child = runScript("sweep.mjs", "--help");
  assert.is(child.status, 0, child.stderr);
  assert.match(child.stdout, /^node scripts\/sweep\.mjs \[options\] \[test_module \.\.\.\]\n/);
  for (const option of ["--python X", "--runtime R", "--everywhere", "--jobs N", "--timeout S", "--help, -h"]) {
    assert.ok(child.stdout.includes(option), `usage lacks ${option}:\n${child.stdout}`);
  }
});

test("sweep names an unknown option and shows the usage, without a Node stack trace", () => {
  const child = runScript("sweep.mjs", "--pyton", "3.12");
  assert.is(child.status, 2);
  assert.match(child.stderr, /^\[sweep\] Unknown option '--pyton'\n/);
  assert.ok(child.stderr.includes("--python X"), child.stderr);
  assert.not.match(child.stderr, /ERR_PARSE_ARGS|at parseArgs/);
});

test("sweep names an option given without its value", () => {
  const child = runScript("sweep.mjs", "--jobs");
  assert.is(child.status, 2);
  assert.match(child.stderr, /^\[sweep\] Option '--jobs <value>' argument missing\n/);
});

test("sweep refuses a test module the interpreter does not list, naming it, before running any", () => {
  const python = process.env.PYFRAME_PYTHON ? ["--python", process.env.PYFRAME_PYTHON] : [];
  const child = runScript("sweep.mjs", ...python, "test_scope", "test_no_such_module");
  assert.is(child.status, 2, child.stdout + child.stderr);
  assert.not.match(child.stdout, /alike|DIFFERS/, "nothing ran");
  // An interpreter shipped without its regression tests (Debian's, without its testsuite package)
  // lists few or none; test_scope is then named too.
  if (child.stderr.includes("named no module")) return;
  assert.match(
    child.stderr,
    /\[sweep\] CPython 3\.\d+\.\d+\S* lists no test module (test_scope, )?test_no_such_module \(/,
  );
});

test("bench names a benchmark file that does not exist before building anything", () => {
  const child = runScript("bench.mjs", "bench/no_such_bench.ts");
  assert.is(child.status, 1);
  assert.is(child.stdout, "", "nothing ran, nothing was built");
  assert.match(
    child.stderr,
    /^\[bench\] no such benchmark file: bench\/no_such_bench\.ts \(they are bench\/\*\.ts\)\n$/,
  );
});

test("a sweep child's result is found after output that left its line unended", () => {
  // What test_concurrent_futures printed on 3.14 before its result: the sweep read "crashed".
  const result = { phase: "plain", testsRun: 12, problems: [], output: "Ran 12 tests\n\nOK\n" };
  const stdout = "0.35s 0.38s 0.28s " + resultText(result);
  assert.equal(findResult(stdout), result);
  assert.equal(findResult(`{"phase": "decoy"}\n${stdout}printed at exit, unended`), result);
});

test("a sweep child that printed no result, or part of one, has none", () => {
  assert.is(findResult("Fatal Python error: Segmentation fault\n"), null);
  assert.is(findResult(resultText({ phase: "module", problems: [] }).slice(0, 30)), null);
});

test("a sweep child's output is kept as a bounded tail, its result found at the end", () => {
  const tail = new OutputTail(100);
  const line = "Exception ignored while calling deallocator: RecursionError\n";
  // 64 MiB, streamed as a child's pipe delivers it; held whole, a gigabyte broke the sweep.
  for (let i = 0; i < 64 * 1024 * 1024 / line.length; i++) tail.push(line);
  assert.ok(tail.chunks.length <= 3, `${tail.chunks.length} chunks kept`);
  const result = { phase: "module", problems: [] };
  tail.push(resultText(result).slice(0, 20));
  tail.push(resultText(result).slice(20));
  assert.is(tail.text().length, 100);
  assert.equal(findResult(tail.text()), result);
  assert.ok(tail.text().endsWith(resultText(result)));
});

test("a sweep child is done when it exits, though a process it forked holds its output open", async () => {
  // test_concurrent_futures.test_deadlock on 3.14.10 left forked workers behind, holding the
  // child's pipes: the sweep waited for them, past its timeout, for good.
  const started = Date.now();
  const ended = await runToEnd("sh", ["-c", "sleep 60 & echo done"], { timeoutMs: 30_000 });
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  assert.equal([ended.code, ended.timedOut, ended.stdout], [0, false, "done\n"]);
});

test("a sweep child past its timeout is ended with the processes it started", async () => {
  const started = Date.now();
  const ended = await runToEnd("sh", ["-c", "sleep 60 & sleep 60; echo never"], { timeoutMs: 500 });
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  assert.equal([ended.timedOut, ended.signal, ended.stdout], [true, "SIGKILL", ""]);
});

test("a sweep child that cannot start is reported, not thrown", async () => {
  const ended = await runToEnd("/no/such/runtime", [], { timeoutMs: 5_000 });
  assert.equal([ended.code, ended.timedOut], [null, false]);
  assert.match(ended.output, /^\/no\/such\/runtime: .*ENOENT/);
});

test("a failing test named after its process's temporary file fails alike in both runs", () => {
  // test_capi.test_run on 3.14.10: the same 28 subtests failed in both runs, each pid in its names.
  const subtest = (pid: number) => `test_run_anyfile (test.test_capi.test_run.CAPITest) (filename='@test_${pid}_tmpæ')`;
  const frame = "test_code (test.test_capi.test_misc.TestInternalFrameApi.test_code)";
  assert.equal(differingProblems({ problems: [subtest(17900)] }, { problems: [subtest(18271), frame] }), {
    onlyRewritten: [frame],
    onlyPlain: [],
  });
  const other = "test_x (test.test_capi.test_run.CAPITest) (filename='@test_17900_other')";
  assert.equal(differingProblems({ problems: [other] }, { problems: [] }), { onlyRewritten: [], onlyPlain: [other] });
});

test.run();
