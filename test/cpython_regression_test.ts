// CPython's own regression tests, run plainly and under a Dynamo that replaces every function of
// the test module with an identity rewrite made by the TypeScript AST, swapped into its frames:
// the results must be the same. The modules ship with each interpreter (`python -m test -h`);
// test/_regression.ts lists them.
import { test } from "uvu";
import { compareUnderRewrite, present, regressionModules, skipWithoutRegressionTests } from "./_regression.ts";

skipWithoutRegressionTests();

for (const name of regressionModules.map(present)) {
  test(`CPython's ${name} gives the same results with an identity rewrite swapped into every function's frames`, () => {
    compareUnderRewrite(name, "module", ["swapped"]);
  });
}

test.run();
