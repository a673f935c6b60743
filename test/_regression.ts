/**
 * Test support: runs one of CPython's regression test modules (they ship with each interpreter,
 * `python -m test -h`) in this process, plainly or under a Dynamo that replaces functions with an
 * identity rewrite made by the TypeScript AST. Used by cpython_regression_test.ts, and by
 * scripts/sweep.mjs (through _sweep_child.ts) for every module the interpreter has.
 */
import { ast, Dynamo, type Frame, patch, python, PythonError } from "../mod.ts";

/** Which functions are replaced: those of the test module's own file (of every file of a test
 * package, such as test_email), or every one. */
export type RewrittenIn = "module" | "everywhere";

/** One run of a module: tests run, failing and erroring tests by name, the output's tail. */
export interface ModuleRun {
  testsRun: number;
  problems: string[];
  output: string;
  file: string;
  /** Why the module could not run here (it raised unittest.SkipTest on import), or null. */
  skipped: string | null;
}

/** How many functions the rewrite replaced, and how many frames it left to run their own code. */
export interface RewriteCounts {
  replaced: number;
  kept: number;
}

// Distributions ship an interpreter's regression tests apart (Debian and Ubuntu: the package
// libpython3.X-testsuite); its standard library then holds only test.support.
/** Whether this Python has the regression test module `test.<name>`. */
export function hasRegressionModule(name: string): boolean {
  return python.eval(`__import__("importlib.util").util.find_spec("test.${name}") is not None`) as boolean;
}

// Defined on first use: where the regression tests are missing, test.support may be too.
const RUNNER = `
import gc, importlib, io, os, signal, tempfile, unittest
from test.support import os_helper

# CPython 3.15's test_enable_in_external_timer leaves an _lsprof profiler enabled, in a reference
# cycle; when the collector frees it, its dealloc calls _PyEval_SetProfile(NULL), which ends the
# sys.setprofile profiler running at that moment (pure CPython shows it, no pyframe involved). Where
# the collection falls depends on all the allocation before it, so a later test (ProfileTest's
# test_cprofile) lost its profile in one run and not in the other. In these modules garbage is
# collected after every test, so it cannot fall into the next one.
COLLECT_AFTER_EACH_TEST = {"test_cprofile", "test_profiling.test_tracing_profiler"}

class CollectingResult(unittest.TextTestResult):
    def stopTest(self, test):
        super().stopTest(test)
        gc.collect()

def run_regression_module(name):
    # Some tests raise SIGINT and expect KeyboardInterrupt: give Python the handler it would have
    # as a program (pyframe leaves SIGINT to the JS host otherwise). In a folder of their own, as
    # python -m test runs them: some write files where they run (test_pdb a .pdbrc that another
    # run in the same folder then read). The same folder for both runs of a module (test_inspect
    # imports a file it wrote there, and the second run finds the first's module), one per
    # process (two processes may run at once).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with os_helper.temp_cwd(os.path.join(tempfile.gettempdir(), f"pyframe-regression-{os.getpid()}")):
            try:
                module = importlib.import_module("test." + name)
            except unittest.SkipTest as skip:  # a platform or build the module is not for
                return [0, [], "", "", str(skip) or "unittest.SkipTest on import"]
            suite = unittest.defaultTestLoader.loadTestsFromModule(module)  # honours load_tests (doctests)
            stream = io.StringIO()
            result_class = CollectingResult if name in COLLECT_AFTER_EACH_TEST else unittest.TextTestResult
            result = unittest.TextTestRunner(stream=stream, verbosity=0, resultclass=result_class).run(suite)
        problems = sorted(str(case) for case, _ in result.failures + result.errors)
        return [result.testsRun, problems, stream.getvalue()[-4000:], module.__file__, None]
    finally:
        signal.signal(signal.SIGINT, previous)
`;
let runnerDefined = false;

/** The file of the regression module `test.<name>` (a package's `__init__.py`), without importing it. */
export function regressionModuleFile(name: string): string {
  return python.eval(`__import__("importlib.util").util.find_spec("test.${name}").origin`) as string;
}

/** Runs the regression module `test.<name>` in this process, under whatever Dynamo is open. */
export function runRegressionModule(name: string): ModuleRun {
  if (!runnerDefined) python.exec(RUNNER);
  runnerDefined = true;
  const [testsRun, problems, output, file, skipped] = python.eval(`run_regression_module(${JSON.stringify(name)})`) as [
    number,
    string[],
    string,
    string,
    string | null,
  ];
  return { testsRun, problems, output, file, skipped };
}

/** Runs the module under an identity rewrite of the functions of its `file` (for a package's
 * `__init__.py`, of every file in the package's folder), or of every function. */
export function runRewritten(
  name: string,
  file: string,
  rewrittenIn: RewrittenIn,
  patching = false,
): { run: ModuleRun; counts: RewriteCounts } {
  const counts = { replaced: 0, kept: 0 };
  using _ = new Dynamo(identityRewrite(rewrittenIn === "module" ? ownFiles(file) : () => true, counts, patching));
  return { run: runRegressionModule(name), counts };
}

/** Whether a file is the module's: the file itself, or for a package any file in its folder. */
function ownFiles(file: string): (filename: string) => boolean {
  const packageInit = /[\\/]__init__\.py$/.exec(file);
  if (!packageInit) return (filename) => filename === file;
  const folder = file.slice(0, packageInit.index + 1);
  return (filename) => filename.startsWith(folder);
}

/**
 * Replaces every function in the files `rewritten` accepts with itself, parsed and compiled by
 * pyframe's AST; with `patching`, by patch() (the function's `__code__` becomes the rewrite).
 */
function identityRewrite(rewritten: (filename: string) => boolean, counts: RewriteCounts, patching: boolean) {
  return (frame: Frame) => {
    if (!rewritten(frame.filename)) return;
    // Comprehensions, module code, annotations (3.14): their source lines are not a definition.
    if (!frame.isFunction) return void counts.kept++;
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
    const code = ast.compile(tree, frame);
    return patching ? patch(code) : code;
  };
}

function definesFrameCode(tree: ast.Module, frame: Frame): boolean {
  const first = tree.body[0];
  if (frame.name === "<lambda>") return [...ast.walk(tree)].some((node) => node instanceof ast.Lambda);
  return (first instanceof ast.FunctionDef || first instanceof ast.AsyncFunctionDef) && first.name === frame.name;
}
