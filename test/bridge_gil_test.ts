import { test } from "uvu";
import * as assert from "uvu/assert";
import { Dynamo } from "../src/dynamo/mod.ts";
import { handleCount, python } from "../src/python/mod.ts";
import { lastJsonLine, runChild } from "./_child.ts";
import { scaledCode } from "./_rewrite.ts";

python.exec(`
import ctypes, threading, time

class Worker:
    """Counts in a Python thread until stopped."""
    def __init__(self, sleep):
        self.count = 0
        self.running = True
        self.sleep = sleep
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
    def run(self):
        while self.running:
            self.count += 1
            if self.sleep:
                time.sleep(0.001)
    def stop(self):
        self.running = False
        self.thread.join(5)
        return not self.thread.is_alive()

def call_from_thread(f):
    result = {}
    def run():
        try:
            result["value"] = f()
        except RuntimeError as e:
            result["error"] = str(e)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    result["finished"] = not thread.is_alive()
    return result

def hand_to_thread(f):
    box = [f]
    del f
    def run():
        box.clear()  # the thread drops the last reference
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)

def thread_state():
    return ctypes.pythonapi.PyThreadState_Get()

def bob():
    return 1 + 2
`);
const main = python.import("__main__");
const PythonWorker = main.get("Worker");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("Python threads started earlier keep running while JS awaits", async () => {
  for (const sleeps of [true, false]) {
    using worker = PythonWorker.call(sleeps);
    await sleep(20);
    const before = worker.get("count").toJS() as number;
    await sleep(200);
    const after = worker.get("count").toJS() as number;
    assert.ok(worker.callMethod("stop").toJS(), "the thread stops when asked");
    assert.ok(
      after - before > (sleeps ? 20 : 1000),
      `${sleeps ? "a sleeping" : "a busy"} thread advanced only ${after - before} steps in 200 ms`,
    );
  }
});

test("between two calls from synchronous JS, a Python thread gets its turn", () => {
  using worker = PythonWorker.call(false);
  const start = Date.now();
  let before = worker.get("count").toJS() as number;
  while (before === 0 && Date.now() - start < 2000) before = worker.get("count").toJS() as number;
  let after = before;
  while (after === before && Date.now() - start < 2000) after = worker.get("count").toJS() as number;
  worker.callMethod("stop").dispose();
  assert.ok(after > before, "the thread never ran between calls");
});

test("a JS function called from another Python thread raises RuntimeError there, without hanging", () => {
  let calls = 0;
  const result = main.get("call_from_thread").call(() => ++calls).toJS() as Map<string, unknown>;
  assert.is(result.get("finished"), true);
  assert.match(String(result.get("error")), /called from a Python thread that is not the JavaScript thread/);
  assert.is(calls, 0, "JS never ran on the other thread");
  assert.is(main.get("call_from_thread").call(() => 1).toJS() instanceof Map, true);
});

test("a JS function dropped by another Python thread is released later by the JS thread", () => {
  const before = handleCount();
  main.get("hand_to_thread").call(() => 1).dispose();
  python.callable(() => 2).dispose(); // the next handle the JS thread makes collects the queue
  assert.is(handleCount(), before);
});

test("the JS thread keeps one thread state across calls and awaits (the Dynamo hook relies on it)", async () => {
  const first = python.eval("thread_state()");
  await sleep(5);
  assert.is(python.eval("thread_state()"), first);
  assert.is(python.eval("threading.current_thread() is threading.main_thread()"), true);
});

test("a Dynamo callback calls back into Python while other threads run; their frames never reach JS", async () => {
  python.exec(`
thread_results = set()
def hammer(stop):
    while not stop.is_set():
        thread_results.add(bob())
stop = threading.Event()
hammer_thread = threading.Thread(target=hammer, args=(stop,), daemon=True)
`);
  const names: string[] = [];
  {
    using _ = new Dynamo((frame) => {
      names.push(frame.name);
      return frame.name === "bob" ? scaledCode(frame) : undefined; // scaledCode calls Python
    });
    python.exec("hammer_thread.start()");
    await sleep(50);
    assert.is(python.eval("bob()"), 30);
    await sleep(50);
    python.exec("stop.set()\nhammer_thread.join(5)");
  }
  assert.equal(python.eval("sorted(thread_results)"), [3], "other threads ran the original code");
  assert.not.ok(names.includes("hammer"), "the thread's frames never reached the callback");
});

test("a Worker (a second JS thread) is refused with a clear error instead of crashing", async () => {
  const worker = new Worker(new URL("./_worker_child.ts", import.meta.url).href, { type: "module" });
  const message = await new Promise<string>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent) => resolve(String(event.data));
    worker.onerror = (event: Event) => reject(new Error(`the worker failed: ${(event as ErrorEvent).message}`));
  });
  worker.terminate();
  assert.match(
    message,
    /^refused: CPython already runs in this process on another JS thread \(a Worker cannot use pyframe\)/,
  );
  assert.is(python.eval("1 + 1"), 2, "the main thread still works");
});

// Deno unloads the libraries a Worker opened when it ends; CPython lives on in the process and
// kept calling pyframe's eval-frame function from a Python thread: a segfault. pyframe now stays
// loaded (RTLD_NODELETE).
for (const how of ["terminate", "close"]) {
  test(`a Worker that started Python can end (${how}) while a Python thread runs on`, () => {
    const child = runChild("test/_worker_ends_child.ts", { args: [how] });
    assert.equal(lastJsonLine(child), { survived: how });
  });
}

test.run();
