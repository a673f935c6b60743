/**
 * Test support: replacement code built by Python's own `ast`, so engine tests do not depend on the
 * TypeScript AST module. `scaledCode(frame, factor)` multiplies every int/float constant.
 */
import type { Frame } from "../src/dynamo/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";

python.exec(`
import ast as _ast, inspect as _inspect, textwrap as _textwrap

class _Scale(_ast.NodeTransformer):
    def __init__(self, factor):
        self.factor = factor
    def visit_Constant(self, node):
        if type(node.value) in (int, float):
            node.value = node.value * self.factor
        return node

def _pyframe_test_scaled(function, factor):
    code = function.__code__
    tree = _ast.parse(_textwrap.dedent(_inspect.getsource(function)))
    definition = tree.body[0]
    definition.decorator_list = []
    _Scale(factor).visit(definition)
    if code.co_freevars:
        outer = _ast.parse("def __outer__():\\n    %s = None\\n" % " = ".join(code.co_freevars)).body[0]
        outer.body.append(definition)
        tree.body = [outer]
    _ast.fix_missing_locations(tree)
    _ast.increment_lineno(tree, code.co_firstlineno - 1)
    module = compile(tree, code.co_filename, "exec")
    def find(c):
        for k in c.co_consts:
            if hasattr(k, "co_name"):
                if k.co_name == code.co_name:
                    return k
                found = find(k)
                if found:
                    return found
    return find(module).replace(co_qualname=code.co_qualname)
`);

const scaled = python.import("__main__").get("_pyframe_test_scaled");

/** The frame's function recompiled with every number constant multiplied by `factor`. */
export function scaledCode(frame: Frame, factor = 10): PyObject {
  return scaled.call(frame.function, factor);
}
