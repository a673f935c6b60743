/**
 * Test support, run as a Worker by _worker_ends_child.ts: starts Python on the Worker's thread,
 * with a Dynamo and a Python thread that keeps calling Python functions and a JS function, then
 * says it is ready; the Worker is then ended (terminated, or closing itself when sent a message)
 * while that thread runs on.
 */
import { Dynamo, python } from "../mod.ts";

declare const self: { postMessage(message: string): void; close(): void; onmessage: unknown };
python.exec(`
import threading, time
def square(x):
    return x * x
def keep_calling(js_function):
    while True:
        square(3)
        try:
            js_function()
        except RuntimeError:
            pass  # refused: JS runs on its own thread only
        time.sleep(0.001)
`);
python.import("__main__").set("js_function", () => 1);
new Dynamo(() => undefined); // left open: its eval-frame function stays installed
python.eval("square(2)");
python.exec("threading.Thread(target=keep_calling, args=(js_function,), daemon=True).start()");
self.onmessage = () => self.close(); // asked to end itself
self.postMessage("ready");
