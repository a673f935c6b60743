/**
 * The GIL, seen from the JS thread. Python runs on the JS thread only inside a scope
 * (`enterPython` … `leavePython`): the outermost enter re-attaches the thread state that start-up
 * detached (taking the GIL); the outermost leave detaches it again — at once when another Python
 * thread exists, else at the end of the current JS task. So whenever JS awaits or idles, and
 * between any two calls while other threads exist, Python threads run.
 *
 * Scopes nest: Python calling a JS callback that calls Python again (a Dynamo frame callback, a JS
 * function passed to Python) runs inside the scope that entered Python first, with the GIL held.
 * The thread state re-attached is always the one start-up detached, so `PyThreadState_Get()` on
 * the JS thread answers the same object at every call (the Dynamo hook relies on it).
 *
 * @module
 */

import type { Ptr } from "./_runtime.ts";

interface ThreadSwitch {
  PyEval_SaveThread(): Ptr;
  PyEval_RestoreThread(state: Ptr): void;
  PyInterpreterState_ThreadHead(interpreter: Ptr): Ptr;
  PyThreadState_Next(state: Ptr): Ptr;
}

let threads: ThreadSwitch | undefined;
let interpreter: Ptr = 0;
let detached: Ptr = 0;
let depth = 0;
/** The GIL is still ours although no scope is open (see `leavePython`). */
let kept = false;
let releaseScheduled = false;
/** The interpreter was finalized as the process exited (`finalizePython`): Python cannot be entered. */
let finalized = false;

/** Called once, right after the interpreter starts on this thread: releases the GIL. */
export function startReleasing(api: ThreadSwitch, mainInterpreter: Ptr): void {
  if (threads) throw new Error("pyframe: the GIL is already managed (startReleasing called twice)");
  if (depth !== 0) throw new Error("pyframe: the interpreter started inside a Python scope");
  threads = api;
  interpreter = mainInterpreter;
  detached = api.PyEval_SaveThread();
}

/** Whether the interpreter was finalized as the process began to exit: Python can no longer be called. */
export function pythonEnded(): boolean {
  return finalized;
}

/** Takes the GIL unless this thread holds it already. Pair every call with {@link leavePython}. */
export function enterPython(): void {
  if (finalized) {
    throw new Error(
      "pyframe: the Python interpreter was finalized as the process began to exit; Python cannot be called " +
        "any more (an exit listener registered before pyframe's first use still can)",
    );
  }
  if (depth++ !== 0 || !threads) return;
  if (kept) kept = false;
  else threads.PyEval_RestoreThread(detached);
}

/**
 * Ends a scope opened by {@link enterPython}. The outermost one releases the GIL at once when
 * another Python thread exists (it may be waiting for it). When the JS thread's is the only thread
 * state, the GIL stays taken until the current JS task ends (a microtask), so a burst of
 * synchronous calls pays for it once (measured: 150-300 ns per take-and-release); a thread created
 * meanwhile makes the next outermost leave release at once. Either way, the GIL is free whenever
 * JS awaits or idles.
 */
export function leavePython(): void {
  if (depth === 0) throw new Error("pyframe: leavePython without enterPython");
  if (--depth !== 0 || !threads) return;
  if (otherThreadsExist(threads)) return detach(threads);
  kept = true;
  if (releaseScheduled) return;
  releaseScheduled = true;
  queueMicrotask(releaseKept);
}

function detach(api: ThreadSwitch): void {
  kept = false;
  detached = api.PyEval_SaveThread();
}

function releaseKept(): void {
  releaseScheduled = false;
  if (kept && depth === 0) detach(threads!);
}

/** Read with the GIL held, so no thread state is freed meanwhile. A thread state being added
 * concurrently (a foreign thread's PyGILState_Ensure) may be missed: it then waits for the
 * end-of-task release. */
function otherThreadsExist(api: ThreadSwitch): boolean {
  const head = api.PyInterpreterState_ThreadHead(interpreter);
  return head !== detached || !!api.PyThreadState_Next(head);
}

/**
 * Runs `finalize`, which ends the interpreter, holding the GIL; from then on every entry into
 * Python throws. Does nothing while Python is on the JS thread's stack (the process exits from
 * inside a call from Python, whose frames cannot be unwound first).
 */
export function finalizePython(finalize: () => void): void {
  if (!threads || depth !== 0 || finalized) return;
  enterPython();
  try {
    finalize();
  } finally {
    // The thread state is gone with the interpreter: nothing is left to detach or release.
    finalized = true;
    threads = undefined;
    depth = 0;
    kept = false;
  }
}

/** Whether the JS thread holds the GIL now (inside a scope, or in a callback from Python). */
export function holdsPython(): boolean {
  return depth > 0;
}

/**
 * Runs `body` holding the GIL. Keep `body` synchronous: a scope ends when `body` returns, so
 * code after an `await` inside it runs without the GIL (and takes it again on its next call).
 *
 * @example
 * ```ts
 * import { inPython } from "./gil.ts";
 * inPython(() => 1 + 1); // 2, computed while holding the GIL
 * ```
 */
export function inPython<T>(body: () => T): T {
  enterPython();
  try {
    return body();
  } finally {
    leavePython();
  }
}

/**
 * Marks code running because Python called JS on this thread (Python holds the GIL there): nested
 * calls into Python must not try to take it again. Never takes or releases the GIL itself.
 */
export function calledFromPython<T>(body: () => T): T {
  depth++;
  try {
    return body();
  } finally {
    depth--;
  }
}

type Call = (...args: never[]) => unknown;

/** A function calling `call` inside a scope: the safety net for native calls made outside one. */
export function guarded<F extends Call>(call: F): F {
  return ((...args: Parameters<F>) => {
    if (depth > 0) return call(...args);
    enterPython();
    try {
      return call(...args);
    } finally {
      leavePython();
    }
  }) as F;
}
