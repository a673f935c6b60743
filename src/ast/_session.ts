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
 * One Python tree read by `parse`: the Python list of its nodes, in the order the native codec
 * wrote them (a node's position there is its index), and a snapshot of what Python holds for
 * each. It may be patched once: after that the Python side is no longer known (compile moves its
 * lines, toPython hands it to the user), so later conversions of its nodes build new Python nodes.
 *
 * Nodes without fields or attributes (Load(), Add()) are not in it: like Python, the decoder has
 * one instance per class for every tree, with nothing to patch.
 *
 * The snapshot is one flat array, allocated once at the size the stream announces, so reading a
 * tree allocates nothing per node beyond the node. A node's entry starts at its {@link OFFSET}:
 * the node itself (a copy made with Object.assign carries the offset but is not the node there),
 * its index doubled (plus one for a Constant read as a float), then Python's values of
 * `_attributes`, then of `_fields`, each in its order (a list as its length then its items;
 * `undefined` where Python has none).
 */
export class Session {
  #usable = true;
  snapshot: unknown[] = [];
  /** How much of the snapshot is written: the next entry's offset. */
  filled = 0;
  /** How many nodes were read: the next node's index. */
  count = 0;
  /** Whether it holds its Python tree, and the sessions held just before and after it (see HoldOrder). */
  held = false;
  older: Session | undefined;
  newer: Session | undefined;

  constructor(readonly nodes: PyObject) {}

  /** Whether nodes of this session may still stand for their Python originals. */
  get usable(): boolean {
    return this.#usable;
  }

  /**
   * Keeps the Python tree for patching, once its nodes are read, letting go of the oldest trees
   * kept when together they hold more than {@link HELD_NODES_MAX} nodes.
   */
  hold(): void {
    held.append(this);
    heldNodes += this.count;
    while (heldNodes > HELD_NODES_MAX && held.oldest !== this) held.oldest!.release();
  }

  /** Marks the Python tree as handed over: its nodes will be built anew from now on. */
  spend(): void {
    this.#usable = false;
    if (held.remove(this)) heldNodes -= this.count;
  }

  /** Spends the session and lets go of the Python tree and the snapshot. */
  release(): void {
    this.spend();
    this.nodes.dispose();
    this.snapshot = [];
  }

  /** Where `node`'s snapshot entry starts, if it still stands for its Python original here. */
  offsetOf(node: Node): number {
    const traced = node as Traced;
    const offset = traced[OFFSET];
    return traced[SESSION] === this && offset !== undefined && this.snapshot[offset] === node ? offset : -1;
  }
}

/**
 * How many parsed nodes may keep their Python originals at once. A tree that is parsed and never
 * compiled (analysis, linting) would otherwise keep its Python tree until the JavaScript garbage
 * collector finalizes its session, and Python's own collector walks every one of those nodes
 * again and again. A tree let go still compiles: its nodes are built anew.
 */
export const HELD_NODES_MAX = 20_000;

/**
 * Sessions in the order they were held, linked both ways through their own fields: a session
 * leaves from anywhere in O(1) when it is spent, and the oldest is at hand. (A Set kept in
 * insertion order made each eviction walk past the entries deleted before it: parsing many trees
 * became quadratic.)
 */
class HoldOrder {
  oldest: Session | undefined;
  #newest: Session | undefined;

  append(session: Session): void {
    session.older = this.#newest;
    session.newer = undefined;
    session.held = true;
    if (this.#newest) this.#newest.newer = session;
    else this.oldest = session;
    this.#newest = session;
  }

  /** Takes `session` out; false when it was not in. */
  remove(session: Session): boolean {
    if (!session.held) return false;
    const { older, newer } = session;
    if (older) older.newer = newer;
    else this.oldest = newer;
    if (newer) newer.older = older;
    else this.#newest = older;
    session.held = false;
    session.older = session.newer = undefined;
    return true;
  }
}

/** Sessions holding their Python trees, and how many nodes they hold. */
const held = new HoldOrder();
let heldNodes = 0;

/** How many nodes the held sessions hold (tests). */
export function heldNodeCount(): number {
  return heldNodes;
}

/** The session a node was read in; a symbol so it stays out of keys, JSON and equality. */
export const SESSION: unique symbol = Symbol("pyframe.ast.session");
/** Where the node's entry starts in its session's snapshot. */
export const OFFSET: unique symbol = Symbol("pyframe.ast.offset");

/** A node that may have been read from Python. */
export type Traced = Node & { [SESSION]?: Session; [OFFSET]?: number };
