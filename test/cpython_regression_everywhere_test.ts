// CPython's own regression tests, run plainly and under a Dynamo that replaces every function that
// runs, the standard library's too, with an identity rewrite made by the TypeScript AST, swapped
// into its frames: the results must be the same. test/_regression.ts lists the modules.
import { test } from "uvu";
import { compareUnderRewrite, everywhereModules, present, skipWithoutRegressionTests } from "./_regression.ts";

skipWithoutRegressionTests();

for (const name of everywhereModules.map(present)) {
  test(`CPython's ${name} gives the same results with an identity rewrite swapped into every function's frames, the standard library's too`, () => {
    compareUnderRewrite(name, "everywhere", ["swapped"]);
  });
}

test.run();
