/**
 * Test support, run as its own process by python_test.ts: leaves Python with a file written and
 * never closed (path in argv), an atexit handler, a non-daemon thread still sleeping and a Dynamo
 * open, then lets the process end. An exit listener added after pyframe's first use calls Python.
 */
import process from "node:process";
import { Dynamo, python } from "../mod.ts";

python.exec(`
import atexit, threading, time
left_open = open(${JSON.stringify(process.argv[2])}, "w")
left_open.write("written, never closed")
atexit.register(lambda: print("atexit handler ran", flush=True))
def finish_later():
    time.sleep(0.2)
    print("thread finished", flush=True)
threading.Thread(target=finish_later).start()
`);
new Dynamo(() => undefined);
const afterPyframe = () => {
  try {
    python.eval("1");
    console.log("a later exit listener still ran Python");
  } catch (error) {
    console.log(`a later exit listener: ${(error as Error).message}`);
  }
};
if ("Bun" in globalThis) process.on("exit", afterPyframe);
else globalThis.addEventListener("unload", afterPyframe);
console.log("script ended");
