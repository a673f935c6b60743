/**
 * Test support, run as a Worker by bridge_gil_test.ts after the main thread started Python:
 * posts what using pyframe from a second JS thread does.
 */
import { python } from "../src/python/mod.ts";

declare const self: { postMessage(message: string): void };
try {
  self.postMessage(`ran: ${python.eval("1 + 1")}`);
} catch (error) {
  self.postMessage(`refused: ${error instanceof Error ? error.message : String(error)}`);
}
