/**
 * The bridge between TypeScript nodes and Python's `ast`: the Python module `_pyframe_ast`
 * (installed on first use) and the two conversions, each one call into Python. Trees travel as
 * pickle streams (src/ast/_decode.ts, src/ast/_encode.ts). Private to src/ast.
 *
 * @module
 */

import { hideFramesOf, type PyObject, python } from "../python/mod.ts";
import { nodeClass } from "./_classes.ts";
import { bridgeSource } from "./_bridge_source.ts";
import { decodeTree } from "./_decode.ts";
import { type EncodeOptions, encodeTree } from "./_encode.ts";
import { Session } from "./_session.ts";
import type { Node, NodeClass } from "./node.ts";

const BRIDGE_MODULE = "_pyframe_ast";

let bridge: PyObject | undefined;
const bridgeFunctions = new Map<string, PyObject>();

/**
 * Function `name` of the Python module `_pyframe_ast`, installing the module on first use. The
 * PyObject is cached: do not dispose it.
 */
export function bridgeFunction(name: string): PyObject {
  let found = bridgeFunctions.get(name);
  if (!found) {
    bridge ??= installBridge();
    found = bridge.get(name);
    bridgeFunctions.set(name, found);
  }
  return found;
}

function installBridge(): PyObject {
  using builtins = python.builtins;
  using types = python.import("types");
  using moduleType = types.get("ModuleType");
  const module = moduleType.call(BRIDGE_MODULE);
  using namespace = module.get("__dict__");
  using compile = builtins.get("compile");
  using code = compile.call(bridgeSource, `<${BRIDGE_MODULE}>`, "exec");
  hideFramesOf(code); // Its module body runs now, maybe under a Dynamo: hide it before it does.
  using exec = builtins.get("exec");
  exec.call(code, namespace).dispose();
  using sys = python.import("sys");
  using modules = sys.get("modules");
  using setItem = modules.get("__setitem__");
  setItem.call(BRIDGE_MODULE, module).dispose(); // So Python code and tracebacks can find it by name.
  hideFramesOf(module); // Nor may a Dynamo see the bridge's functions, or what they call.
  return module;
}

/**
 * The Python tree for `tree`, as a new reference. Nodes `parse` made are patched into the tree
 * Python already has, which is then handed over (see src/ast/_session.ts).
 */
export function pythonTree(tree: Node, options: EncodeOptions = {}): PyObject {
  const { data, session } = encodeTree(tree, options);
  try {
    return bridgeFunction("load").call(data, session?.root ?? null);
  } finally {
    session?.root.dispose(); // Spent: this reference is not needed any more.
  }
}

/** The TypeScript tree for a Python tree; with `trace`, its nodes stand for their originals. */
export function typeScriptTree(tree: PyObject, trace = false): Node {
  using data = bridgeFunction("dumps").call(tree);
  return decodeTree(data.toString(), foreignClass, trace ? new Session(tree) : undefined);
}

const foreignClasses = new Map<string, NodeClass>();

/** The node class of a Python class outside `ast` (a user's subclass of a node class). */
function foreignClass(module: string, name: string): NodeClass {
  const key = `${module}:${name}`;
  let found = foreignClasses.get(key);
  if (!found) {
    using pythonName = bridgeFunction("node_class_name").call(module, name);
    found = nodeClass(pythonName.toString());
    if (!found) throw new TypeError(`pyframe: ${module}.${name} is not a Python ast node class TypeScript knows`);
    foreignClasses.set(key, found);
  }
  return found;
}
