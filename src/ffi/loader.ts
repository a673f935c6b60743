/**
 * Finds the native library and the libpython to embed, and says exactly what was tried when
 * either is missing.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import process from "node:process";
import { dirname, join } from "node:path";
import supported from "./supported_pythons.json" with { type: "json" };
import { runtime } from "./_select.ts";
import {
  embedInBunExecutable,
  fetchPrebuilt,
  inBunExecutable,
  isLocalPackage,
  libraryName,
  localPackagePath,
  messageOf,
  noPrebuiltForThisMachine,
  prebuiltPath,
  sharedLibraryExtension,
} from "./_prebuilt.ts";

/** What pyframe embeds: the shared library, the prefix holding its standard library, and the
 * interpreter executable that becomes `sys.executable`. */
export interface PythonInstall {
  libpython: string;
  home: string;
  executable: string;
  version: string;
}

/** Thrown when no usable Python or native library is found; lists what was tried. */
export class LoadError extends Error {
  /** `"LoadError"`. */
  override name = "LoadError";
}

export const SUPPORTED_MINORS: readonly string[] = supported.minors;

/** The library of a package Deno imported over HTTP(S) (JSR), fetched before first use. */
const fetchedPrebuilt = isLocalPackage ? undefined : await fetchPrebuilt();

/** pyframe's native library, and what to do if it cannot be opened: that depends on where it came from. */
export interface NativeLibrary {
  path: string;
  remedy: string;
}

/** `PYFRAME_LIB` → the local `zig build` output → the packaged prebuilt library (fetched into the
 * user's cache when the package was imported over HTTPS). */
export function findNativeLibrary(): NativeLibrary {
  const explicit = process.env.PYFRAME_LIB;
  if (explicit) {
    if (existsSync(explicit)) {
      return { path: explicit, remedy: "set PYFRAME_LIB to one that is, or unset it to use the packaged one" };
    }
    throw new LoadError(
      `PYFRAME_LIB names '${explicit}', which does not exist; unset it or point it at ${libraryName}`,
    );
  }
  if (fetchedPrebuilt) {
    if ("error" in fetchedPrebuilt) throw new LoadError(fetchedPrebuilt.error);
    const remedy = "delete it to have it fetched again, or set PYFRAME_LIB to a local libpyframe";
    return { path: fetchedPrebuilt.path, remedy };
  }
  if (inBunExecutable) throw new LoadError(embedInBunExecutable);
  const built = localPackagePath(`zig-out/lib/${libraryName}`);
  if (existsSync(built)) return { path: built, remedy: "rebuild it with `npm run build`" };
  if (!prebuiltPath) throw new LoadError(noPrebuiltForThisMachine);
  const packaged = localPackagePath(prebuiltPath);
  if (existsSync(packaged)) {
    const remedy = "build one on this machine (`zig build` in a checkout of pyframe) and set PYFRAME_LIB to it " +
      "(the packaged Linux libraries need glibc)";
    return { path: packaged, remedy };
  }
  throw new LoadError(
    `pyframe's native library was not found; tried:\n  ${built}\n  ${packaged}\n` +
      "build it with `npm run build` (zig build), or set PYFRAME_LIB to its path",
  );
}

/**
 * Finds the CPython to embed, in the order users install it: `PYFRAME_PYTHON` (an interpreter or a
 * libpython file) → the active virtual environment (`VIRTUAL_ENV`) → `python3`/`python` on PATH →
 * pyenv's versions, newest first → a LoadError listing what was tried.
 *
 * @example
 * ```ts
 * import { findPython } from "./loader.ts";
 * const { libpython, version } = findPython();
 * ```
 */
export function findPython(): PythonInstall {
  const tried: string[] = [];
  const explicit = process.env.PYFRAME_PYTHON;
  if (explicit) {
    const found = isSharedLibrary(explicit) ? fromLibrary(explicit, tried) : fromInterpreter(explicit, tried);
    if (found) return found;
    throw new LoadError(`PYFRAME_PYTHON='${explicit}' is not usable:\n  ${tried.join("\n  ")}\n${howToFix(tried)}`);
  }
  for (const executable of candidateInterpreters()) {
    const found = fromInterpreter(executable, tried);
    if (found) return found;
  }
  throw new LoadError(`no usable CPython found; tried:\n  ${tried.join("\n  ")}\n${howToFix(tried)}`);
}

/** Interpreters to ask, best first. A venv's python is asked as itself: run from there, CPython
 * finds its pyvenv.cfg, so `sys.prefix` is the venv and its site-packages are on `sys.path`. */
function candidateInterpreters(): string[] {
  const candidates: string[] = [];
  const venv = process.env.VIRTUAL_ENV;
  if (venv) candidates.push(join(venv, "bin", "python3"), join(venv, "bin", "python"));
  candidates.push("python3", "python");
  candidates.push(...pyenvInterpreters());
  return candidates;
}

/** `<pyenv root>/versions/<version>/bin/python3` for the supported minors, newest first. */
function pyenvInterpreters(): string[] {
  const root = process.env.PYENV_ROOT || join(homedir(), ".pyenv");
  let names: string[];
  try {
    names = readdirSync(join(root, "versions"));
  } catch {
    return [];
  }
  const supportedName = (name: string) =>
    SUPPORTED_MINORS.some((minor) => name === minor || name.startsWith(`${minor}.`));
  return names.filter(supportedName).sort(byVersionDescending).map((name) =>
    join(root, "versions", name, "bin", "python3")
  )
    .filter((path) => existsSync(path));
}

function byVersionDescending(a: string, b: string): number {
  const pa = a.split(/\D+/).map(Number), pb = b.split(/\D+/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const difference = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (difference) return difference;
  }
  return 0;
}

const runRefused = "Deno's permissions refuse it: --allow-run";

function howToFix(tried: string[]): string {
  if (tried.some((line) => line.includes(runRefused))) {
    return "pyframe runs the interpreter once to find its libpython: allow it with `deno run --allow-run` " +
      "(or -A), or set PYFRAME_PYTHON to the libpython file, which runs nothing";
  }
  return `pyframe needs CPython ${SUPPORTED_MINORS.join(", ")} built with a shared libpython ` +
    "(pyenv: `env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.12`; Debian/Ubuntu: `apt install libpython3.X`); " +
    "set PYFRAME_PYTHON to its python executable or to its libpython file";
}

function isSharedLibrary(path: string): boolean {
  return /libpython3\.\d+.*\.(so|dylib)(\.[\d.]+)?$/.test(path);
}

/** Python code printing what the loader needs, as JSON. */
const describeInterpreter = `
import json, os, sys, sysconfig
v = sysconfig.get_config_var
print(json.dumps({
  "version": "%d.%d.%d" % sys.version_info[:3],
  "libdirs": [d for d in (v("LIBDIR"), v("LIBPL"), os.path.join(sys.base_prefix, "lib")) if d],
  "multiarch": v("MULTIARCH") or "",
  "names": [n for n in (v("LDLIBRARY"), v("INSTSONAME")) if n],
  "abiflags": getattr(sys, "abiflags", ""),
  "freeThreaded": bool(v("Py_GIL_DISABLED")),
  "home": sys.base_prefix,
  "executable": sys.executable,
}))
`;

/** What an interpreter says about itself (see `describeInterpreter`). */
export interface InterpreterDescription {
  version: string;
  libdirs: string[];
  multiarch: string;
  names: string[];
  abiflags: string;
  /** A free-threaded build (3.13t): its objects and frames are laid out otherwise. */
  freeThreaded?: boolean;
  home: string;
  executable: string;
}

/**
 * The shared libpython an interpreter was built with, or undefined. Looks in LIBDIR, its
 * multiarch subfolder (Debian), LIBPL and `<base prefix>/lib`, for the configured names and for
 * `libpython3.X.so.1.0`, which installs without the development symlink still ship. A statically
 * linked interpreter is fine when such a library sits beside it.
 *
 * @example
 * ```ts
 * import { sharedLibraryOf } from "./loader.ts";
 * sharedLibraryOf({ version: "3.12.1", libdirs: ["/usr/lib"], multiarch: "", names: [], abiflags: "",
 *   home: "/usr", executable: "/usr/bin/python3" }); // "/usr/lib/libpython3.12.so.1.0" if it exists
 * ```
 */
export function sharedLibraryOf(description: InterpreterDescription): string | undefined {
  const minor = description.version.split(".").slice(0, 2).join(".");
  const base = `libpython${minor}${description.abiflags}`;
  const names = [...description.names, `${base}.${sharedLibraryExtension}`, `${base}.so.1.0`].filter((name) =>
    isSharedLibrary(name)
  );
  const directories = description.libdirs.flatMap((dir) =>
    description.multiarch ? [dir, join(dir, description.multiarch)] : [dir]
  );
  for (const directory of directories) {
    for (const name of names) {
      const candidate = join(directory, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

function fromInterpreter(executable: string, tried: string[]): PythonInstall | undefined {
  let description: InterpreterDescription;
  try {
    const output = execFileSync(executable, ["-I", "-c", describeInterpreter], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    description = JSON.parse(output);
  } catch (error) {
    // Deno's node:child_process reports a refused --allow-run as a bare "Command failed".
    const why = runtime.mayRun(executable) ? firstLine(error) : runRefused;
    tried.push(`${executable}: could not run it (${why})`);
    return undefined;
  }
  const minor = description.version.split(".").slice(0, 2).join(".");
  if (!SUPPORTED_MINORS.includes(minor)) {
    tried.push(
      `${executable}: CPython ${description.version} is not supported (supported: ${SUPPORTED_MINORS.join(", ")})`,
    );
    return undefined;
  }
  if (description.freeThreaded) {
    tried.push(`${executable}: CPython ${description.version} ${freeThreadedRefusal(minor)}`);
    return undefined;
  }
  const libpython = sharedLibraryOf(description);
  if (!libpython) {
    tried.push(
      `${executable}: CPython ${description.version} has no shared libpython (looked in ${
        description.libdirs.join(", ")
      })`,
    );
    return undefined;
  }
  return { libpython, home: description.home, executable: description.executable, version: description.version };
}

function fromLibrary(libpython: string, tried: string[]): PythonInstall | undefined {
  if (!existsSync(libpython)) {
    tried.push(`${libpython}: no such file`);
    return undefined;
  }
  const [, minor, freeThreaded] = /libpython(3\.\d+)(t?)/.exec(libpython)!;
  if (freeThreaded) {
    tried.push(`${libpython}: ${freeThreadedRefusal(minor)}`);
    return undefined;
  }
  const home = prefixOf(libpython, minor);
  if (!home) {
    tried.push(`${libpython}: no standard library (lib/python${minor}/os.py) in any folder above it`);
    return undefined;
  }
  const executable =
    [join(home, "bin", `python${minor}`), join(home, "bin", "python3")].find((path) => existsSync(path)) ?? "";
  return { libpython, home, executable, version: minor };
}

/** The prefix holding `lib/python3.X/os.py`, searched upwards from the library: `<prefix>/lib`
 * for most installs, `<prefix>/lib/<multiarch>` for Debian's. */
function prefixOf(libpython: string, minor: string): string | undefined {
  for (let directory = dirname(libpython); directory !== dirname(directory); directory = dirname(directory)) {
    if (existsSync(join(directory, "lib", `python${minor}`, "os.py"))) return directory;
  }
  return undefined;
}

/** Free-threaded builds keep reference counts, objects and frames in other layouts than the ones
 * pyframe's native side reads and writes: refused, rather than let it corrupt them. */
function freeThreadedRefusal(minor: string): string {
  return `is a free-threaded build (${minor}t), which pyframe does not support: use the default build ` +
    `(python${minor}, libpython${minor}.so)`;
}

/** The first line of a thrown value's text. */
export function firstLine(error: unknown): string {
  return messageOf(error).split("\n")[0];
}
