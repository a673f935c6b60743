/**
 * The bridge between TypeScript nodes and Python's `ast`: the Python module `_pyframe_ast`
 * (installed on first use) and the JSON codec on the TypeScript side. Private to src/ast.
 *
 * @module
 */

import { hideFramesOf, type PyObject, python } from "../python/mod.ts";
import { describe, fieldValue } from "./_access.ts";
import { bridgeSource } from "./_bridge_source.ts";
import * as nodes from "./_nodes.ts";
import { Complex, ConstantFrozenSet, ConstantTuple, type ConstantValue, Ellipsis } from "./constant.ts";
import { type FieldType, Node, type NodeClass } from "./node.ts";

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

// Abstract categories included: field types name them (`expr`) and values are checked against them.
const nodeClasses = new Map<string, NodeClass>(
  (Object.values(nodes) as unknown[])
    .filter((value): value is NodeClass => typeof value === "function" && value.prototype instanceof Node)
    .map((kind) => [kind.typeName, kind]),
);

let runningMinor: string | undefined;

/** The running Python's minor version, e.g. `"3.12"`. */
export function pythonMinor(): string {
  if (runningMinor === undefined) {
    using sys = python.import("sys"); // Not python.version: that imports `platform`.
    using versionInfo = sys.get("version_info");
    runningMinor = `${versionInfo.item(0).toJS()}.${versionInfo.item(1).toJS()}`;
  }
  return runningMinor;
}

/** Whether the running Python is `minor` (`"3.13"`) or newer. */
export function pythonAtLeast(minor: string): boolean {
  return !isNewer(minor, pythonMinor());
}

// ---------------------------------------------------------------------------------------------
// Python → TypeScript

/** Builds TypeScript nodes from the JSON that `_pyframe_ast.to_json` wrote. */
export function decodeTree(json: string): Node {
  const tree = decodeValue(JSON.parse(json));
  if (!(tree instanceof Node)) throw new TypeError(`pyframe: expected a Python ast node, found ${describe(tree)}`);
  return tree;
}

function decodeValue(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(decodeValue);
  if (raw === null || typeof raw !== "object") return raw;
  const tagged = raw as Record<string, unknown>;
  return typeof tagged._type === "string" ? decodeNode(tagged) : decodeTagged(tagged);
}

function decodeNode(raw: Record<string, unknown>): Node {
  const typeName = raw._type as string;
  const kind = nodeClasses.get(typeName);
  if (!kind) {
    throw new TypeError(
      `pyframe: Python ${pythonMinor()} made an ast.${typeName} node, which has no TypeScript class; ` +
        `regenerate src/ast/_nodes.ts with scripts/generate_ast.ts for this Python`,
    );
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) if (name !== "_type") fields[name] = decodeValue(value);
  if (kind === nodes.Constant) fields.isFloat = isFloatTag(raw.value);
  return new (kind as unknown as new (fields: object) => Node)(fields);
}

function isFloatTag(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && "_float" in raw;
}

function decodeTagged(tagged: Record<string, unknown>): ConstantValue {
  if ("_int" in tagged) return hexToBigInt(tagged._int as string);
  if ("_float" in tagged) return parseFloatText(tagged._float as string);
  if ("_complex" in tagged) {
    const [real, imag] = tagged._complex as [string, string];
    return new Complex(parseFloatText(real), parseFloatText(imag));
  }
  if ("_bytes" in tagged) return hexToBytes(tagged._bytes as string);
  if ("_ellipsis" in tagged) return Ellipsis;
  if ("_tuple" in tagged) return new ConstantTuple((tagged._tuple as unknown[]).map(decodeElement));
  if ("_frozenset" in tagged) return new ConstantFrozenSet((tagged._frozenset as unknown[]).map(decodeElement));
  throw new TypeError(`pyframe: unknown tagged value ${JSON.stringify(tagged)} from the Python bridge`);
}

function decodeElement(raw: unknown): nodes.Constant {
  return new nodes.Constant({ value: decodeValue(raw) as ConstantValue, isFloat: isFloatTag(raw) });
}

function hexToBigInt(text: string): bigint {
  return text.startsWith("-") ? -BigInt(`0x${text.slice(1)}`) : BigInt(`0x${text}`);
}

function hexToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const SPECIAL_FLOATS: Record<string, number> = { inf: Infinity, "-inf": -Infinity, nan: NaN };

function parseFloatText(text: string): number {
  return SPECIAL_FLOATS[text] ?? Number(text);
}

// ---------------------------------------------------------------------------------------------
// TypeScript → Python

/**
 * Writes the JSON that `_pyframe_ast.from_json` reads, checking each node against its class's
 * field types and against the running Python version.
 */
export function encodeTree(tree: Node): string {
  if (!(tree instanceof Node)) {
    throw new TypeError(`pyframe: expected an ast node (an instance of ast.Node), found ${describe(tree)}`);
  }
  return JSON.stringify(encodeNode(tree, pythonMinor()));
}

function encodeNode(node: Node, minor: string): Record<string, unknown> {
  const kind = node.constructor as unknown as NodeClass;
  requireVersion(`ast.${kind.typeName}`, kind.versions, minor, `build a node Python ${minor} has`);
  const encoded: Record<string, unknown> = { _type: kind.typeName };
  for (const name of kind._fields) {
    const field = kind.fieldTypes[name];
    const value = fieldValue(node, name);
    const where = `ast.${kind.typeName}.${name}`;
    if (!isAvailable(field.versions, minor)) {
      if (isEmpty(value)) continue;
      requireVersion(where, field.versions, minor, "leave it empty (null or [])");
    }
    encoded[name] = encodeField(node, where, field, value, minor);
  }
  for (const name of kind._attributes) {
    const value = fieldValue(node, name);
    if (value === undefined) continue;
    if (value !== null && !Number.isInteger(value)) {
      throw new TypeError(`pyframe: ast.${kind.typeName}.${name} must be an integer or null, found ${describe(value)}`);
    }
    encoded[name] = value;
  }
  return encoded;
}

function encodeField(node: Node, where: string, field: FieldType, value: unknown, minor: string): unknown {
  const isFloat = node instanceof nodes.Constant && node.isFloat;
  if (field.quantity === "list") {
    if (!Array.isArray(value)) {
      throw new TypeError(`pyframe: ${where} must be an array of ${field.type}, found ${describe(value)}; use [] for none`);
    }
    // Python itself puts None in some lists (Dict.keys, arguments.kw_defaults).
    return value.map((item) => item === null ? null : encodeItem(where, field.type, item, isFloat, minor));
  }
  if (value === undefined || (value === null && field.type !== "constant")) {
    if (field.quantity === "optional") return null;
    throw new TypeError(
      `pyframe: ${where} is required: expected ${article(field.type)}, found ${describe(value)}; pass it to the constructor`,
    );
  }
  return encodeItem(where, field.type, value, isFloat, minor);
}

function encodeItem(where: string, type: string, value: unknown, isFloat: boolean, minor: string): unknown {
  const kind = nodeClasses.get(type);
  if (kind) {
    if (value instanceof (kind as unknown as abstract new () => Node)) return encodeNode(value as Node, minor);
    const hint = type === "expr" && !(value instanceof Node) ? "; wrap plain values in ast.Constant" : "";
    throw new TypeError(`pyframe: ${where} must be ${article(type)}, found ${describe(value)}${hint}`);
  }
  if (type === "constant") return encodeConstant(where, value, isFloat);
  if ((type === "identifier" || type === "string") && typeof value === "string") return value;
  if (type === "int" && Number.isInteger(value)) return value;
  throw new TypeError(`pyframe: ${where} must be ${article(type)}, found ${describe(value)}`);
}

function encodeConstant(where: string, value: unknown, isFloat: boolean): unknown {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return encodeNumber(value, isFloat);
  if (typeof value === "bigint") return { _int: value.toString(16) };
  if (value instanceof Uint8Array) return { _bytes: bytesToHex(value) };
  if (value instanceof Complex) return { _complex: [floatText(value.real), floatText(value.imag)] };
  if (value === Ellipsis) return { _ellipsis: true };
  if (value instanceof ConstantTuple) return { _tuple: encodeElements(where, value.elements) };
  if (value instanceof ConstantFrozenSet) return { _frozenset: encodeElements(where, value.elements) };
  throw new TypeError(
    `pyframe: ${where} must be a constant value (number, bigint, string, boolean, null, Uint8Array, ast.Complex, ` +
      `ast.Ellipsis, ast.ConstantTuple or ast.ConstantFrozenSet), found ${describe(value)}`,
  );
}

function encodeElements(where: string, elements: unknown[]): unknown[] {
  return elements.map((element) => {
    if (!(element instanceof nodes.Constant)) {
      throw new TypeError(`pyframe: the elements of ${where} must be ast.Constant nodes, found ${describe(element)}`);
    }
    return encodeConstant(where, element.value, element.isFloat);
  });
}

function encodeNumber(value: number, isFloat: boolean): unknown {
  if (isFloat || !Number.isInteger(value)) return { _float: floatText(value) };
  return Number.isSafeInteger(value) ? value : { _int: BigInt(value).toString(16) };
}

/** The text Python's `float()` reads back as exactly `value`. */
function floatText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Object.is(value, -0)) return "-0.0";
  return String(value);
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function article(type: string): string {
  if (nodeClasses.has(type)) return `an ast.${type} node`;
  return { identifier: "an identifier string", string: "a string", int: "an integer" }[type] ?? type;
}

// ---------------------------------------------------------------------------------------------
// Versions

/** Whether a class or field with `versions` exists in Python `minor`. */
function isAvailable(versions: readonly string[], minor: string): boolean {
  const newest = nodes.PYTHON_VERSIONS[nodes.PYTHON_VERSIONS.length - 1];
  // Nodes generated before a newer Python came out are assumed to have survived into it.
  return versions.includes(minor) || (isNewer(minor, newest) && versions.includes(newest));
}

function isNewer(a: string, b: string): boolean {
  const [aMajor, aMinor] = a.split(".").map(Number), [bMajor, bMinor] = b.split(".").map(Number);
  return aMajor > bMajor || (aMajor === bMajor && aMinor > bMinor);
}

function requireVersion(what: string, versions: readonly string[], minor: string, fix: string): void {
  if (isAvailable(versions, minor)) return;
  const needs = versions.length === 0
    ? "is not in any supported Python"
    : isNewer(versions[0], minor)
    ? `needs Python ${versions[0]} or newer`
    : `exists only in Python ${versions.join(", ")}`;
  throw new TypeError(`pyframe: ${what} ${needs}, but the running Python is ${minor}; ${fix}`);
}
