#!/usr/bin/env node
// Project bootstrap: installs everything the build and tests need, project-locally,
// from package registries only (npm registry, PyPI). Idempotent: every step is
// skipped when already done. No dependencies beyond Node.js itself.
//
//   node scripts/bootstrap.mjs            # all steps
//   node scripts/bootstrap.mjs --force    # re-run `zig build` even if up to date
//
// Exports: ROOT, ZIG_VERSION, toolPaths(), ensureNodeModules(), ensureZig(),
// buildNative(), bootstrap(), run(), log().
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ZIG_VERSION = "0.15.2";
export const NATIVE_LIB = join(ROOT, "zig-out", "lib", "libpyframe.so");

const ZIG_DIR = join(ROOT, ".tools", "ziglang");
const ZIG_BIN = join(ZIG_DIR, "ziglang", process.platform === "win32" ? "zig.exe" : "zig");

export function log(msg) {
  console.log(`[bootstrap] ${msg}`);
}

/** Run a command; inherit stdio unless `capture`. Throws on failure unless `check: false`. */
export function run(cmd, args, { cwd = ROOT, env, capture = false, check = true, timeout } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: env ?? process.env,
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (check && (r.error || r.status !== 0)) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    const out = capture ? `\n${r.stdout ?? ""}${r.stderr ?? ""}` : "";
    throw new Error(`command failed (${why}): ${cmd} ${args.join(" ")}${out}`);
  }
  return r;
}

// A real native executable, not a JS shim / placeholder left by a skipped postinstall.
function isNativeExecutable(p) {
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size < 1024 * 1024) return false;
    const fd = openSync(p, "r");
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 4, 0);
    closeSync(fd);
    const magic = buf.toString("hex");
    return (
      magic === "7f454c46" || // ELF
      magic === "cffaedfe" || magic === "cefaedfe" || // Mach-O
      buf.subarray(0, 2).toString() === "MZ" // PE
    );
  } catch {
    return false;
  }
}

function platformPackages() {
  const arch = process.arch;
  if (process.platform === "linux") {
    return {
      deno: `@deno/linux-${arch === "arm64" ? "arm64" : "x64"}-glibc`,
      bun: `@oven/bun-linux-${arch === "arm64" ? "aarch64" : "x64"}`,
    };
  }
  if (process.platform === "darwin") {
    return {
      deno: `@deno/darwin-${arch === "arm64" ? "arm64" : "x64"}`,
      bun: `@oven/bun-darwin-${arch === "arm64" ? "aarch64" : "x64"}`,
    };
  }
  return { deno: `@deno/win32-${arch}`, bun: `@oven/bun-windows-${arch === "arm64" ? "aarch64" : "x64"}` };
}

function firstNative(candidates) {
  for (const c of candidates) if (isNativeExecutable(c)) return c;
  return null;
}

function resolveDeno() {
  const nm = join(ROOT, "node_modules");
  const pkg = platformPackages().deno;
  return firstNative([
    join(nm, "deno", "deno"), // placed by deno's postinstall
    join(nm, ...pkg.split("/"), "deno"), // shipped in the platform package
  ]);
}

function resolveBun() {
  const nm = join(ROOT, "node_modules");
  const pkg = platformPackages().bun;
  return firstNative([
    join(nm, "bun", "bin", "bun.exe"), // moved here by bun's postinstall
    join(nm, ...pkg.split("/"), "bin", "bun"), // still here if the postinstall did not run
  ]);
}

/** Absolute paths of the tools. deno/bun/zig are null when not installed yet. */
export function toolPaths() {
  return {
    root: ROOT,
    deno: resolveDeno(),
    bun: resolveBun(),
    zig: existsSync(ZIG_BIN) ? ZIG_BIN : null,
  };
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

// (a) npm dependencies, including the deno and bun binaries.
export function ensureNodeModules() {
  const { deno, bun } = toolPaths();
  const lock = join(ROOT, "package-lock.json");
  const hasLock = existsSync(lock);
  const hidden = join(ROOT, "node_modules", ".package-lock.json");
  const stale = hasLock && mtime(lock) > mtime(hidden);
  if (deno && bun && !stale) {
    log("npm deps: up to date");
    return;
  }
  const args = hasLock
    ? ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
    : ["install", "--no-audit", "--no-fund", "--loglevel=error"];
  log(`npm deps: running npm ${args[0]}${deno && bun ? " (lockfile changed)" : ""}`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  run(npm, args);
  const after = toolPaths();
  if (!after.deno || !after.bun) {
    throw new Error(
      `npm ${args[0]} finished but ${!after.deno ? "deno" : "bun"} binary is missing under node_modules/`,
    );
  }
}

function pythonVersionOk(cmd) {
  const r = spawnSync(
    cmd,
    ["-c", "import sys; print('%d %d' % sys.version_info[:2]); import pip"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  if (r.error || r.status !== 0) return false;
  const [maj, min] = r.stdout.trim().split(" ").map(Number);
  return maj === 3 && min >= 8;
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** A python3 (>= 3.8, with pip) on PATH, for installing ziglang from PyPI. */
export function findBootstrapPython() {
  const names = ["python3", "python3.13", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8", "python"];
  for (const n of names) {
    const p = findOnPath(n);
    if (p && pythonVersionOk(p)) return p;
  }
  throw new Error("no python3 >= 3.8 with pip found on PATH (needed to install zig from PyPI)");
}

function zigVersion(zig) {
  const r = spawnSync(zig, ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return r.status === 0 ? r.stdout.trim() : null;
}

// (b) Zig, from the PyPI package `ziglang`, into .tools/ziglang.
export function ensureZig() {
  if (existsSync(ZIG_BIN) && zigVersion(ZIG_BIN) === ZIG_VERSION) {
    log(`zig: ${ZIG_VERSION} present`);
    return ZIG_BIN;
  }
  const py = findBootstrapPython();
  log(`zig: installing ziglang==${ZIG_VERSION} from PyPI into .tools/ziglang`);
  rmSync(ZIG_DIR, { recursive: true, force: true });
  run(py, [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "--no-warn-script-location",
    "--target",
    ZIG_DIR,
    `ziglang==${ZIG_VERSION}`,
  ], { env: { ...process.env, PIP_ROOT_USER_ACTION: "ignore" } });
  const v = existsSync(ZIG_BIN) ? zigVersion(ZIG_BIN) : null;
  if (v !== ZIG_VERSION) {
    throw new Error(`zig at ${ZIG_BIN} reports version ${v ?? "(none)"}, expected ${ZIG_VERSION}`);
  }
  return ZIG_BIN;
}

function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) visit(join(p, e));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  paths.forEach(visit);
  return newest;
}

// (c) zig build -> zig-out/lib/libpyframe.so (Debug: Zig's runtime safety on, what tests use).
// Benchmarks ask for { optimize: "ReleaseFast", prefix: "zig-out/release" }.
export function buildNative({ force = false, optimize = "Debug", prefix = "zig-out" } = {}) {
  if (!existsSync(join(ROOT, "build.zig"))) {
    log("native: build.zig not found yet, skipping zig build");
    return null;
  }
  const library = join(ROOT, prefix, "lib", "libpyframe.so");
  const label = relative(ROOT, library);
  const inputs = ["native.zig", "build.zig", "build.zig.zon", "native"].map((p) => join(ROOT, p));
  const libTime = mtime(library);
  if (!force && libTime > 0 && libTime >= newestMtime(inputs)) {
    log(`native: ${label} up to date`);
    return library;
  }
  const zig = existsSync(ZIG_BIN) ? ZIG_BIN : ensureZig();
  log(`native: running zig build (${optimize})`);
  run(zig, ["build", `-Doptimize=${optimize}`, "--prefix", prefix], { cwd: ROOT });
  if (!existsSync(library)) {
    throw new Error(`zig build succeeded but ${label} was not produced`);
  }
  // zig's install step keeps the cached artifact's mtime; stamp it so the
  // up-to-date check above holds after a no-op rebuild.
  const now = new Date();
  utimesSync(library, now, now);
  return library;
}

/** Run all steps; returns toolPaths(). */
export function bootstrap({ force = false } = {}) {
  ensureNodeModules();
  ensureZig();
  buildNative({ force });
  return toolPaths();
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const t0 = Date.now();
  try {
    bootstrap({ force: process.argv.includes("--force") });
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  } catch (e) {
    console.error(`[bootstrap] ERROR: ${e.message}`);
    process.exit(1);
  }
}
