/**
 * The generated node classes by Python name, and which of them (and of their fields) the running
 * Python has. Private to src/ast.
 *
 * @module
 */

import { helperFunction } from "../python/mod.ts";
import * as nodes from "./_nodes.ts";
import { Node, type NodeClass } from "./node.ts";

// Abstract categories included: field types name them (`expr`) and values are checked against them.
const nodeClasses = new Map<string, NodeClass>(
  (Object.values(nodes) as unknown[])
    .filter((value): value is NodeClass => typeof value === "function" && value.prototype instanceof Node)
    .map((kind) => [kind.typeName, kind]),
);

/** Every node class, abstract categories included, in the order of src/ast/_nodes.ts. */
export function allNodeClasses(): NodeClass[] {
  return [...nodeClasses.values()];
}

/** The node class named `name` in Python (`"BinOp"`, `"expr"`), if there is one. */
export function nodeClass(name: string): NodeClass | undefined {
  return nodeClasses.get(name);
}

let runningMinor: string | undefined;

/** The running Python's minor version, e.g. `"3.12"`. */
export function pythonMinor(): string {
  if (runningMinor === undefined) {
    using minor = helperFunction("python_minor").call();
    runningMinor = String(minor.toJS());
  }
  return runningMinor;
}

/** Whether the running Python is `minor` (`"3.13"`) or newer. */
export function pythonAtLeast(minor: string): boolean {
  return !isNewer(minor, pythonMinor());
}

/** Whether a class or field with `versions` exists in Python `minor`. */
export function isAvailable(versions: readonly string[], minor: string): boolean {
  const newest = nodes.PYTHON_VERSIONS[nodes.PYTHON_VERSIONS.length - 1];
  // Nodes generated before a newer Python came out are assumed to have survived into it.
  return versions.includes(minor) || (isNewer(minor, newest) && versions.includes(newest));
}

function isNewer(a: string, b: string): boolean {
  const [aMajor, aMinor] = a.split(".").map(Number), [bMajor, bMinor] = b.split(".").map(Number);
  return aMajor > bMajor || (aMajor === bMajor && aMinor > bMinor);
}

/** Throws when `what` (a class or field with `versions`) is missing from Python `minor`. */
export function requireVersion(what: string, versions: readonly string[], minor: string, fix: string): void {
  if (isAvailable(versions, minor)) return;
  const needs = versions.length === 0
    ? "is not in any supported Python"
    : isNewer(versions[0], minor)
    ? `needs Python ${versions[0]} or newer`
    : `exists only in Python ${versions.join(", ")}`;
  throw new TypeError(`pyframe: ${what} ${needs}, but the running Python is ${minor}; ${fix}`);
}
