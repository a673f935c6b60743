/**
 * What ties TypeScript nodes made by `parse` to the Python tree they were read from, so that
 * sending the tree back to Python changes only what TypeScript changed instead of building every
 * node again. Private to src/ast.
 *
 * Python builds a node about as slowly as it walks one, so rebuilding the whole tree would cost
 * more than the transform saves; patching the tree Python already has costs only the changes.
 *
 * @module
 */

import type { PyObject } from "../python/mod.ts";
import type { Node } from "./node.ts";

/**
 * One Python tree read by `parse`. It may be patched once: after that the Python side is no
 * longer known (compile moves its lines, toPython hands it to the user), so later conversions
 * of its nodes build new Python nodes.
 */
export class Session {
  #usable = true;
  constructor(readonly root: PyObject) {}

  /** Whether nodes of this session may still stand for their Python originals. */
  get usable(): boolean {
    return this.#usable;
  }

  /** Marks the Python tree as handed over: its nodes will be built anew from now on. */
  spend(): void {
    this.#usable = false;
  }
}

/**
 * Where a TypeScript node came from: its Python original (reached from the session's root by
 * the path of parent fields) and the values Python holds for its fields and attributes.
 */
export class Origin {
  /**
   * Python's values, in the order of `_fields` then `_attributes` (then `isFloat` for a
   * Constant); lists are copies. `undefined` where Python has none. Empty until built.
   */
  values: unknown[] = NO_VALUES;

  constructor(
    readonly session: Session,
    readonly node: Node,
    /** The parent node, field name and list index (or -1) through which Python reaches the original. */
    public parent: Node | null = null,
    public field = "",
    public index = -1,
  ) {}
}

const NO_VALUES: unknown[] = [];

/** The key of a node's {@link Origin}; a symbol so it stays out of keys, JSON and equality. */
export const ORIGIN: unique symbol = Symbol("pyframe.ast.origin");

/** A node that may carry an origin. */
export type Traced = Node & { [ORIGIN]?: Origin };

/**
 * The node's origin when it still stands for its Python original in `session`. A node copied
 * with its symbol properties (Object.assign) carries another node's origin: it is not that
 * original, hence the identity check.
 */
export function originIn(node: Node, session: Session): Origin | undefined {
  const origin = (node as Traced)[ORIGIN];
  return origin !== undefined && origin.node === node && origin.session === session ? origin : undefined;
}

/** The first session a node of the tree could be patched in, if any: the root's, usually. */
export function usableSession(node: Node): Session | undefined {
  const origin = (node as Traced)[ORIGIN];
  return origin !== undefined && origin.node === node && origin.session.usable ? origin.session : undefined;
}

/** The steps from the session's root to the original of `node`: field names and list indexes. */
export function pathOf(origin: Origin): (string | number)[] {
  const steps: (string | number)[] = [];
  for (let current: Origin | undefined = origin; current?.parent; current = (current.parent as Traced)[ORIGIN]) {
    if (current.index >= 0) steps.push(current.index);
    steps.push(current.field);
  }
  return steps.reverse();
}
