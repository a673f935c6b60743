import { test } from "uvu";
import * as assert from "uvu/assert";
import process from "node:process";
import { findNativeLibrary, findPython, LoadError, SUPPORTED_MINORS } from "../src/ffi/loader.ts";
import { load } from "../src/ffi/mod.ts";

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
  assert.match(String(error), /not supported \(supported: 3\.11, 3\.12, 3\.13\)|could not run it/);
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

test.run();
