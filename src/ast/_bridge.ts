/**
 * The bridge between TypeScript nodes and Python's `ast`: the Python module `_pyframe_ast`
 * (installed on first use) and the two conversions, both native: Python → TypeScript through
 * native/ast_codec.zig and src/ast/_decode_native.ts, TypeScript → Python through
 * src/ast/_encode.ts and native/ast_load.zig. Private to src/ast.
 *
 * @module
 */

import { type Native, runtime } from "../ffi/mod.ts";
import { helperFunction, hideFramesOf, open, PyObject, python, takeError, withPython } from "../python/mod.ts";
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
  using compile = builtins.get("compile");
  using code = compile.call(bridgeSource, `<${BRIDGE_MODULE}>`, "exec");
  hideFramesOf(code); // Its module body runs now, maybe under a Dynamo: hide it before it does.
  // In sys.modules, so Python code and tracebacks can find it by name.
  using installModule = helperFunction("install_module");
  const module = installModule.call(BRIDGE_MODULE, code);
  hideFramesOf(module); // Nor may a Dynamo see the bridge's functions, or what they call.
  return module;
}

/**
 * Calls `_pyframe_ast.<name>(tree, ...args)` with the Python tree for `tree` (see
 * {@link pythonTree}).
 */
export function callWithTree(name: string, tree: Node, options: EncodeOptions, ...args: unknown[]): PyObject {
  using built = pythonTree(tree, options);
  return bridgeFunction(name).call(built, ...args);
}

/**
 * The Python tree for `tree`, as a new reference, built natively (native/ast_load.zig): nodes
 * `parse` made are patched into the tree Python already has, which is then handed over (see
 * src/ast/_session.ts); other nodes are built anew.
 */
export function pythonTree(tree: Node, options: EncodeOptions = {}): PyObject {
  const { native } = nativeCodec();
  const { data, session } = encodeTree(tree, options);
  try {
    const built = withPython(() => native.pyframe_ast_load(data, data.length, session?.nodes.pointer ?? runtime.NULL));
    if (!built) throw takeError();
    return new PyObject(built);
  } finally {
    session?.nodes.dispose(); // Spent: this reference is not needed any more.
  }
}

/** The TypeScript tree for a Python tree; with `trace`, its nodes stand for their originals. */
export function typeScriptTree(tree: PyObject, trace = false): Node {
  const { classes, dump } = nativeCodec();
  if (!trace) return decodeNative(dump(tree), classes);
  const session = new Session(python.toPython([]));
  return held(decodeNative(dump(tree, session.nodes), classes, session), session);
}

/** `tree`, once its session holds the Python tree it was read from. */
function held(tree: Node, session: Session): Node {
  session.hold();
  return tree;
}

/** How Python's `ast.parse` is asked for a tree; the meanings of its arguments. */
export interface ParseRequest {
  source: string;
  filename: string;
  mode: "exec" | "eval" | "single" | "func_type";
  typeComments: boolean;
}

/** The start symbols of Python's grammar for each mode (Py_file_input, ...). */
const START_SYMBOLS = { exec: 257, eval: 258, single: 256, func_type: 345 } as const;
const PyCF_ONLY_AST = 0x400, PyCF_IGNORE_COOKIE = 0x800, PyCF_TYPE_COMMENTS = 0x1000;

/**
 * The tree `ast.parse` makes, parsed and read in one native call (no Python code runs), its nodes
 * standing for their originals. Undefined when the request needs Python's own `ast.parse` to
 * answer exactly: arguments it would refuse, text that is not valid UTF-16 or holds NUL (C strings
 * cannot carry it; Python reports either its own way).
 */
export function parsedTree(request: ParseRequest): Node | undefined {
  const { source, filename, mode } = request;
  if (
    !Object.hasOwn(START_SYMBOLS, mode) || typeof filename !== "string" || typeof request.typeComments !== "boolean"
  ) {
    return undefined; // Python's ast.parse says what is wrong with them.
  }
  if (!source.isWellFormed() || source.includes("\0") || !filename.isWellFormed() || filename.includes("\0")) {
    return undefined;
  }
  const { classes, parse } = nativeCodec();
  // One GIL scope for all steps: each outermost scope asks Python whether other threads wait.
  return withPython(() => {
    const session = new Session(python.toPython([]));
    try {
      return held(decodeNative(parse(request, session.nodes), classes, session), session);
    } catch (error) {
      session.nodes.dispose();
      throw error;
    }
  });
}

interface NativeCodec {
  readonly native: Native;
  readonly classes: readonly ClassPlan[];
  /**
   * The encoding of `tree`, valid until the next call (its buffer is reused); with `nodes` (a
   * Python list), every node with fields or attributes is appended to it in encoding order.
   */
  dump(tree: PyObject, nodes?: PyObject): Uint8Array;
  /** The encoding of the tree `ast.parse` makes for the request, as `dump(tree, nodes)` gives it. */
  parse(request: ParseRequest, nodes: PyObject): Uint8Array;
}

let codec: NativeCodec | undefined;
const utf8 = new TextEncoder();

/** The native encoder (native/ast_codec.zig), told our classes, in this order, on first use. */
function nativeCodec(): NativeCodec {
  if (codec) return codec;
  const { native } = open();
  const classes = allNodeClasses().map(planOf);
  const names = classes.map((plan) => plan.kind.typeName), fields = classes.map((plan) => plan.names);
  using description = bridgeFunction("codec_description").call(names, fields);
  if (withPython(() => native.pyframe_ast_init(description.pointer)) !== 0) throw takeError();
  let output = new Uint8Array(1 << 16), source = new Uint8Array(1 << 16);
  /**
   * The encoding a native call makes, copied over when it did not fit. Run with the GIL held
   * (the codec's calls are raw: they do not take it), and the copy under the same hold.
   */
  const encoded = (encode: () => number | bigint): Uint8Array =>
    withPython(() => {
      const length = Number(encode());
      if (length < 0) throw takeError();
      if (length > output.length) {
        output = new Uint8Array(Math.max(length, output.length * 2));
        native.pyframe_ast_copy(output, output.length);
      }
      return output.subarray(0, length);
    });
  return codec = {
    native,
    classes,
    dump(tree: PyObject, nodes?: PyObject): Uint8Array {
      return encoded(() =>
        native.pyframe_ast_dump(tree.pointer, nodes?.pointer ?? runtime.NULL, output, output.length)
      );
    },
    parse({ source: text, filename, mode, typeComments }: ParseRequest, nodes: PyObject): Uint8Array {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; then a NUL ends the C string.
      if (source.length < text.length * 3 + 1) {
        source = new Uint8Array(Math.max(text.length * 3 + 1, source.length * 2));
      }
      const { written } = utf8.encodeInto(text, source);
      source[written] = 0;
      const name = utf8.encode(filename);
      const flags = PyCF_ONLY_AST | PyCF_IGNORE_COOKIE | (typeComments ? PyCF_TYPE_COMMENTS : 0);
      const start = START_SYMBOLS[mode];
      return encoded(() =>
        native.pyframe_ast_parse(source, name, name.length, start, flags, nodes.pointer, output, output.length)
      );
    },
  };
}
