/**
 * Test support, run as its own process by dynamo_test.ts: pyframe's AST module is first used inside
 * a Dynamo callback while the program's own `__import__` refuses every module, as a sandbox's
 * would. Prints one JSON line: the rewritten call's result (or its error), the modules asked for,
 * and the sys.modules entries changed.
 */
import { ast, Dynamo, python } from "../mod.ts";
import { sandboxPython } from "./_sandbox.ts";

python.exec(sandboxPython);
using _ = new Dynamo((frame) =>
  frame.name === "sandboxed" ? ast.compile(ast.parse(frame.source.replace("x + 1", "x + 100")), frame) : undefined
);
console.log(JSON.stringify(python.eval("in_sandbox(sandboxed, 1)")));
