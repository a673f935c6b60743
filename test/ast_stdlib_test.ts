// The exact bridge over the running interpreter's whole standard library: every .py file that
// parses on this version goes Python AST → TypeScript → Python AST and must come back identical.
//
// Identical is checked on pickles, which spell out every node, field, attribute and constant with
// its exact type (1 vs 1.0 vs True, str vs bytes) in order: equal pickles mean equal
// `ast.dump(tree, include_attributes=True)`, and they are much faster to make. Pickles also show
// which objects are shared; when only that differs, pickles written without a memo decide. A
// difference is reported with the two dumps.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ast from "../src/ast/mod.ts";
import { python } from "../src/python/mod.ts";

python.exec(String.raw`
import ast as _t_ast, io as _t_io, os as _t_os, pickle as _t_pickle, sysconfig as _t_sysconfig, warnings as _t_warnings


def _t_stdlib_files():
    root = _t_sysconfig.get_paths()["stdlib"]
    found = []
    for folder, folders, files in _t_os.walk(root):
        folders[:] = sorted(f for f in folders if f not in ("site-packages", "__pycache__"))
        found += [_t_os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
    return found

def _t_parse(path):
    """The file's tree, or None when it does not parse on this version (test data made broken on
    purpose, or files written for another version)."""
    try:
        with open(path, "rb") as file, _t_warnings.catch_warnings():
            _t_warnings.simplefilter("ignore")  # SyntaxWarnings of test files
            return _t_ast.parse(file.read(), path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None

def _t_spelled_out(tree):
    out = _t_io.BytesIO()
    pickler = _t_pickle.Pickler(out, 4)
    pickler.fast = True  # No memo: shared nodes and strings are written each time, as dump does.
    pickler.dump(tree)
    return out.getvalue()

def _t_difference(original, copy):
    """None when the trees are identical; else where their ast.dump texts first differ."""
    if _t_pickle.dumps(original, 4) == _t_pickle.dumps(copy, 4) or _t_spelled_out(original) == _t_spelled_out(copy):
        return None
    expected = _t_ast.dump(original, include_attributes=True)
    found = _t_ast.dump(copy, include_attributes=True)
    if expected == found:
        return "same ast.dump, different pickle (field order?): " + repr(_t_spelled_out(copy)[:200])
    at = next(i for i, (a, b) in enumerate(zip(expected + "\0", found + "\0")) if a != b)
    return "expected ...%s...\nfound    ...%s..." % (expected[max(0, at - 80):at + 80], found[max(0, at - 80):at + 80])
`);

const main = python.import("__main__");
const files = main.get("_t_stdlib_files").call().toJS() as string[];
const parseFile = main.get("_t_parse"), difference = main.get("_t_difference");

test("every standard library file survives Python → TypeScript → Python exactly", () => {
  const start = performance.now();
  let checked = 0, skipped = 0;
  const failures: string[] = [];
  for (const path of files) {
    using original = parseFile.call(path);
    if (original.typeName === "NoneType") {
      skipped++;
      continue;
    }
    using copy = ast.toPython(ast.fromPython(original));
    using found = difference.call(original, copy);
    if (found.typeName !== "NoneType") failures.push(`${path}:\n${found.toString()}`);
    checked++;
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `  ${checked} files round-tripped, ${skipped} skipped (do not parse on Python ${python.version}), ${seconds}s`,
  );
  // pyenv's standard libraries hold ~1,900 files; Debian's, without the regression tests, ~670.
  assert.ok(checked > 500, `expected the standard library's files, found ${checked}`);
  assert.equal(failures.slice(0, 5), [], `${failures.length} files differ`);
});

test("parse reads what Python's ast.parse reads, for a sample of standard library files", () => {
  // parse runs CPython's parser natively on the text; Python's ast.parse runs it through compile().
  python.exec(String.raw`
def _t_text(path):
    with open(path, encoding="utf-8") as file:
        return file.read()

def _t_python_dump(text):
    return _t_ast.dump(_t_ast.parse(text), include_attributes=True)
`);
  const readText = main.get("_t_text"), pythonDump = main.get("_t_python_dump");
  let compared = 0;
  const step = Math.ceil(files.length / 70); // ~70 files, spread over the whole library
  for (const path of files.filter((_, i) => i % step === 0)) {
    let text: string, expected: string;
    try {
      using read = readText.call(path);
      text = read.toString();
      using dumped = pythonDump.call(text);
      expected = dumped.toString();
    } catch {
      continue; // Not UTF-8, or does not parse on this version: the round trip test covers skipping.
    }
    assert.is(ast.dump(ast.parse(text), { includeAttributes: true }), expected, path);
    compared++;
  }
  assert.ok(compared > 40, `expected a sample of the standard library, compared ${compared}`);
});

test.run();
