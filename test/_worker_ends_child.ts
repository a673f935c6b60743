/**
 * Test support, run by bridge_gil_test.ts in a process of its own: a Worker starts Python and
 * leaves a Python thread running, then ends (terminated, or closing itself, as the last argument
 * says: "terminate" or "close"). The process must go on and exit 0: Deno unloads the libraries a
 * Worker opened, and CPython's thread kept calling into pyframe's.
 */
import process from "node:process";

const how = process.argv.at(-1);
const worker = new Worker(new URL("./_worker_ends_worker.ts", import.meta.url).href, { type: "module" });
const said = await new Promise((resolve) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = (event) => resolve(`error: ${event.message}`);
});
if (said !== "ready") throw new Error(`the worker said ${said}`);
if (how === "close") worker.postMessage("close");
else worker.terminate();
await new Promise((resolve) => setTimeout(resolve, 500)); // the Python thread runs on
console.log(JSON.stringify({ survived: how }));
process.exit(0);
