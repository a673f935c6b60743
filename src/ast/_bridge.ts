/**
 * The bridge between TypeScript nodes and Python's `ast`: the Python module `_pyframe_ast`
 * (installed on first use) and the two conversions: Python → TypeScript through the native
 * encoder (native/ast_codec.zig, src/ast/_decode_native.ts), TypeScript → Python as a pickle
 * stream (src/ast/_encode.ts). Private to src/ast.
 *
 * @module
 */

import { runtime } from "../ffi/mod.ts";
import { hideFramesOf, open, type PyObject, python, takeError } from "../python/mod.ts";
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
 * Calls `_pyframe_ast.<name>(data, nodes, ...args)` with the stream that rebuilds `tree` in
 * Python: nodes `parse` made are patched into the tree Python already has, which is then handed
 * over (see src/ast/_session.ts).
 */
export function callWithTree(name: string, tree: Node, options: EncodeOptions, ...args: unknown[]): PyObject {
  const { data, session } = encodeTree(tree, options);
  try {
    return bridgeFunction(name).call(data, session?.nodes ?? null, ...args);
  } finally {
    session?.nodes.dispose(); // Spent: this reference is not needed any more.
  }
}

/** The Python tree for `tree`, as a new reference (see {@link callWithTree}). */
export function pythonTree(tree: Node, options: EncodeOptions = {}): PyObject {
  return callWithTree("load", tree, options);
}

/** The TypeScript tree for a Python tree; with `trace`, its nodes stand for their originals. */
export function typeScriptTree(tree: PyObject, trace = false): Node {
  const { classes, dump } = nativeCodec();
  if (!trace) return decodeNative(dump(tree), classes);
  const session = new Session(python.toPython([]));
  return decodeNative(dump(tree, session.nodes), classes, session);
}

interface NativeCodec {
  readonly classes: readonly ClassPlan[];
  /**
   * The encoding of `tree`, valid until the next call (its buffer is reused); with `nodes` (a
   * Python list), every node is appended to it in encoding order.
   */
  dump(tree: PyObject, nodes?: PyObject): Uint8Array;
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
  let buffer = new Uint8Array(1 << 16);
  return codec = {
    classes,
    dump(tree: PyObject, nodes?: PyObject): Uint8Array {
      const length = Number(native.pyframe_ast_dump(tree.pointer, nodes?.pointer ?? runtime.NULL, buffer, buffer.length));
      if (length < 0) throw takeError();
      if (length > buffer.length) {
        buffer = new Uint8Array(Math.max(length, buffer.length * 2));
        native.pyframe_ast_copy(buffer, buffer.length);
      }
      return buffer.subarray(0, length);
    },
  };
}
