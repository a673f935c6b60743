import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { load } from "../src/ffi/mod.ts";
import { lastJsonLine, runChild } from "./_child.ts";

// A venv per CPython version under .cache/ (ignored by git), built once and reused: reruns and the
// other runtime skip the install. Only a registry that cannot be reached, or an interpreter that
// cannot make a venv with pip (Debian ships that part apart), skips the test, saying so.
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { install } = load();
const venv = join(root, ".cache", "venvs", `cpython-${install.version}`);
const packages = ["tomli-w", "numpy"];
const ready = join(venv, `.ready-${packages.join("-")}`);

/** Builds the venv in a scratch folder and renames it into place, so a half-built one is never used. */
function buildVenv(): string | undefined {
  if (existsSync(ready)) return undefined;
  const scratch = `${venv}.building-${process.pid}`;
  mkdirSync(dirname(venv), { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
  const created = spawnSync(install.executable, ["-m", "venv", scratch], { encoding: "utf8" });
  if (created.status !== 0 && /ensurepip is not\s+available/.test(created.stdout + created.stderr)) {
    rmSync(scratch, { recursive: true, force: true });
    return `CPython ${install.version} here has no ensurepip, so its venvs get no pip (Debian: python3.X-venv)`;
  }
  assert.is(created.status, 0, `python -m venv failed: ${created.stderr}`);
  const pip = spawnSync(join(scratch, "bin", "python"), [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "-q",
    ...packages,
  ], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (pip.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    const output = `${pip.stdout}${pip.stderr}`;
    const unreachable =
      /NewConnectionError|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|ProxyError|No matching distribution found/i;
    if (unreachable.test(output)) return `the package registry is unreachable (${output.trim().split("\n").at(-1)})`;
    assert.unreachable(`pip install ${packages.join(" ")} failed:\n${output}`);
  }
  writeFileSync(join(scratch, `.ready-${packages.join("-")}`), "");
  rmSync(venv, { recursive: true, force: true });
  try {
    renameSync(scratch, venv);
  } catch (error) {
    if (!existsSync(ready)) throw error; // another run finished first: use its venv
    rmSync(scratch, { recursive: true, force: true });
  }
  return undefined;
}

function venvChildReport(env: Record<string, string | undefined>) {
  return lastJsonLine(runChild("test/_venv_child.ts", { cwd: root, env, timeout: 120_000 }));
}

test("an active venv (VIRTUAL_ENV) is embedded: sys.prefix is the venv, a package only there imports, numpy works", () => {
  const skipped = buildVenv();
  if (skipped) return console.log(`SKIPPED venv test: ${skipped}`);
  // Empty, not deleted: Deno's child_process adds to the parent's environment, so a missing key
  // would be inherited. pyframe treats an empty PYFRAME_PYTHON as unset.
  const seen = venvChildReport({ ...process.env, VIRTUAL_ENV: venv, PYFRAME_PYTHON: "" });
  assert.ok(seen.executable.startsWith(venv), `embedded ${seen.executable}, not the venv's python`);
  assert.is(seen.prefix, venv);
  assert.is(seen.basePrefix, install.home);
  assert.ok(
    seen.path.some((entry: string) => entry.startsWith(venv) && entry.endsWith("site-packages")),
    String(seen.path),
  );
  assert.ok(seen.tomliFile.startsWith(venv), `tomli_w came from ${seen.tomliFile}`);
  assert.is(seen.toml, "answer = 42\n");
  assert.ok(seen.numpyFile.startsWith(venv), `numpy came from ${seen.numpyFile}`);
  assert.is(seen.sum, 15);
  assert.is(seen.sumType, "int64");
  assert.equal(seen.matrix, [[0, 1, 2], [3, 4, 5]]);
  assert.equal(seen.view, [0, 1, 2, 3]);
  assert.is(seen.mean, 2);
});

test("without VIRTUAL_ENV the venv's packages are not visible", () => {
  if (!existsSync(ready)) return console.log("SKIPPED: no venv was built (see the test above)");
  const result = spawnSync(install.executable, ["-c", "import tomli_w"], { encoding: "utf8" });
  assert.is.not(result.status, 0, "tomli_w must come from the venv only, or the test above proves nothing");
});

test.run();
