/**
 * The bridge between TypeScript nodes and Python's `ast`: the Python module `_pyframe_ast`
 * (installed on first use) and the two conversions: Python → TypeScript through the native
 * encoder (native/ast_codec.zig, src/ast/_decode_native.ts), TypeScript → Python as a pickle
 * stream (src/ast/_encode.ts). Private to src/ast.
 *
 * @module
 */

import { hideFramesOf, open, PyObject, python, takeError } from "../python/mod.ts";
import { type ClassPlan, planOf } from "./_build.ts";
import { allNodeClasses } from "./_classes.ts";
import { bridgeSource } from "./_bridge_source.ts";
import { decodeNative } from "./_decode_native.ts";
import { type EncodeOptions, encodeTree } from "./_encode.ts";
import { Session } from "./_session.ts";
import type { Node } from "./node.ts";

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
 * Calls `_pyframe_ast.<name>(data, root, ...args)` with the stream that rebuilds `tree` in
 * Python: nodes `parse` made are patched into the tree Python already has, which is then handed
 * over (see src/ast/_session.ts).
 */
export function callWithTree(name: string, tree: Node, options: EncodeOptions, ...args: unknown[]): PyObject {
  const { data, session } = encodeTree(tree, options);
  try {
    return bridgeFunction(name).call(data, session?.root ?? null, ...args);
  } finally {
    session?.root.dispose(); // Spent: this reference is not needed any more.
  }
}

/** The Python tree for `tree`, as a new reference (see {@link callWithTree}). */
export function pythonTree(tree: Node, options: EncodeOptions = {}): PyObject {
  return callWithTree("load", tree, options);
}

/** The TypeScript tree for a Python tree; with `trace`, its nodes stand for their originals. */
export function typeScriptTree(tree: PyObject, trace = false): Node {
  const { classes, dump } = nativeCodec();
  return decodeNative(dump(tree), classes, trace ? new Session(tree) : undefined);
}

interface NativeCodec {
  readonly classes: readonly ClassPlan[];
  dump(tree: PyObject): Uint8Array;
}

let codec: NativeCodec | undefined;

/** The native encoder (native/ast_codec.zig), told our classes, in this order, on first use. */
function nativeCodec(): NativeCodec {
  if (codec) return codec;
  const { native } = open();
  const classes = allNodeClasses().map(planOf);
  const names = classes.map((plan) => plan.kind.typeName), fields = classes.map((plan) => plan.names);
  using description = bridgeFunction("codec_description").call(names, fields);
  if (native.pyframe_ast_init(description.pointer) !== 0) throw takeError();
  return codec = {
    classes,
    dump(tree: PyObject): Uint8Array {
      const pointer = native.pyframe_ast_dump(tree.pointer);
      if (!pointer) throw takeError();
      using bytes = new PyObject(pointer);
      return bytes.toJS() as Uint8Array;
    },
  };
}
