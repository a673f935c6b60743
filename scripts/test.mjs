#!/usr/bin/env node
// Test matrix: every usable supported Python interpreter x {deno, bun} x every test/**/*_test.ts,
// one process per test file (a crash fails only that file).
//
//   node scripts/test.mjs [test/foo_test.ts ...]
//   env PYFRAME_TEST_PYTHONS=3.12,3.11.2  only these minors, versions or python executables
//       PYFRAME_TEST_RUNTIMES=deno        only these runtimes (deno,bun)
//       PYFRAME_TEST_TIMEOUT=240          seconds per test file
//       PYFRAME_TEST_VERBOSE=1            print output of passing files too
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { bootstrap, ROOT } from "./bootstrap.mjs";
import { findPythons, formatReport } from "./pythons.mjs";

const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;

function listTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(listTests(p));
    else if (e.isFile() && e.name.endsWith("_test.ts")) out.push(p);
  }
  return out.sort();
}

function envList(name) {
  const v = process.env[name];
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : null;
}

let tools;
try {
  tools = bootstrap();
} catch (e) {
  console.error(`[test] bootstrap failed: ${e.message}`);
  process.exit(1);
}

const runtimes = {
  deno: (file) => [tools.deno, ["run", "-A", file]],
  bun: (file) => [tools.bun, ["run", file]],
};
const runtimeNames = envList("PYFRAME_TEST_RUNTIMES") ?? Object.keys(runtimes);
for (const r of runtimeNames) {
  if (!runtimes[r]) {
    console.error(`[test] unknown runtime in PYFRAME_TEST_RUNTIMES: ${r} (known: deno, bun)`);
    process.exit(1);
  }
}

const args = process.argv.slice(2);
const files = args.length ? args.map((a) => resolve(process.cwd(), a)) : listTests(join(ROOT, "test"));
for (const f of files) {
  try {
    statSync(f);
  } catch {
    console.error(`[test] no such test file: ${relative(ROOT, f)}`);
    process.exit(1);
  }
}
if (files.length === 0) {
  console.error("[test] no test files found (test/**/*_test.ts)");
  process.exit(1);
}

const PACKED = join(ROOT, ".cache", "package");
rmSync(PACKED, { recursive: true, force: true });
mkdirSync(PACKED, { recursive: true });

// Static checks first, once: lint, formatting and type-check for Deno (deno.json) and for Bun
// (tsconfig.json), the native code's formatting, and the native unit tests (those needing no Python).
const checks = [
  ["zig build test (native unit tests)", tools.zig, ["build", "test"]],
  ["deno lint", tools.deno, ["lint", "--quiet"]],
  ["deno fmt", tools.deno, ["fmt", "--check", "--quiet"]],
  ["zig fmt", tools.zig, ["fmt", "--check", "native.zig", "build.zig", "native"]],
  // --doc: the @example code of every public symbol type-checks too.
  [
    "deno check --doc",
    tools.deno,
    ["check", "--doc", "--quiet", "mod.ts", "src/", "test/", "bench/", "examples/", "scripts/generate_ast.ts"],
  ],
  // JSR's documentation rules: every public symbol documented, no public type naming a private one.
  ["deno doc --lint", tools.deno, ["doc", "--lint", "mod.ts"]],
  ["tsc (bun-types)", join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]],
  // The packages as published: `npm pack` builds prebuilt/ and dist/ (scripts/package.mjs) and
  // the tarball test/package_test.ts installs; JSR's checks run on what `deno publish` would upload.
  ["npm pack", "npm", ["pack", "--pack-destination", PACKED]],
  ["deno publish --dry-run", tools.deno, ["publish", "--dry-run", "--allow-dirty", "--quiet"]],
];
let checksFailed = 0;
for (const [label, cmd, cmdArgs] of checks) {
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status === 0) {
    console.log(`check ok   ${label}`);
  } else {
    checksFailed++;
    console.log(`check FAIL ${label}`);
    console.log(`${r.stdout ?? ""}${r.stderr ?? ""}`.trimEnd().replace(/^/gm, "    | "));
  }
}

const found = findPythons();
console.log(formatReport(found));
// Every usable interpreter, not one per minor: a distribution's build of a version (Debian's
// python3, linked into its executable) differs from pyenv's of the same one.
const wanted = envList("PYFRAME_TEST_PYTHONS");
const matches = (py, w) => [py.minorVersion, py.version, py.executable].includes(w);
const pythons = found.usable.filter((py) => !wanted || wanted.some((w) => matches(py, w)));
const missing = (wanted ?? found.supported).filter((w) => !pythons.some((py) => matches(py, w)));
if (pythons.length === 0) {
  console.error(`[test] no usable Python for: ${missing.join(", ")}`);
  process.exit(1);
}

// The tarball `npm pack` made above, or empty (test/package_test.ts then packs its own).
const packedName = readdirSync(PACKED).find((file) => file.endsWith(".tgz"));
const packedTarball = packedName ? join(PACKED, packedName) : "";

// A test file exits with this code, after printing "skipped: <why>", when the interpreter lacks
// what it tests (test/_skip.ts).
const SKIPPED = 77;
const timeoutMs = Number(process.env.PYFRAME_TEST_TIMEOUT ?? 240) * 1000;
const verbose = !!process.env.PYFRAME_TEST_VERBOSE;
const results = new Map(); // "<python executable>|deno" -> { pass: [], fail: [], skip: [] }
const skips = []; // why each skipped file was
let passed = 0, failed = 0;

/** Where a test file's process (JS and Python alike) makes temporary files: its own directory, so
 * that what it leaves there is seen (a failure) and removed. */
function temporaryDirectoryEnv(directory) {
  return { TMPDIR: directory, TEMP: directory, TMP: directory };
}

for (const py of pythons) {
  for (const rt of runtimeNames) {
    const cell = { pass: [], fail: [], skip: [] };
    results.set(`${py.executable}|${rt}`, cell);
    console.log(`\n=== Python ${py.version} (${py.executable}) x ${rt} ===`);
    for (const file of files) {
      const rel = relative(ROOT, file);
      const [cmd, cmdArgs] = runtimes[rt](rel);
      const start = Date.now();
      const scratch = mkdtempSync(join(tmpdir(), "pyframe-test-"));
      const r = spawnSync(cmd, cmdArgs, {
        cwd: ROOT,
        env: {
          ...process.env,
          ...temporaryDirectoryEnv(scratch),
          PYFRAME_PYTHON: py.executable,
          PYFRAME_PACKAGE_TARBALL: packedTarball,
        },
        stdio: ["ignore", "pipe", "pipe"],
        encoding: "utf8",
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      const took = `${((Date.now() - start) / 1000).toFixed(2)}s`;
      let why = null;
      if (r.error?.code === "ETIMEDOUT") why = `timed out after ${timeoutMs / 1000}s`;
      else if (r.error) why = r.error.message;
      else if (r.signal) why = `killed by ${r.signal}`;
      else if (r.status !== 0 && r.status !== SKIPPED) why = `exit ${r.status}`;
      const leftBehind = readdirSync(scratch);
      rmSync(scratch, { recursive: true, force: true });
      if (!why && leftBehind.length) why = `left behind in its temporary directory: ${leftBehind.join(", ")}`;
      const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trimEnd();
      if (r.status === SKIPPED) {
        const reason = output.match(/^skipped: (.*)$/m)?.[1] ?? "no reason given";
        cell.skip.push(rel);
        skips.push(`${py.version} ${py.executable} x ${rt}: ${rel}: ${reason}`);
        console.log(`  skip ${rel} (${reason})`);
      } else if (why) {
        failed++;
        cell.fail.push(rel);
        console.log(`  FAIL ${rel} (${why}, ${took})`);
        if (output) console.log(output.replace(/^/gm, "    | "));
      } else {
        passed++;
        cell.pass.push(rel);
        console.log(`  ok   ${rel} (${took})`);
        if (verbose && output) console.log(output.replace(/^/gm, "    | "));
      }
    }
  }
}

// Matrix
const shortName = (f) => relative(join(ROOT, "test"), join(ROOT, f));
const header = ["python", ...runtimeNames];
const rows = pythons.map((py) => [
  `${py.version} ${py.executable}`,
  ...runtimeNames.map((rt) => {
    const c = results.get(`${py.executable}|${rt}`);
    const skipped = c.skip.length ? `; skipped: ${c.skip.map(shortName).join(", ")}` : "";
    return c.fail.length ? `FAIL: ${c.fail.map(shortName).join(", ")}` : `pass (${c.pass.length} files${skipped})`;
  }),
]);
for (const m of missing) {
  const why = found.supported.includes(m) ? "MISSING (not on this machine)" : "MISSING (no usable interpreter matches)";
  rows.push([m, ...runtimeNames.map(() => why)]);
}
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
for (const r of rows) console.log(line(r));
console.log(`missing: ${missing.length ? missing.join(", ") : "none"}`);
for (const skip of skips) console.log(`skipped: ${skip}`);
console.log(`total time: ${secs(Date.now() - t0)}`);
console.log("(counted per test file, per Python x runtime)");
console.log(`static checks: ${checksFailed ? `${checksFailed} failed` : "ok"}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skips.length} skipped`);
process.exit(failed || checksFailed ? 1 : 0);
