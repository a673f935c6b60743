// The packages as users get them, outside this checkout: the npm tarball installed into a project of
// its own and run there (Deno and Bun), and the files JSR publishes imported over HTTP (Deno; Bun
// imports no URLs), the native library fetched once into the user's cache.
//
// The tarball is `npm pack`'s (scripts/package.mjs): scripts/test.mjs makes it once and names it in
// PYFRAME_PACKAGE_TARBALL; run alone, this file packs it itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/ffi/mod.ts";
import { libraryName, prebuiltTarget } from "../src/ffi/_prebuilt.ts";
import { scratchDirectory } from "./_scratch.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = scratchDirectory("package");
const isDeno = runtime.name === "deno";
const thisMachine = `prebuilt/${prebuiltTarget()}/${libraryName}`;

/** The seed's example, a call into JS and back, and the Python that ran, as one JSON line. */
function consumerSource(specifier: string): string {
  return `
import { ast, Dynamo, kw, python } from ${JSON.stringify(specifier)};
console.log("imported");

class ScaleConstants extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
}
python.exec("def bob():\\n    return 1 + 2\\n");
const seed = [python.eval("bob()")];
{
  using _ = new Dynamo((frame) => {
    if (frame.name !== "bob") return;
    return ast.compile(new ScaleConstants().visit(ast.parse(frame.source)), frame);
  });
  seed.push(python.eval("bob()"));
}
seed.push(python.eval("bob()"));
using sorted = python.builtins.get("sorted");
const callback = sorted.call(["b", "C", "a"], kw({ key: (s: string) => s.toLowerCase() })).toJS();
console.log(JSON.stringify({ seed, callback, version: python.version }));
`;
}

/** Environment for a consumer: no PYFRAME_LIB (empty reads as unset: Deno's child_process adds
 * to the parent's environment), the user's cache and Deno's in the scratch folder. */
function consumerEnv(cache: string): Record<string, string> {
  return {
    ...process.env as Record<string, string>,
    PYFRAME_LIB: "",
    XDG_CACHE_HOME: join(cache, "cache"),
    DENO_DIR: join(cache, "deno"),
  };
}

/** Environment for npm: temporary files in the scratch folder (newer Node.js keeps npm's compile
 * cache in the temporary folder, and would leave it there). */
function npmEnv(): Record<string, string> {
  const temporary = join(scratch, "npm-tmp");
  mkdirSync(temporary, { recursive: true });
  return { ...process.env as Record<string, string>, TMPDIR: temporary };
}

function runArguments(file: string, denoFlags = ["-A"]): string[] {
  return isDeno ? ["run", ...denoFlags, file] : ["run", file];
}

/** What a consumer printed last, parsed; a failed run fails the test with its output. */
function lastJsonLine(status: number | null, stdout: string, stderr: string): Record<string, unknown> {
  assert.is(status, 0, `the consumer failed (${status}):\n${stdout}\n${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function expectedVersion(): string {
  const python = process.env.PYFRAME_PYTHON || "python3";
  const result = spawnSync(python, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" });
  return result.stdout.trim();
}

function packedTarball(): string {
  const given = process.env.PYFRAME_PACKAGE_TARBALL;
  if (given) return given;
  const destination = join(scratch, "packed");
  mkdirSync(destination);
  const result = spawnSync("npm", ["pack", "--pack-destination", destination], {
    cwd: root,
    env: npmEnv(),
    encoding: "utf8",
    timeout: 600_000,
  });
  assert.is(result.status, 0, `npm pack failed:\n${result.stdout}\n${result.stderr}`);
  return join(destination, readdirSync(destination).find((name) => name.endsWith(".tgz"))!);
}

let installedProject: string | undefined;

/** A project of its own with the npm tarball installed, made once per run. */
function npmProject(): string {
  if (installedProject) return installedProject;
  const project = join(scratch, "npm-project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", packedTarball()], {
    cwd: project,
    env: npmEnv(),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.is(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
  return installedProject = project;
}

test("the npm tarball, installed into a project of its own, runs the seed's example with its prebuilt library", () => {
  const project = npmProject();
  const installed = join(project, "node_modules", "@pyframe", "dynamo");
  // JavaScript and declarations, the library for each packaged target, and nothing of the checkout's.
  assert.ok(existsSync(join(installed, "dist", "mod.js")) && existsSync(join(installed, "dist", "mod.d.ts")));
  for (const target of ["x86_64-linux-gnu", "aarch64-linux-gnu"]) {
    assert.ok(existsSync(join(installed, "dist", "prebuilt", target, "libpyframe.so")), `no ${target} library`);
  }
  for (const target of ["x86_64-macos", "aarch64-macos"]) {
    assert.ok(existsSync(join(installed, "dist", "prebuilt", target, "libpyframe.dylib")), `no ${target} library`);
  }
  assert.not.ok(existsSync(join(installed, "src")) || existsSync(join(installed, "test")), "sources were packed");

  writeFileSync(join(project, "main.ts"), consumerSource("@pyframe/dynamo"));
  const run = spawnSync(process.execPath, runArguments("main.ts"), {
    cwd: project,
    encoding: "utf8",
    env: consumerEnv(project),
    timeout: 120_000,
  });
  const seen = lastJsonLine(run.status, run.stdout, run.stderr);
  assert.equal(seen, { seed: [3, 30, 3], callback: ["a", "b", "C"], version: expectedVersion() });
  if (isDeno) {
    // The declarations type the example as the sources do.
    const check = spawnSync(process.execPath, ["check", "main.ts"], { cwd: project, encoding: "utf8" });
    assert.is(check.status, 0, `deno check of the consumer failed:\n${check.stdout}\n${check.stderr}`);
  }
});

test("compiled into one executable (bun build --compile), the program embeds the library as the error says", () => {
  if (isDeno) {
    return console.log("SKIPPED: `deno compile` fetches its runtime (denort) from dl.deno.land, no registry");
  }
  const project = npmProject();
  const source = consumerSource("@pyframe/dynamo");
  const compile = (name: string, program: string) => {
    writeFileSync(join(project, `${name}.ts`), program);
    const build = spawnSync(process.execPath, ["build", "--compile", `${name}.ts`, "--outfile", name], {
      cwd: project,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.is(build.status, 0, `bun build --compile failed:\n${build.stdout}\n${build.stderr}`);
    // Run from elsewhere, as a shipped executable is: nothing of the project's folder is at hand.
    // Bun writes the embedded library out into the temporary folder and leaves it there.
    const temporary = join(scratch, `${name}-tmp`);
    mkdirSync(temporary, { recursive: true });
    return spawnSync(join(project, name), [], {
      cwd: scratch,
      encoding: "utf8",
      env: { ...consumerEnv(project), TMPDIR: temporary },
      timeout: 120_000,
    });
  };

  const bare = compile("bare", source);
  assert.is.not(bare.status, 0, "a compiled program found a library it never embedded");
  assert.match(bare.stderr, "LoadError");
  assert.match(bare.stderr, "single-file executable (`bun build --compile`)");
  const [recipe] = bare.stderr.match(/ {2}import library from .*\n {2}process\.env\.PYFRAME_LIB \|\|= library;/) ?? [];
  assert.ok(recipe, `the error gives no recipe to copy:\n${bare.stderr}`);

  const embedding = compile("embedding", recipe.replace(/^ {2}/gm, "") + "\n" + source);
  const seen = lastJsonLine(embedding.status, embedding.stdout, embedding.stderr);
  assert.equal(seen, { seed: [3, 30, 3], callback: ["a", "b", "C"], version: expectedVersion() });
});

/** Serves what `deno publish` would upload (deno.json's publish.include), as jsr.io serves a
 * version's files, minus `omit`; records each path asked for. */
async function servePublishedFiles(omit: string | null): Promise<{ server: Server; base: string; asked: string[] }> {
  const included: string[] = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).publish.include;
  const files = new Set(included.flatMap((entry) => filesUnder(join(root, entry))).map((file) => relative(root, file)));
  const asked: string[] = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url!, "http://x").pathname).slice(1);
    asked.push(path);
    if (!files.has(path) || path === omit) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200).end(readFileSync(join(root, path)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, asked };
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

/** Runs a consumer importing pyframe from `base` without blocking this process's event loop,
 * which serves the files. */
function runRemoteConsumer(base: string, folder: string, denoFlags = ["-A"], env = consumerEnv(folder)) {
  writeFileSync(join(folder, "main.ts"), consumerSource(`${base}mod.ts`));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      runArguments("main.ts", denoFlags),
      { cwd: folder, env, timeout: 120_000, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ status: error ? (error.code as number) ?? -1 : 0, stdout, stderr }),
    );
  });
}

test("imported over HTTP as JSR serves it, pyframe fetches its library into the cache once and runs", async () => {
  if (!isDeno) return console.log("SKIPPED: Bun imports no modules from URLs (it installs JSR packages through npm)");
  assert.ok(existsSync(join(root, "prebuilt")), "prebuilt/ is missing: run `node scripts/package.mjs`");
  const folder = mkdtempSync(join(scratch, "jsr-"));
  const { server, base, asked } = await servePublishedFiles(null);
  try {
    const first = await runRemoteConsumer(base, folder);
    assert.equal(lastJsonLine(first.status, first.stdout, first.stderr), {
      seed: [3, 30, 3],
      callback: ["a", "b", "C"],
      version: expectedVersion(),
    });
    assert.is(asked.filter((path) => path === thisMachine).length, 1, `asked: ${asked.join(", ")}`);
    const host = new URL(base).host.replace(":", "_");
    const kept = join(folder, "cache", "pyframe", host, thisMachine);
    assert.equal(readFileSync(kept), readFileSync(join(root, thisMachine)));
    assert.equal(readdirSync(join(folder, "cache", "pyframe")), [host], "one library kept, nothing else");

    const second = await runRemoteConsumer(base, folder);
    assert.is(lastJsonLine(second.status, second.stdout, second.stderr).seed instanceof Array, true);
    assert.is(asked.filter((path) => path === thisMachine).length, 1, "the cached library was fetched again");

    // A cached file spoilt since is reported as such, with the way to have it fetched again.
    writeFileSync(kept, "spoilt");
    const spoilt = await runRemoteConsumer(base, folder);
    assert.is.not(spoilt.status, 0);
    assert.match(spoilt.stderr, `could not load pyframe's native library ${kept}`);
    assert.match(spoilt.stderr, "delete it to have it fetched again");
  } finally {
    server.close();
  }
});

test("over HTTP, a library the server lacks or a fetch Deno refuses fails at first use, saying what to do", async () => {
  if (!isDeno) return console.log("SKIPPED: Bun imports no modules from URLs");
  const missing = await servePublishedFiles(thisMachine);
  try {
    const run = await runRemoteConsumer(missing.base, mkdtempSync(join(scratch, "jsr-missing-")));
    assert.is.not(run.status, 0);
    assert.match(run.stderr, "LoadError");
    assert.match(run.stderr, `${missing.base}${thisMachine} (HTTP 404)`);
    assert.match(run.stderr, "set PYFRAME_LIB");
  } finally {
    missing.server.close();
  }
  const served = await servePublishedFiles(null);
  try {
    // Every permission but the network's: the modules import (--allow-import), the fetch is refused.
    const flags = ["--allow-import", "--allow-ffi", "--allow-read", "--allow-env", "--allow-run", "--allow-write"];
    const run = await runRemoteConsumer(served.base, mkdtempSync(join(scratch, "jsr-no-net-")), flags);
    assert.is.not(run.status, 0);
    assert.match(run.stderr, "could not fetch pyframe's native library");
    assert.match(run.stderr, "--allow-net");
  } finally {
    served.server.close();
  }
});

test("over HTTP, PYFRAME_LIB spares the fetch, and an import without --allow-env succeeds and says so at first use", async () => {
  if (!isDeno) return console.log("SKIPPED: Bun imports no modules from URLs");
  const served = await servePublishedFiles(null);
  try {
    const folder = mkdtempSync(join(scratch, "jsr-named-"));
    const named = await runRemoteConsumer(served.base, folder, ["-A"], {
      ...consumerEnv(folder),
      PYFRAME_LIB: join(root, thisMachine),
    });
    assert.equal(lastJsonLine(named.status, named.stdout, named.stderr).seed, [3, 30, 3]);
    assert.not.ok(served.asked.includes(thisMachine), "the library was fetched though PYFRAME_LIB named one");
    assert.not.ok(existsSync(join(folder, "cache", "pyframe")), "something was kept in the cache");

    const flags = ["--allow-import", "--allow-ffi", "--allow-read", "--allow-run", "--allow-net", "--allow-write"];
    const noEnv = await runRemoteConsumer(served.base, mkdtempSync(join(scratch, "jsr-no-env-")), flags);
    assert.is.not(noEnv.status, 0);
    assert.match(noEnv.stdout, /^imported$/m);
    assert.match(noEnv.stderr, "--allow-env");
  } finally {
    served.server.close();
  }
});

test.run();
