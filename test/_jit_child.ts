/**
 * Test support, run as its own process by jit_test.ts with PYTHON_JIT=1 (CPython reads it at
 * start-up): replacements swapped into frames, patch()ed, and a generator's, each running loops hot
 * enough for CPython's JIT to compile them. Prints one JSON line: what the loops returned, whether
 * the JIT was on, and how many executors the swapped replacement's code holds.
 */
import { ast, Dynamo, type Frame, patch, python } from "../mod.ts";

python.exec(`
import _opcode, sys

def helper(x):
    return x + 1

def hot(n):
    global running_code
    running_code = sys._getframe().f_code
    total = 0
    for i in range(n):
        total += helper(i) * 3
    return total

def patched(n):
    total = 0
    for i in range(n):
        total += i * 3
    return total

def counting(n):
    for i in range(n):
        yield i * 3

def executors(code):
    found = 0
    for offset in range(0, len(code.co_code), 2):
        try:
            _opcode.get_executor(code, offset)
        except (RuntimeError, ValueError):
            continue
        found += 1
    return found
`);

/** The function's source with its constant 3 made 30. */
function scaled(frame: Frame) {
  return ast.compile(ast.parse(frame.source.replaceAll("* 3", "* 30")), frame);
}

const rounds = 5, n = 20_000;
const results: Record<string, number[]> = { hot: [], patched: [], counting: [] };
{
  using _ = new Dynamo((frame) => {
    if (frame.name === "hot" || frame.name === "counting") return scaled(frame);
    if (frame.name === "patched") return patch(scaled(frame));
  });
  for (let round = 0; round < rounds; round++) {
    results.hot.push(python.eval(`hot(${n})`) as number);
    results.patched.push(python.eval(`patched(${n})`) as number);
    results.counting.push(python.eval(`sum(counting(${n}))`) as number);
  }
}
console.log(JSON.stringify({
  results,
  jit: python.eval("sys._jit.is_enabled()"),
  replacementRan: python.eval("running_code is not hot.__code__"),
  executors: python.eval("executors(running_code)"),
}));
