#!/usr/bin/env node
// Discovers the CPython interpreters on this machine and which of them pyframe
// can embed. The supported minors live in one place: src/ffi/supported_pythons.json.
//
//   node scripts/pythons.mjs          # human-readable report
//   node scripts/pythons.mjs --json   # the findPythons() result as JSON
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SUPPORTED_FILE = join(ROOT, "src", "ffi", "supported_pythons.json");

/** Supported "major.minor" strings, e.g. ["3.11", "3.12", "3.13"]. */
export function supportedMinors() {
  const { minors } = JSON.parse(readFileSync(SUPPORTED_FILE, "utf8"));
  if (!Array.isArray(minors) || minors.length === 0) {
    throw new Error(`${SUPPORTED_FILE}: expected {"minors": ["3.x", ...]}`);
  }
  return minors;
}

const cmpMinor = (a, b) => {
  const [a1, a2] = a.split(".").map(Number);
  const [b1, b2] = b.split(".").map(Number);
  return a1 - b1 || a2 - b2;
};

const cmpVersion = (a, b) => {
  const pa = a.split(/[.a-z]+/i).map(Number);
  const pb = b.split(/[.a-z]+/i).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
};

// Runs inside the candidate interpreter; must stay valid for old Pythons too.
const PROBE = `
import sys, json, platform
try:
    import sysconfig
    cv = sysconfig.get_config_var
except Exception:
    cv = lambda k: None
print(json.dumps({
    "executable": sys.executable,
    "version": platform.python_version(),
    "major": sys.version_info[0],
    "minor": sys.version_info[1],
    "implementation": platform.python_implementation(),
    "enableShared": cv("Py_ENABLE_SHARED"),
    "ldlibrary": cv("LDLIBRARY"),
    "instsoname": cv("INSTSONAME"),
    "libdir": cv("LIBDIR"),
    "multiarch": cv("MULTIARCH"),
    "abiflags": getattr(sys, "abiflags", ""),
    "gilDisabled": cv("Py_GIL_DISABLED"),
    "basePrefix": getattr(sys, "base_prefix", sys.prefix),
}))
`;

function pyenvRoot() {
  const r = spawnSync("pyenv", ["root"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  if (!r.error && r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  return process.env.PYENV_ROOT || join(homedir(), ".pyenv");
}

function candidates() {
  const out = [];
  const root = pyenvRoot();
  const versions = join(root, "versions");
  let names = [];
  try {
    names = readdirSync(versions);
  } catch { /* no pyenv */ }
  for (const v of names.sort(cmpVersion)) {
    const p = join(versions, v, "bin", "python3");
    if (existsSync(p)) out.push({ path: p, source: "pyenv", dirVersion: /^\d+\.\d+\.\d+$/.test(v) ? v : null });
  }
  const onPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  // The python3 that PATH resolves to (a pyenv shim, maybe): the user's default interpreter.
  const first = onPath.map((dir) => join(dir, "python3")).find(isFile);
  if (first) out.push({ path: first, source: "PATH", isDefault: true });
  // Every other python3 and python3.N on PATH: the system's interpreters (pyenv's "system"
  // version) and any installed beside them. pyenv's shim folders only lead to its versions above.
  for (const dir of onPath) {
    if (dir.startsWith(root) && basename(dir) === "shims") continue;
    let files = [];
    try {
      files = readdirSync(dir);
    } catch { /* not a folder */ }
    for (const name of files.filter((f) => /^python3(\.\d+)?$/.test(f)).sort()) {
      const p = join(dir, name);
      if (p !== first && isFile(p)) out.push({ path: p, source: "PATH" });
    }
  }
  return out;
}

function realpathOrSelf(path) {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findLibpython(info) {
  const names = [info.ldlibrary, info.instsoname].filter((n) => n && /\.(so|dylib)(\.|$)/.test(n));
  const dirs = [
    info.libdir,
    info.libdir && info.multiarch && join(info.libdir, info.multiarch),
    join(info.basePrefix ?? "", "lib"),
  ]
    .filter(Boolean);
  for (const d of dirs) {
    for (const n of names) {
      const p = join(d, n);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

function probe({ path, source }) {
  const r = spawnSync(path, ["-c", PROBE], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 20_000,
  });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr || "").trim().split("\n").pop() ?? `exit ${r.status}`;
    return { path, source, error: why };
  }
  const info = JSON.parse(r.stdout.trim().split("\n").pop());
  return {
    path,
    source,
    ...info,
    realpath: realpathOrSelf(info.executable),
    minorVersion: `${info.major}.${info.minor}`,
  };
}

/**
 * Finds CPython interpreters: every <pyenv root>/versions/* /bin/python3, the python3 on PATH
 * and every python3 / python3.N in PATH's folders (pyenv's shims aside), deduplicated by the
 * real path of the interpreter.
 *
 * Returns {
 *   supported: ["3.11", ...],          // from src/ffi/supported_pythons.json
 *   usable:   Python[],                // supported minor, CPython, shared libpython found
 *   unusable: Python[],                // supported minor but cannot be embedded (.reason)
 *   ignored:  Python[],                // older than the oldest supported, or not a supported minor (.reason)
 *   missing:  string[],                // supported minors with no usable interpreter
 *   pathRealpath: string | null,       // real path of the python3 that PATH resolves to
 * }
 * Python = { executable, version "3.11.7", minorVersion "3.11", libpython, source, path, realpath, ... }
 */
export function findPythons() {
  const supported = supportedMinors();
  const oldest = [...supported].sort(cmpMinor)[0];
  const seen = new Set();
  const usable = [], unusable = [], ignored = [];
  let pathRealpath = null;
  const probed = new Set();
  for (const c of candidates()) {
    // pyenv dirs named like "3.9.18" below the oldest supported minor: no need to start them.
    if (c.dirVersion && cmpMinor(c.dirVersion.split(".").slice(0, 2).join("."), oldest) < 0) {
      const real = realpathOrSelf(c.path);
      if (seen.has(real)) continue;
      seen.add(real);
      const [major, minor] = c.dirVersion.split(".").map(Number);
      ignored.push({
        path: c.path,
        source: c.source,
        executable: c.path,
        realpath: real,
        version: c.dirVersion,
        major,
        minor,
        minorVersion: `${major}.${minor}`,
        reason: `older than ${oldest}`,
      });
      continue;
    }
    // /bin/python3, /usr/bin/python3 and /usr/bin/python3.11 are often one file: start it once.
    const file = realpathOrSelf(c.path);
    if (probed.has(file)) continue;
    probed.add(file);
    const p = probe(c);
    if (c.isDefault && !p.error) pathRealpath = p.realpath;
    if (p.error) {
      unusable.push({ ...p, version: "?", minorVersion: "?", reason: `probe failed: ${p.error}` });
      continue;
    }
    if (seen.has(p.realpath)) continue;
    seen.add(p.realpath);
    if (p.major !== 3 || cmpMinor(p.minorVersion, oldest) < 0) {
      ignored.push({ ...p, reason: `older than ${oldest}` });
      continue;
    }
    if (!supported.includes(p.minorVersion)) {
      ignored.push({ ...p, reason: `${p.minorVersion} not in supported_pythons.json` });
      continue;
    }
    p.libpython = findLibpython(p);
    if (p.implementation !== "CPython") {
      unusable.push({ ...p, reason: `${p.implementation}, not CPython` });
    } else if (p.gilDisabled === 1 || String(p.abiflags).includes("t")) {
      unusable.push({ ...p, reason: "free-threaded build not supported" });
    } else if (p.enableShared !== 1 && p.enableShared !== "1") {
      unusable.push({ ...p, reason: "no shared libpython (built without --enable-shared)" });
    } else if (!p.libpython) {
      unusable.push({ ...p, reason: `shared libpython ${p.ldlibrary} not found in ${p.libdir}` });
    } else {
      usable.push(p);
    }
  }
  const byVersion = (a, b) => cmpVersion(a.version, b.version);
  usable.sort(byVersion);
  const missing = supported.filter((m) => !usable.some((p) => p.minorVersion === m));
  return { supported, usable, unusable, ignored, missing, pathRealpath };
}

/** One usable interpreter per supported minor: pyenv's before others, then the newest. */
export function pythonsByMinor(found = findPythons()) {
  const fromPyenvFirst = (a, b) => (a.source === "pyenv" ? 0 : 1) - (b.source === "pyenv" ? 0 : 1);
  const map = new Map();
  for (const m of found.supported) {
    const ofMinor = found.usable.filter((x) => x.minorVersion === m);
    const [p] = ofMinor.sort((a, b) => fromPyenvFirst(a, b) || cmpVersion(b.version, a.version));
    if (p) map.set(m, p);
  }
  return map;
}

/** PYFRAME_PYTHON if set, else python3 on PATH (as its real executable), else the newest usable. */
export function defaultPython() {
  if (process.env.PYFRAME_PYTHON) return process.env.PYFRAME_PYTHON;
  const found = findPythons();
  const onPath = found.usable.find((p) => p.realpath === found.pathRealpath);
  const pick = onPath ?? found.usable[found.usable.length - 1];
  if (!pick) throw new Error("no usable Python found (see: node scripts/pythons.mjs)");
  return pick.executable;
}

export function formatReport(found) {
  const lines = [];
  const fmt = (p) => `${p.version.padEnd(8)} ${p.executable ?? p.path}${p.libpython ? `  (${p.libpython})` : ""}`;
  lines.push(`supported: ${found.supported.join(", ")}`);
  for (const p of found.usable) lines.push(`  usable    ${fmt(p)}`);
  for (const p of found.unusable) lines.push(`  unusable  ${fmt(p)}  -- ${p.reason}`);
  for (const p of found.ignored) lines.push(`  ignored   ${fmt(p)}  -- ${p.reason}`);
  lines.push(`missing: ${found.missing.length ? found.missing.join(", ") : "none"}`);
  return lines.join("\n");
}

function isMain() {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const found = findPythons();
  console.log(process.argv.includes("--json") ? JSON.stringify(found, null, 2) : formatReport(found));
}
