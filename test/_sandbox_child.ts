/**
 * Test support, run as its own process by dynamo_test.ts: pyframe's AST module is first used inside
 * a Dynamo callback while the program's own `__import__` refuses every module, as a sandbox's
 * would. Prints one JSON line: the rewritten call's result (or its error) and the modules asked for.
 */
import { ast, Dynamo, python } from "../mod.ts";

python.exec(`
import builtins, os, tempfile

path = os.path.join(tempfile.mkdtemp(), "sandboxed_first.py")
with open(path, "w") as file:
    file.write("def sandboxed(x):\\n    return x + 1\\n")
namespace = {}
exec(compile(open(path).read(), path, "exec"), namespace)

def in_sandbox(x):
    asked = []
    def refuse(name, *rest):
        asked.append(name)
        raise ImportError("the sandbox refuses " + name)
    builtins.__import__, installed = refuse, builtins.__import__
    try:
        return [namespace["sandboxed"](x), asked]
    except Exception as error:
        return ["%s: %s" % (type(error).__name__, error), asked]
    finally:
        builtins.__import__ = installed
`);

using _ = new Dynamo((frame) =>
  frame.name === "sandboxed" ? ast.compile(ast.parse(frame.source.replace("x + 1", "x + 100")), frame) : undefined
);
console.log(JSON.stringify(python.eval("in_sandbox(1)")));
