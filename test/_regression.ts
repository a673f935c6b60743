/**
 * Test support: runs one of CPython's regression test modules (they ship with each interpreter,
 * `python -m test -h`) in this process, plainly or under a Dynamo that replaces functions with an
 * identity rewrite made by the TypeScript AST. Used by the cpython_regression_*test.ts files, and
 * by scripts/sweep.mjs (through _sweep_child.ts) for every module the interpreter has.
 */
import * as assert from "uvu/assert";
import { ast, Dynamo, type Frame, patch, python, PythonError } from "../mod.ts";
import { skipFile } from "./_skip.ts";

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

// The modules the cpython_regression_*test.ts files run: four files, as each takes minutes (as two,
// one reached 240 s, the runner's limit a file, on Debian's 3.14.10 and 3.15.2, whose tests run
// longer than 3.11's). These run in cpython_regression_test.ts (swapped) and ..._patched_test.ts.
// The issue's five, then modules whose tests exercise what a replaced frame must keep: exceptions,
// with blocks, generators, coroutines and async generators (asyncio's own tests too), super() and
// __class__, decorators, frames, profiling. Each of test_contextlib, test_named_expressions,
// test_coroutines, test_asyncgen and test_super found an identity rewrite that changed behaviour
// (see shapes_test), test_enum and test_itertools a wrong frame.source (see dynamo_test). Not here:
// test_exceptions and test_code (a test swaps a function's __code__ for an altered copy, which a
// rewrite from source cannot follow), test_monitoring and test_sys_settrace (under any eval-frame
// function, CPython 3.12+ reports some events differently; see README), test_call and
// test_functools (they recurse past the C stack an eval-frame function needs; see README),
// test_tokenize (a test patches tokenize, which reading a frame's source uses), test_dynamic (it
// swaps builtins.len, which reading a frame's source uses too), test_sys (test_getframe compares a
// frame's f_code with its function's __code__, which differ under a swap; see README), and
// test_threading (passes, in a minute of waiting). Tried once more (3.11-3.13, Deno, 60 modules
// from test_descr to test_logging) and left out, each for a reason of the kind above: test_dis
// (it compares a function's code constants with those of the code that ran), test_descr
// (test_slots counts objects around a method's first call, when the callback makes its
// replacement), test_traceback on 3.12 (it recurses to the recursion limit; see README). Swept
// again (3.13, Deno: every module but the slowest; README): test_opcache and test_type_cache count
// specializations CPython makes only without an eval-frame function (any hook, none rewritten).
// Swept with scripts/sweep.mjs (3.11, 3.12; README): test_capi (on 3.12, a test compares a frame's
// code, read through _testinternalcapi, with its function's __code__, as test_sys does). Swept on
// 3.15 (Deno, every module): test_crossinterp and test_interpreters (a function whose code an open
// Dynamo decided on is not shareable with another interpreter; see README), test_list (3.15's
// test_list_overwrite_local reads sys.getrefcount of an argument, one higher under any eval-frame
// function), test_profiling and test_support (deep recursions, past the C stack), test_tuple
// (test_track_literals wants a constant tuple untracked by the GC, which a rewrite's fresh
// constants are only after a collection); test_builtin until compiling stopped using the standard
// library's ast helpers (see dynamo_test). Swept on 3.14.10 (Deno, every module; 442 of the 459
// that ran alike): test_external_inspection's test_self_trace (3.14's remote unwinder stops where C
// code entered the evaluator, which under any eval-frame function every call does; see README),
// and modules already named here for the same reasons. Swept on 3.13.18 under Bun (every module;
// 436 of 449 alike): only modules already named here. Swept with every function rewritten (3.13.0,
// 95 modules of the language and its common library): test_traceback until reading sources left
// linecache alone and a failed frame.source kept the handled exception's traceback (see
// dynamo_test).
// test_random's fork test failed until forked children stopped calling JS (see dynamo_test);
// test_scope's testLeaks failed patched until patching stopped keeping the function alive (see
// patch_test).
export const regressionModules: (string | string[])[] = [
  "test_scope",
  "test_keywordonlyarg",
  "test_positional_only_arg",
  "test_grammar",
  "test_generators",
  "test_with",
  "test_raise",
  "test_exception_group",
  "test_contextlib",
  "test_contextlib_async",
  "test_coroutines",
  "test_asyncgen",
  "test_super",
  "test_class",
  "test_decorators",
  "test_named_expressions",
  "test_patma",
  "test_sys_setprofile",
  "test_yield_from",
  "test_frame",
  "test_context",
  "test_fstring",
  "test_collections",
  "test_dataclasses",
  "test_enum",
  "test_itertools",
  "test_asyncio.test_pep492",
  "test_asyncio.test_locks",
  "test_asyncio.test_queues",
  "test_random",
  // Functions' own attributes and introspection, which patch() changes underneath.
  "test_funcattrs",
  "test_inspect.test_inspect",
  // Comprehensions (their own frames in 3.11, inlined from 3.12; test_listcomps is doctests in
  // 3.11, nothing to rewrite); typing's and properties' descriptors and decorators.
  "test_dictcomps",
  "test_typing",
  "test_property",
];

// Debuggers, tracers and profilers, whose frames take the default path, swapped and patched
// (cpython_regression_tools_test.ts): test_pdb alone runs 30 s plainly on 3.14.
export const toolModules: (string | string[])[] = [
  "test_bdb",
  "test_pdb",
  "test_trace",
  "test_profile",
  ["test_cprofile", "test_profiling.test_tracing_profiler"], // moved in 3.15
];

// Run once more with every function rewritten, the standard library's too, swapped
// (cpython_regression_everywhere_test.ts; the modules above rewrite only their own): each found a
// difference that way once (pickletester's class declared global in a test, which ast_test checks;
// unittest's discovery tests under a patched __import__ and pydoc's fresh import of os, which
// dynamo_test checks).
export const everywhereModules = ["test_pickle", "test_unittest", "test_pydoc"];

/** Ends the test file, saying why, where this Python has no regression tests. */
export function skipWithoutRegressionTests(): void {
  if (!hasRegressionModule("test_scope")) {
    skipFile(`CPython ${python.version} here has no regression tests (the "test" package holds no test_scope)`);
  }
}

/** The module's name in this Python: the first of its names (old, then new) that exists. */
export function present(names: string | string[]): string {
  const candidates = typeof names === "string" ? [names] : names;
  const found = candidates.find(hasRegressionModule);
  return found ?? candidates[0]; // none: the test fails, naming the first
}

/** How a rewrite runs: swapped into the frames of the code it replaces, or patch()ed into the
 * function. */
export type Way = "swapped" | "patched";

/** Runs the module plainly, then under the rewrite of the functions of its own file or of all,
 * once for each of `ways`. */
export function compareUnderRewrite(name: string, rewrittenIn: RewrittenIn, ways: Way[]): void {
  const plain = runRegressionModule(name);
  assert.ok(plain.testsRun > 0, `${name} ran no test${plain.skipped ? ` (skipped: ${plain.skipped})` : ""}`);
  for (const way of ways) {
    const { run: rewritten, counts } = runRewritten(name, plain.file, rewrittenIn, way === "patched");
    assert.ok(counts.replaced >= 5, `only ${counts.replaced} functions of ${name} were replaced (${way})`);
    assert.is(rewritten.testsRun, plain.testsRun, `tests run (${way})`);
    assert.equal(
      rewritten.problems,
      plain.problems,
      `failures and errors differ (${way}); output under the Dynamo:\n${rewritten.output}`,
    );
  }
}
