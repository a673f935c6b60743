import { test } from "uvu";
import * as assert from "uvu/assert";
import process from "node:process";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findNativeLibrary, findPython, LoadError, sharedLibraryOf, SUPPORTED_MINORS } from "../src/ffi/loader.ts";
import { load } from "../src/ffi/mod.ts";
import { prebuiltTarget } from "../src/ffi/_prebuilt.ts";
import { scratchDirectory } from "./_scratch.ts";

function withEnv<T>(name: string, value: string | undefined, body: () => T): T {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

test("each platform with a packaged library names a target build.zig builds; others name none", () => {
  const buildZig = readFileSync(new URL("../build.zig", import.meta.url), "utf8");
  const built = buildZig.match(/const prebuilt_targets = [^{]*\{([^}]*)\}/)![1].match(/"[^"]+"/g)!.map((quoted) =>
    JSON.parse(quoted)
  );
  const named = ["linux", "darwin"].flatMap((os) => ["x64", "arm64"].map((cpu) => prebuiltTarget(os, cpu)));
  assert.equal(named.sort(), [...built].sort());
  for (const [os, cpu] of [["win32", "x64"], ["linux", "ia32"], ["freebsd", "x64"], ["darwin", "ppc64"]]) {
    assert.is(prebuiltTarget(os, cpu), undefined, `${os} ${cpu}`);
  }
});

test("PYFRAME_PYTHON naming a missing interpreter is an error listing what was tried and how to fix it", () => {
  const error = withEnv("PYFRAME_PYTHON", "/nonexistent/bin/python3", () => {
    try {
      findPython();
    } catch (e) {
      return e;
    }
  });
  assert.instance(error, LoadError);
  assert.match(String(error), /PYFRAME_PYTHON='\/nonexistent\/bin\/python3' is not usable/);
  assert.match(String(error), /\/nonexistent\/bin\/python3: could not run it/);
  assert.match(String(error), /set PYFRAME_PYTHON to its python executable or to its libpython file/);
});

test("an unsupported Python version is refused with the supported list", () => {
  const old = "/root/.pyenv/versions/3.10.13/bin/python3";
  const error = withEnv("PYFRAME_PYTHON", old, () => {
    try {
      findPython();
    } catch (e) {
      return e;
    }
  });
  // Only meaningful where an older CPython exists; otherwise the interpreter cannot be run at all.
  assert.instance(error, LoadError);
  const supported = SUPPORTED_MINORS.join(", ").replaceAll(".", "\\.");
  assert.match(String(error), new RegExp(`not supported \\(supported: ${supported}\\)|could not run it`));
});

test("a free-threaded CPython (3.13t), as an interpreter or its libpython, is refused, saying which build to use", () => {
  // An interpreter that describes itself as a free-threaded 3.13, with its shared library beside it.
  const prefix = scratchDirectory("free-threaded");
  mkdirSync(join(prefix, "bin"));
  mkdirSync(join(prefix, "lib", "python3.13t"), { recursive: true });
  const library = join(prefix, "lib", "libpython3.13t.so");
  writeFileSync(library, "");
  writeFileSync(join(prefix, "lib", "python3.13t", "os.py"), "");
  const interpreter = join(prefix, "bin", "python3.13t");
  const description = {
    version: "3.13.0",
    libdirs: [join(prefix, "lib")],
    multiarch: "",
    names: ["libpython3.13t.so"],
    abiflags: "t",
    freeThreaded: true,
    home: prefix,
    executable: interpreter,
  };
  writeFileSync(interpreter, `#!/bin/sh\necho '${JSON.stringify(description)}'\n`, { mode: 0o755 });
  // Both were taken: the native side would then read and write objects and frames laid out otherwise.
  for (const named of [interpreter, library]) {
    assert.throws(
      () => withEnv("PYFRAME_PYTHON", named, () => findPython()),
      /is a free-threaded build \(3\.13t\), which pyframe does not support: use the default build \(python3\.13/,
      named,
    );
  }
});

test("PYFRAME_PYTHON may name a libpython file directly", () => {
  const { install } = load();
  const found = withEnv("PYFRAME_PYTHON", install.libpython, () => findPython());
  assert.is(found.libpython, install.libpython);
  assert.is(found.home, install.home);
  assert.ok(found.executable.includes("/bin/python3"), found.executable);
});

test("PYFRAME_LIB naming a missing file is an error saying how to fix it", () => {
  assert.throws(
    () => withEnv("PYFRAME_LIB", "/nonexistent/libpyframe.so", () => findNativeLibrary()),
    /PYFRAME_LIB names '\/nonexistent\/libpyframe.so', which does not exist/,
  );
});

test("the running interpreter is one of the supported versions, and the native side agrees", () => {
  const { install, native } = load();
  const minor = install.version.split(".").slice(0, 2).join(".");
  assert.ok(SUPPORTED_MINORS.includes(minor));
  const hex = native.pyframe_python_version();
  assert.is(`${hex >>> 24}.${(hex >>> 16) & 0xff}`, minor);
});

test("a Python process loading the native library binds to its own running CPython, not a second one", () => {
  // Debian's python3 holds CPython in its executable: loading the libpython named by the caller
  // brought a second, uninitialised CPython into the process, and the child died of SIGSEGV.
  const { install, nativePath } = load();
  const child = execFileSync(install.executable, [
    "-c",
    `import ctypes, sys
native = ctypes.PyDLL(sys.argv[1])
opened = native.pyframe_open(b"/nonexistent/libpython3.so", None, None)
print(opened, native.pyframe_python_version() == sys.hexversion)`,
    nativePath,
  ], { encoding: "utf8", timeout: 60_000 });
  assert.is(child.trim(), "0 True", "opened without loading the path, and bound to this interpreter");
});

function withEnvs<T>(values: Record<string, string | undefined>, body: () => T): T {
  const entries = Object.entries(values);
  const run = (i: number): T => i === entries.length ? body() : withEnv(entries[i][0], entries[i][1], () => run(i + 1));
  return run(0);
}

test("an active venv (VIRTUAL_ENV) is chosen before PATH, as its own python, so sys.prefix becomes the venv", () => {
  const { install } = load();
  const venv = join(scratchDirectory("venv"), "env");
  execFileSync(install.executable, ["-m", "venv", "--without-pip", venv]);
  const found = withEnvs({ PYFRAME_PYTHON: undefined, VIRTUAL_ENV: venv }, () => findPython());
  assert.ok(found.executable.startsWith(venv), found.executable);
  assert.is(found.home, install.home, "home stays the base installation (its standard library)");
  assert.is(found.libpython, install.libpython);
});

test("a libpython3.X.so.1.0 without the development symlink is found, in LIBDIR or its multiarch folder", () => {
  const prefix = scratchDirectory("lib");
  mkdirSync(join(prefix, "lib", "x86_64-linux-gnu"), { recursive: true });
  writeFileSync(join(prefix, "lib", "x86_64-linux-gnu", "libpython3.12.so.1.0"), "");
  const description = {
    version: "3.12.3",
    libdirs: [join(prefix, "lib")],
    multiarch: "x86_64-linux-gnu",
    names: ["libpython3.12.so"],
    abiflags: "",
    home: prefix,
    executable: join(prefix, "bin", "python3"),
  };
  assert.is(sharedLibraryOf(description), join(prefix, "lib", "x86_64-linux-gnu", "libpython3.12.so.1.0"));
  assert.is(sharedLibraryOf({ ...description, multiarch: "" }), undefined);
});

test("PYFRAME_PYTHON naming a libpython finds the prefix holding its standard library (Debian's layout too)", () => {
  const prefix = scratchDirectory("debian");
  const library = join(prefix, "lib", "x86_64-linux-gnu", "libpython3.11.so.1.0");
  mkdirSync(join(prefix, "lib", "x86_64-linux-gnu"), { recursive: true });
  mkdirSync(join(prefix, "lib", "python3.11"), { recursive: true });
  writeFileSync(library, "");
  writeFileSync(join(prefix, "lib", "python3.11", "os.py"), "");
  const found = withEnv("PYFRAME_PYTHON", library, () => findPython());
  assert.is(found.home, prefix);
  assert.is(found.libpython, library);
  const orphan = join(scratchDirectory("orphan"), "libpython3.11.so.1.0");
  writeFileSync(orphan, "");
  assert.throws(
    () => withEnv("PYFRAME_PYTHON", orphan, () => findPython()),
    /no standard library \(lib\/python3\.11\/os\.py\) in any folder above it/,
  );
});

test("with no python on PATH and no venv, pyenv's installed versions are used, newest first", () => {
  const root = process.env.PYENV_ROOT || join(homedir(), ".pyenv");
  const versions = existsSync(join(root, "versions")) ? readdirSync(join(root, "versions")) : [];
  if (!versions.some((name) => SUPPORTED_MINORS.some((minor) => name.startsWith(`${minor}.`)))) {
    return console.log(`SKIPPED pyenv test: no supported CPython under ${root}/versions`);
  }
  const emptyPath = scratchDirectory("no-python"); // "" would let Bun fall back to /usr/bin
  const found = withEnvs({ PYFRAME_PYTHON: undefined, VIRTUAL_ENV: undefined, PATH: emptyPath }, () => findPython());
  assert.ok(found.executable.startsWith(join(root, "versions")), found.executable);
});

test("Deno without --allow-run: the error says to allow it or to name the libpython, which needs no process", () => {
  if (!("Deno" in globalThis)) return console.log("SKIPPED --allow-run test: Bun has no permissions to refuse");
  const { install } = load();
  const script = join(scratchDirectory("permissions"), "no_run.ts");
  const mod = new URL("../mod.ts", import.meta.url).href;
  writeFileSync(script, `import { python } from "${mod}";\nconsole.log(python.eval("1 + 2"));\n`);
  const run = (python: string) =>
    spawnSync(process.execPath, ["run", "--allow-ffi", "--allow-read", "--allow-env", "--no-prompt", script], {
      encoding: "utf8",
      env: { ...process.env, PYFRAME_PYTHON: python },
      timeout: 60_000,
    });
  // It said "could not run it (Command failed: ...)", as if the interpreter were broken.
  const refused = run(install.executable);
  assert.is.not(refused.status, 0);
  assert.match(refused.stderr, /could not run it \(Deno's permissions refuse it: --allow-run\)/);
  assert.match(
    refused.stderr,
    /allow it with `deno run --allow-run` \(or -A\), or set PYFRAME_PYTHON to the libpython/,
  );
  const direct = run(install.libpython);
  assert.is(direct.status, 0, direct.stderr);
  assert.is(direct.stdout.trim(), "3");
});

test("a PYFRAME_LIB that is no library for this machine, or a libpyframe lacking a symbol, is a LoadError saying so", () => {
  const { install } = load();
  const folder = scratchDirectory("bad-library");
  const script = join(folder, "use.ts");
  const mod = new URL("../mod.ts", import.meta.url).href;
  writeFileSync(
    script,
    `import { python } from "${mod}";\ntry { python.eval("1"); } catch (e) { console.log(JSON.stringify([e.name, e.message])); }\n`,
  );
  const notALibrary = join(folder, "libpyframe.so");
  writeFileSync(notALibrary, "not a library");
  const runWith = (library: string) => {
    const args = "Deno" in globalThis ? ["run", "-A", script] : ["run", script];
    const child = spawnSync(process.execPath, args, {
      encoding: "utf8",
      env: { ...process.env, PYFRAME_LIB: library },
      timeout: 60_000,
    });
    assert.is(child.status, 0, child.stderr);
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as [string, string];
  };
  // They were the runtime's bare errors ("Could not open library: ... file too short", "Failed to
  // register symbol pyframe_...") with nothing of pyframe's library, or what to do.
  const [name, message] = runWith(notALibrary);
  assert.is(name, "LoadError");
  assert.match(message, `could not load pyframe's native library ${notALibrary}: `);
  assert.match(message, "file too short");
  assert.match(message, `it must be libpyframe built for this machine (${process.platform} ${process.arch})`);
  assert.match(message, "set PYFRAME_LIB to one that is, or unset it to use the packaged one");
  const [otherName, otherMessage] = runWith(install.libpython); // a library, without pyframe's symbols
  assert.is(otherName, "LoadError");
  assert.match(otherMessage, /pyframe_\w+/);
  assert.match(otherMessage, "it is not the library this TypeScript expects");
});

test.run();
