/**
 * The native library packaged with pyframe, wherever the package came from: a folder of the
 * package (a checkout, npm's node_modules, JSR's npm compatibility layer), or, when Deno imports
 * pyframe over HTTPS from JSR, a file fetched once from beside the modules into the user's cache,
 * as `dlopen` needs a local file.
 *
 * @module
 */

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process, { arch, platform } from "node:process";
import { fileURLToPath } from "node:url";

/** Shared libraries' file extension on this platform. */
export const sharedLibraryExtension = platform === "darwin" ? "dylib" : "so";

/** pyframe's native library's file name on this platform. */
export const libraryName = `libpyframe.${sharedLibraryExtension}`;

/** The package's root: two folders above this module (`src/ffi/`), as published and as built. */
export const packageRoot: URL = new URL("../../", import.meta.url);

/** Whether the package's files are local (else Deno imported it over HTTP(S)). */
export const isLocalPackage = packageRoot.protocol === "file:";

const thisMachine = prebuiltTarget();

/** The packaged library for this machine, relative to the package's root; undefined where none
 * is packaged. */
export const prebuiltPath: string | undefined = thisMachine && `prebuilt/${thisMachine}/${libraryName}`;

/** Why a machine has no packaged library, and what to do instead. */
export const noPrebuiltForThisMachine = `pyframe ships no prebuilt native library for ${platform} on ${arch} ` +
  "(it ships them for x64 and arm64 Linux with glibc, and macOS): build one with `zig build` in a checkout " +
  "of pyframe and set PYFRAME_LIB to it";

/** Whether this runs in a single-file executable made by `bun build --compile`: its modules live in
 * Bun's embedded file system, which holds no file the program did not import. */
export const inBunExecutable = /\$bunfs|~BUN/.test(import.meta.url);

/** How a single-file executable gets the library: the program imports it as a file, which Bun
 * embeds and, when opened, writes out to a temporary file for `dlopen`. */
export const embedInBunExecutable = "pyframe runs in a single-file executable (`bun build --compile`), which carries " +
  "no native library unless the program embeds it: before pyframe's first use, import it as a file and name it " +
  `in PYFRAME_LIB:\n  import library from "@pyframe/dynamo/${prebuiltPath ?? `prebuilt/<target>/${libraryName}`}" ` +
  'with { type: "file" };\n  process.env.PYFRAME_LIB ||= library;\n' +
  "or ship the library beside the executable and set PYFRAME_LIB to its path";

/** A file or folder of the local package, as a path. */
export function localPackagePath(relative: string): string {
  return fileURLToPath(new URL(relative, packageRoot));
}

/** The `zig build prebuilt` target (build.zig) for a platform and architecture as Node names them. */
export function prebuiltTarget(os: string = platform, cpu: string = arch): string | undefined {
  const zigCpu = ({ x64: "x86_64", arm64: "aarch64" } as Record<string, string>)[cpu];
  const zigOs = ({ linux: "linux-gnu", darwin: "macos" } as Record<string, string>)[os];
  return zigCpu && zigOs ? `${zigCpu}-${zigOs}` : undefined;
}

/** Where a fetched library is kept: the platform's cache folder (`XDG_CACHE_HOME`, else
 * `~/.cache`; `~/Library/Caches` on macOS), under a path spelling its URL (JSR's name the package
 * and its version, which JSR never serves other content under). */
function cachedLibraryPath(url: URL): string {
  const cacheHome = process.env.XDG_CACHE_HOME ||
    (platform === "darwin" ? join(homedir(), "Library", "Caches") : join(homedir(), ".cache"));
  // URL parsing has resolved "." and ".." segments; what could still mislead a path goes.
  const parts = [url.host, ...url.pathname.split("/").filter(Boolean)].map((part) => part.replace(/[^\w@.-]/g, "_"));
  return join(cacheHome, "pyframe", ...parts);
}

/**
 * The packaged library of a package imported over HTTP(S), fetched into the cache unless already
 * there (or undefined when `PYFRAME_LIB` names a library to use instead); or why it could not be
 * had, for the loader to throw when pyframe is first used (an import never fails for it).
 */
export async function fetchPrebuilt(): Promise<{ path: string } | { error: string } | undefined> {
  if (libraryNamedByEnvironment()) return undefined;
  if (!prebuiltPath) return { error: noPrebuiltForThisMachine };
  const url = new URL(prebuiltPath, packageRoot);
  const howToAvoid = "or set PYFRAME_LIB to a local libpyframe (`zig build` in a checkout of pyframe makes one)";
  let path = "the cache";
  try {
    path = cachedLibraryPath(url); // Deno: reading HOME needs --allow-env, like the rest of pyframe
    if (existsSync(path)) return { path };
  } catch (error) {
    return { error: `could not look for pyframe's native library in ${path}: ${messageOf(error)}; ${howToAvoid}` };
  }
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) {
      await response.body?.cancel();
      return {
        error: `pyframe's native library for this machine is not at ${url} (HTTP ${response.status}); ` +
          `this platform may have no prebuilt library: ${howToAvoid}`,
      };
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return { error: `could not fetch pyframe's native library from ${url}: ${messageOf(error)}; ${howToAvoid}` };
  }
  try {
    writeAtomically(path, bytes);
  } catch (error) {
    return { error: `could not keep pyframe's native library in ${path}: ${messageOf(error)}; ${howToAvoid}` };
  }
  return { path };
}

/** Whether `PYFRAME_LIB` is set; not when it cannot be read (Deno without `--allow-env`, which
 * the loader's own read of it reports at first use). */
function libraryNamedByEnvironment(): boolean {
  try {
    return !!process.env.PYFRAME_LIB;
  } catch {
    return false;
  }
}

/** Written under a temporary name, then renamed: a process loading the library meanwhile never
 * sees half of it, and two processes fetching at once both end with a whole file. */
function writeAtomically(path: string, bytes: Uint8Array): void {
  const folder = join(path, "..");
  mkdirSync(folder, { recursive: true });
  const partial = join(folder, `.${libraryName}.${process.pid}.${Date.now()}`);
  try {
    writeFileSync(partial, bytes, { mode: 0o755 });
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** The text of a thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
