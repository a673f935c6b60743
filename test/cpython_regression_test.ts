// CPython's own regression tests, run once plainly and once under a Dynamo that replaces every
// function of the test module with an identity rewrite made by the TypeScript AST: the results
// must be the same. The modules ship with each interpreter (`python -m test -h`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ast, Dynamo, type Frame, python, PythonError } from "../mod.ts";

const modules = ["test_scope", "test_keywordonlyarg", "test_positional_only_arg", "test_grammar", "test_generators"];

python.exec(`
import importlib, io, signal, unittest

def run_regression_module(name):
    # Some tests raise SIGINT and expect KeyboardInterrupt: give Python the handler it would have
    # as a program (pyframe leaves SIGINT to the JS host otherwise).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        module = importlib.import_module("test." + name)
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)  # honours load_tests (doctests)
        stream = io.StringIO()
        result = unittest.TextTestRunner(stream=stream, verbosity=0).run(suite)
        problems = sorted(str(case) for case, _ in result.failures + result.errors)
        return [result.testsRun, problems, stream.getvalue()[-4000:], module.__file__]
    finally:
        signal.signal(signal.SIGINT, previous)
`);

/** Replaces every function of `file` with itself, parsed and compiled by pyframe's AST. */
function identityRewrite(file: string, counts: { replaced: number; kept: number }) {
  return (frame: Frame) => {
    if (frame.filename !== file) return;
    let source: string;
    try {
      source = frame.source;
    } catch (error) {
      if (error instanceof PythonError) return void counts.kept++; // no source: doctest code, exec'd strings
      throw error;
    }
    const tree = ast.parse(source); // lambdas inside multi-line expressions too (frame.source cuts them out)
    if (!definesFrameCode(tree, frame)) return void counts.kept++; // comprehension or class-body frames
    counts.replaced++;
    return ast.compile(tree, frame);
  };
}

function definesFrameCode(tree: ast.Module, frame: Frame): boolean {
  const first = tree.body[0];
  if (frame.name === "<lambda>") return [...ast.walk(tree)].some((node) => node instanceof ast.Lambda);
  return (first instanceof ast.FunctionDef || first instanceof ast.AsyncFunctionDef) && first.name === frame.name;
}

for (const name of modules) {
  test(`CPython's ${name} gives the same results under an identity rewrite of every function`, () => {
    const [runPlain, problemsPlain, , file] = python.eval(`run_regression_module("${name}")`) as [
      number,
      string[],
      string,
      string,
    ];
    const counts = { replaced: 0, kept: 0 };
    let rewritten: [number, string[], string, string];
    {
      using _ = new Dynamo(identityRewrite(file, counts));
      rewritten = python.eval(`run_regression_module("${name}")`) as [number, string[], string, string];
    }
    assert.ok(runPlain > 0, `${name} ran no test`);
    assert.ok(counts.replaced > 10, `only ${counts.replaced} functions of ${name} were replaced`);
    assert.is(rewritten[0], runPlain, "tests run");
    assert.equal(rewritten[1], problemsPlain, `failures and errors differ; output under the Dynamo:\n${rewritten[2]}`);
  });
}

test.run();
