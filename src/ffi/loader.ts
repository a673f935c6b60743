/**
 * Finds the native library and the libpython to embed, and says exactly what was tried when
 * either is missing.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { arch, platform } from "node:process";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import supported from "./supported_pythons.json" with { type: "json" };

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
  override name = "LoadError";
}

export const SUPPORTED_MINORS: readonly string[] = supported.minors;

const sharedLibraryExtension = platform === "darwin" ? "dylib" : "so";
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `PYFRAME_LIB` → the local `zig build` output → the packaged prebuilt library. */
export function findNativeLibrary(): string {
  const tried: string[] = [];
  const explicit = process.env.PYFRAME_LIB;
  if (explicit) {
    if (existsSync(explicit)) return explicit;
    throw new LoadError(`PYFRAME_LIB names '${explicit}', which does not exist; unset it or point it at libpyframe.${sharedLibraryExtension}`);
  }
  const candidates = [
    join(repositoryRoot, "zig-out", "lib", `libpyframe.${sharedLibraryExtension}`),
    join(repositoryRoot, "prebuilt", prebuiltTriple(), `libpyframe.${sharedLibraryExtension}`),
  ];
  for (const candidate of candidates) {
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
  }
  throw new LoadError(
    `pyframe's native library was not found; tried:\n  ${tried.join("\n  ")}\n` +
      "build it with `npm run build` (zig build), or set PYFRAME_LIB to its path",
  );
}

function prebuiltTriple(): string {
  const cpu = arch === "arm64" ? "aarch64" : "x86_64";
  return platform === "darwin" ? `${cpu}-macos` : `${cpu}-linux-gnu`;
}

/** `PYFRAME_PYTHON` (an interpreter or a libpython) → `python3` on PATH → a LoadError. */
export function findPython(): PythonInstall {
  const tried: string[] = [];
  const explicit = process.env.PYFRAME_PYTHON;
  if (explicit) {
    const found = isSharedLibrary(explicit) ? fromLibrary(explicit, tried) : fromInterpreter(explicit, tried);
    if (found) return found;
    throw new LoadError(`PYFRAME_PYTHON='${explicit}' is not usable:\n  ${tried.join("\n  ")}\n${howToFix()}`);
  }
  for (const name of ["python3", "python"]) {
    const found = fromInterpreter(name, tried);
    if (found) return found;
  }
  throw new LoadError(`no usable CPython found; tried:\n  ${tried.join("\n  ")}\n${howToFix()}`);
}

function howToFix(): string {
  return `pyframe needs CPython ${SUPPORTED_MINORS.join(", ")} built with a shared libpython ` +
    "(pyenv: `env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.12`); " +
    "set PYFRAME_PYTHON to its python executable or to its libpython file";
}

function isSharedLibrary(path: string): boolean {
  return /libpython3\.\d+.*\.(so|dylib)(\.[\d.]+)?$/.test(path);
}

/** Python code printing what the loader needs, as JSON. */
const describeInterpreter = `
import json, os, sys, sysconfig
v = sysconfig.get_config_var
libdir = v("LIBDIR") or ""
names = [v("LDLIBRARY"), v("INSTSONAME"), "libpython%d.%d.so.1.0" % sys.version_info[:2]]
print(json.dumps({
  "version": "%d.%d.%d" % sys.version_info[:3],
  "shared": bool(v("Py_ENABLE_SHARED") or v("PYTHONFRAMEWORK")),
  "candidates": [os.path.join(libdir, n) for n in names if n],
  "home": sys.base_prefix,
  "executable": sys.executable,
}))
`;

interface Description {
  version: string;
  shared: boolean;
  candidates: string[];
  home: string;
  executable: string;
}

function fromInterpreter(executable: string, tried: string[]): PythonInstall | undefined {
  let description: Description;
  try {
    const output = execFileSync(executable, ["-I", "-c", describeInterpreter], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    description = JSON.parse(output);
  } catch (error) {
    tried.push(`${executable}: could not run it (${firstLine(error)})`);
    return undefined;
  }
  const minor = description.version.split(".").slice(0, 2).join(".");
  if (!SUPPORTED_MINORS.includes(minor)) {
    tried.push(`${executable}: CPython ${description.version} is not supported (supported: ${SUPPORTED_MINORS.join(", ")})`);
    return undefined;
  }
  const libpython = description.candidates.find((candidate) => isSharedLibrary(candidate) && existsSync(candidate));
  if (!libpython) {
    tried.push(`${executable}: CPython ${description.version} has no shared libpython (looked for ${description.candidates.join(", ")})`);
    return undefined;
  }
  return { libpython, home: description.home, executable: description.executable, version: description.version };
}

function fromLibrary(libpython: string, tried: string[]): PythonInstall | undefined {
  if (!existsSync(libpython)) {
    tried.push(`${libpython}: no such file`);
    return undefined;
  }
  // <prefix>/lib/libpython3.X.so → <prefix>; the interpreter beside it names sys.executable.
  const match = /libpython(3\.\d+)/.exec(libpython)!;
  const home = dirname(dirname(libpython));
  const executable = [join(home, "bin", `python${match[1]}`), join(home, "bin", "python3")].find(existsSync) ?? "";
  return { libpython, home, executable, version: match[1] };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}
