// CPython's own regression tests, run plainly and under a Dynamo that replaces every function of
// the test module with an identity rewrite made by the TypeScript AST (returned, then patch()ed):
// the results must be the same. The modules ship with each interpreter (`python -m test -h`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { python } from "../mod.ts";
import { hasRegressionModule, type RewrittenIn, runRegressionModule, runRewritten } from "./_regression.ts";
import { skipFile } from "./_skip.ts";

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
// code, read through _testinternalcapi, with its function's __code__, as test_sys does).
// test_random's fork test failed until forked children stopped calling JS (see dynamo_test);
// test_scope's testLeaks failed patched until patching stopped keeping the function alive (see
// patch_test).
const modules = [
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
  // Debuggers, tracers and profilers, whose frames take the default path; comprehensions (their
  // own frames in 3.11, inlined from 3.12; test_listcomps is doctests in 3.11, nothing to
  // rewrite); typing's and properties' descriptors and decorators.
  "test_bdb",
  "test_pdb",
  "test_trace",
  "test_profile",
  ["test_cprofile", "test_profiling.test_tracing_profiler"], // moved in 3.15
  "test_dictcomps",
  "test_typing",
  "test_property",
];

// Run once more with every function rewritten, the standard library's too (the modules above
// rewrite only their own): each found a difference that way once (pickletester's class declared
// global in a test, which ast_test checks; unittest's discovery tests under a patched __import__
// and pydoc's fresh import of os, which dynamo_test checks).
const everywhereModules = ["test_pickle", "test_unittest", "test_pydoc"];

if (!hasRegressionModule("test_scope")) {
  skipFile(`CPython ${python.version} here has no regression tests (the "test" package holds no test_scope)`);
}

// Each module twice: replacements swapped into frames, then patch()ed into the functions.
/** The module's name in this Python: the first of its names (old, then new) that exists. */
function present(names: string | string[]): string {
  const candidates = typeof names === "string" ? [names] : names;
  const found = candidates.find(hasRegressionModule);
  return found ?? candidates[0]; // none: the test fails, naming the first
}

for (const patching of [false, true]) {
  for (const name of modules.map(present)) {
    const how = patching ? "patched into every function" : "swapped into every function's frames";
    test(`CPython's ${name} gives the same results with an identity rewrite ${how}`, () => {
      compareUnderRewrite(name, patching, "module");
    });
  }
}
for (const name of everywhereModules.map(present)) {
  test(`CPython's ${name} gives the same results with an identity rewrite swapped into every function's frames, the standard library's too`, () => {
    compareUnderRewrite(name, false, "everywhere");
  });
}

/** Runs the module plainly, then under the rewrite of the functions of its own file or of all. */
function compareUnderRewrite(name: string, patching: boolean, rewrittenIn: RewrittenIn): void {
  const plain = runRegressionModule(name);
  const { run: rewritten, counts } = runRewritten(name, plain.file, rewrittenIn, patching);
  assert.ok(plain.testsRun > 0, `${name} ran no test${plain.skipped ? ` (skipped: ${plain.skipped})` : ""}`);
  assert.ok(counts.replaced >= 5, `only ${counts.replaced} functions of ${name} were replaced`);
  assert.is(rewritten.testsRun, plain.testsRun, "tests run");
  assert.equal(
    rewritten.problems,
    plain.problems,
    `failures and errors differ; output under the Dynamo:\n${rewritten.output}`,
  );
}

test.run();
