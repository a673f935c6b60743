// CPython's regression tests of its debuggers, tracers and profilers, whose frames take the default
// path, run plainly and under a Dynamo that replaces every function of the test module with an
// identity rewrite made by the TypeScript AST, swapped into its frames and then patch()ed into the
// function: the results must be the same. test/_regression.ts lists the modules.
import { test } from "uvu";
import { compareUnderRewrite, present, skipWithoutRegressionTests, toolModules } from "./_regression.ts";

skipWithoutRegressionTests();

for (const name of toolModules.map(present)) {
  test(`CPython's ${name} gives the same results with an identity rewrite swapped into every function's frames, and patched into every function`, () => {
    compareUnderRewrite(name, "module", ["swapped", "patched"]);
  });
}

test.run();
