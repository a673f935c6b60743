// sys.executable names the Python interpreter (not deno or bun), so multiprocessing can start
// worker interpreters from embedded code.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { python } from "../mod.ts";

test("a multiprocessing pool (spawn) runs work in child Python processes", () => {
  // Work is pickled by reference, so it must live in an importable module (children cannot
  // import functions defined in the embedded __main__): stdlib functions here.
  python.exec(`
import math, multiprocessing, os

def pool_results():
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        return [pool.map(math.factorial, [5, 6, 7]), pool.apply(os.getpid) != os.getpid()]
`);
  assert.equal(python.eval("pool_results()"), [[120, 720, 5040], true]);
});

test("a spawned multiprocessing.Process runs the Python interpreter and reports its exit code", () => {
  python.exec(`
def process_exit_code():
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=os._exit, args=(7,))
    process.start()
    process.join(30)
    return process.exitcode
`);
  assert.is(python.eval("process_exit_code()"), 7);
});

test.run();
