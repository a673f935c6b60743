/**
 * `Dynamo`: installs the eval-frame hook for a scope and routes each new code object to a
 * TypeScript callback, PEP 523 style.
 *
 * @module
 */

import { frameCallbackSpec, load, type NativeCallback, type Ptr, runtime } from "../ffi/mod.ts";
import {
  checkOptions,
  describeValue,
  dropRefusedPromise,
  helperFunction,
  open,
  PyObject,
  raise,
  raiseThrown,
  requireFunction,
} from "../python/mod.ts";
import { Decision } from "./decision.ts";
import { type Frame, frameAt, invalidateFrame, withFrameCode, withFrameFunction } from "./frame.ts";

/**
 * Called once per code object (per Dynamo) with the first frame of that code. Return `undefined`
 * to run the original code, a code object to run instead, or a {@link Decision}. A code object
 * holds one answer: one an inner Dynamo was asked about is asked about again once it is disposed.
 */
export type FrameCallback = (frame: Frame) => PyObject | Decision | undefined | void;

/** Options for {@link Dynamo}. */
export interface DynamoOptions {
  /**
   * `"normal"` (default) asks the callback about code it has not seen; `"run-only"` only applies
   * decisions already cached by this Dynamo and runs unseen code unchanged.
   */
  mode?: "normal" | "run-only";
  /**
   * Code whose filename starts with one of these strings, or matches one of these regular
   * expressions, runs unchanged without calling the callback (checked once per code object, then
   * cached natively). {@link standardLibraryPaths} lists the standard library and site-packages.
   */
  skip?: readonly (string | RegExp)[];
}

/** The native side's answers (engine.zig `Answer`). */
const Answer = { failed: -1, original: 0, replace: 1, skip: 2, skipTree: 3, askAgain: 4, replaceOnce: 5 } as const;
const nativeModes = { "normal": 0, "passthrough": 1, "run-only": 2 } as const;

const layers: Dynamo[] = [];
let nextLayerId = 1;
let trampoline: NativeCallback | undefined;

/**
 * Intercepts every new Python frame while it is active; `using` scopes it. Nested Dynamos stack:
 * the innermost decides, and disposing one puts back the Dynamo (or hook) active before it.
 *
 * @example
 * ```ts
 * import { ast, Dynamo, python } from "@pyframe/dynamo";
 * python.exec("def bob():\n    return 1 + 2\n");
 * {
 *   using _ = new Dynamo((frame) => {
 *     if (frame.name !== "bob") return;
 *     const tree = ast.parse(frame.source.replace("1 + 2", "10 + 20"));
 *     return ast.compile(tree, frame);
 *   });
 *   python.eval("bob()"); // 30
 * }
 * python.eval("bob()"); // 3
 * ```
 */
export class Dynamo implements Disposable {
  readonly #layer = nextLayerId++;
  readonly #callback: FrameCallback;
  readonly #mode: "normal" | "run-only";
  readonly #skip: readonly (string | RegExp)[];
  /** Functions whose `__code__` this Dynamo's callback set with `patch()` (helper `_Patch`es). */
  readonly #patches: PyObject[] = [];
  #active = true;

  /** Installs the hook: `callback` decides for each new code object; see {@link DynamoOptions}. */
  constructor(callback: FrameCallback, options: DynamoOptions = {}) {
    requireFunction(callback, "new Dynamo(callback)");
    checkOptions(options, ["mode", "skip"] satisfies (keyof DynamoOptions)[], "new Dynamo(callback, options)");
    const mode = options.mode ?? "normal";
    if (mode !== "normal" && mode !== "run-only") {
      throw new TypeError(`pyframe: Dynamo mode must be "normal" or "run-only", got ${JSON.stringify(mode)}`);
    }
    const skipRules = options.skip ?? [];
    if (!Array.isArray(skipRules)) {
      // A lone string would be taken apart into one-character prefixes ("/" skips every file).
      throw new TypeError(
        `pyframe: Dynamo skip takes an array of filename prefixes and RegExps, got ${describeValue(skipRules)}` +
          ` (wrap a single rule: { skip: [rule] })`,
      );
    }
    for (const rule of skipRules) {
      if (typeof rule !== "string" && !(rule instanceof RegExp)) {
        throw new TypeError(
          `pyframe: Dynamo skip rules are filename prefixes (strings) or RegExps, got ${describeValue(rule)}`,
        );
      }
      if (rule === "") {
        // Every filename starts with "": an unset variable turned into a prefix would skip all code.
        throw new TypeError(
          'pyframe: Dynamo skip rule "" is a prefix of every filename, so it would skip all code; ' +
            "remove it (or skip everything on purpose with /^/)",
        );
      }
    }
    this.#callback = callback;
    this.#mode = mode;
    this.#skip = [...skipRules]; // The caller's array may change later; the rules do not.
    open();
    layers.push(this);
    activate(this);
  }

  /** Whether this Dynamo is installed (not yet disposed). */
  get active(): boolean {
    return this.#active;
  }

  /** @internal */
  get layer(): number {
    return this.#layer;
  }

  /** @internal */
  get mode(): "normal" | "run-only" {
    return this.#mode;
  }

  /** @internal */
  get callback(): FrameCallback {
    return this.#callback;
  }

  /** @internal Whether the skip rules exclude the frame's code (reads the filename only if there are rules). */
  skips(frame: Frame): boolean {
    if (this.#skip.length === 0) return false;
    const filename = frame.filename;
    // search(), not test(): it ignores lastIndex, which test() on a /g or /y RegExp moves on
    // each match, so the same rule would miss every other file.
    return this.#skip.some((rule) => typeof rule === "string" ? filename.startsWith(rule) : filename.search(rule) >= 0);
  }

  /** @internal Keeps a patch made for this Dynamo's callback, to undo when it is disposed. */
  keepPatch(patch: PyObject): void {
    this.#patches.push(patch);
    if (!this.#active) this.#unpatch(); // the callback disposed its own Dynamo
  }

  /**
   * Removes this Dynamo; the one below it (or no hook at all) takes over, and functions it
   * {@link patch}ed get their code back. Safe to call twice.
   */
  dispose(): void {
    if (!this.#active) return;
    this.#active = false;
    layers.splice(layers.indexOf(this), 1);
    const { native } = load();
    native.pyframe_clear_layer(this.#layer);
    const top = layers.at(-1);
    if (top) activate(top);
    else {
      native.pyframe_set_layer(0);
      native.pyframe_hook_uninstall();
    }
    this.#unpatch();
  }

  #unpatch(): void {
    if (this.#patches.length === 0) return;
    const patches = this.#patches.splice(0);
    try {
      using unpatch = helperFunction("unpatch");
      unpatch.call(patches).dispose();
    } finally {
      for (const patch of patches) patch.dispose();
    }
  }

  /** `using` removes the hook at the end of the block, as {@link Dynamo.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function activate(top: Dynamo): void {
  const { native } = load();
  trampoline ??= runtime.callback(frameCallbackSpec, onFrame);
  native.pyframe_set_layer(top.layer);
  native.pyframe_hook_install(trampoline);
  native.pyframe_hook_set_mode(nativeModes[top.mode]);
}

/** Called by the native hook on a cache miss. Never throws: an error becomes a Python exception. */
function onFrame(address: Ptr): number {
  const top = layers.at(-1);
  if (!top) return Answer.original;
  const frame = frameAt(address);
  try {
    if (top.skips(frame)) return Answer.skip;
    const given = answer(top.callback(frame), frame, top);
    // A callback that disposed its own Dynamo: its layer is already cleared, so a replacement
    // cached there would be held, unused, until the code dies. It runs in this frame only.
    return given === Answer.replace && !top.active ? Answer.replaceOnce : given;
  } catch (error) {
    raiseFromJS(error);
    return Answer.failed;
  } finally {
    invalidateFrame(frame);
  }
}

function answer(result: unknown, frame: Frame, dynamo: Dynamo): number {
  if (result === undefined) return Answer.original;
  if (result instanceof PyObject) return handOver(result, frame) ? Answer.replace : Answer.failed;
  if (result instanceof Decision) {
    if (result.kind === "skip") return Answer.skip;
    if (result.kind === "skipTree") return Answer.skipTree;
    if (result.kind === "patch") return patchItsFunction(result.replacement, frame, dynamo);
    if (!result.replacement) return Answer.askAgain;
    return handOver(result.replacement, frame) ? Answer.replaceOnce : Answer.failed;
  }
  const promised = result instanceof Promise
    ? " (the callback runs inside the Python call that started the frame, so it must answer " +
      "synchronously: an async function's Promise comes too late)"
    : "";
  dropRefusedPromise(result);
  raise(
    `pyframe: a Dynamo callback returns undefined (run the original), a code object (run it instead) ` +
      `or a decision (skip(), askAgain()); it returned ${describeValue(result)} for ${frame.qualname}${promised}`,
    open().typeErrorType,
  );
  return Answer.failed;
}

/** Checks that `replacement` fits the frame and gives it to the native side. */
function handOver(replacement: PyObject, frame: Frame): boolean {
  const reason = withFrameCode(frame, (code) => {
    using mismatch = helperFunction("replacement_mismatch").call(code, replacement);
    return mismatch.toJS();
  });
  if (reason !== null) {
    raise(`pyframe: the replacement for ${frame.qualname} cannot run in its frame: ${reason}`, open().typeErrorType);
    return false;
  }
  load().native.pyframe_decide_replace(replacement.pointer);
  return true;
}

/**
 * Runs `replacement` in this frame and makes it the frame's function's `__code__` (see `patch()`),
 * its own frames then run as they are in this Dynamo, unasked.
 */
function patchItsFunction(replacement: unknown, frame: Frame, dynamo: Dynamo): number {
  if (!(replacement instanceof PyObject)) {
    raise(
      `pyframe: patch(code) needs a code object (a PyObject), got ${describeValue(replacement)} for ${frame.qualname}`,
      open().typeErrorType,
    );
    return Answer.failed;
  }
  if (!handOver(replacement, frame)) return Answer.failed;
  using patchFunction = helperFunction("patch_function");
  // Neither the function nor its code is kept by the Frame: a patch must not hold the function
  // (with its closure) alive, until the JS garbage collector finalizes the Frame.
  const patch = withFrameFunction(
    frame,
    (fn) => withFrameCode(frame, (code) => patchFunction.call(fn, code, replacement)),
  );
  dynamo.keepPatch(patch);
  if (load().native.pyframe_code_run_as_is(replacement.pointer, dynamo.layer) !== 0) {
    raise("pyframe: out of memory while caching a decision");
    return Answer.failed;
  }
  return Answer.replace;
}

/** A PythonError keeps its Python exception; any other JS error becomes a RuntimeError. */
function raiseFromJS(error: unknown): void {
  raiseThrown(open(), error, (shown) => raise(`pyframe: the Dynamo callback threw ${shown}`));
}

/**
 * The directories of the running interpreter's standard library and site-packages, for
 * {@link DynamoOptions.skip}.
 *
 * @example
 * ```ts
 * import { Dynamo, standardLibraryPaths } from "@pyframe/dynamo";
 * using _ = new Dynamo((frame) => console.log(frame.qualname), { skip: standardLibraryPaths() });
 * ```
 */
export function standardLibraryPaths(): string[] {
  using paths = helperFunction("library_paths").call();
  return paths.toJS() as string[];
}
