/**
 * Test support: `in_a_thread(function)` in `__main__`, which runs `function()` in a new Python
 * thread (one that never calls JS) and returns `[its result]`, or `[]` if it did not finish.
 */
import { python } from "../src/python/mod.ts";

python.exec(`
def in_a_thread(function):
    import threading
    out = []
    worker = threading.Thread(target=lambda: out.append(function()))
    worker.start()
    worker.join(60)
    return out
`);
