/**
 * Test support, run as its own process by python_test.ts: leaves a JS function held by Python (in
 * __main__, which JS holds too) after a Dynamo answered askAgain for the frames of deep recursions,
 * then lets the process end: Python finalizes with that function still alive.
 */
import { askAgain, Dynamo, python } from "../mod.ts";

const FILENAME = "finalize_child.py";
const main = python.import("__main__");
main.set("kept_js_function", python.callable(() => undefined));
python.exec(
  `
import sys
def forever(n):
    return forever(n + 1)
def recursion_errors():
    old = sys.getrecursionlimit()
    for limit in (60, 200, 400):
        sys.setrecursionlimit(limit)
        try:
            forever(0)
        except RecursionError:
            pass
    sys.setrecursionlimit(old)
def same(code):
    return code.replace(co_name=code.co_name)
`,
  { filename: FILENAME },
);
const same = main.get("same");
{
  using _ = new Dynamo((frame) => frame.filename === FILENAME ? askAgain(same.call(frame.code)) : undefined);
  main.get("recursion_errors").call();
}
console.log("script ended");
