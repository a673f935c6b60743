// Dynamos opened and disposed in random order (seeded, so a failure replays), each answering in
// its own way (run the original, a swapped rewrite, patch(), skip, ask again, run-only, ending
// itself from its callback, or failing the call), while code objects are made and freed and a
// Python thread runs the same workload: every result stays what plain Python gives (or the call
// fails as a failing answer makes it), and once the last Dynamo is gone no replacement is held
// and every patched function has its own code back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { askAgain, Dynamo, type Frame, type FrameCallback, patch, skip } from "../src/dynamo/mod.ts";
import { python, PythonError } from "../src/python/mod.ts";
import { load } from "../src/ffi/mod.ts";
import * as ast from "../src/ast/mod.ts";

const FILENAME = "interleaving_module.py";

python.exec(
  `
import asyncio, gc, itertools, linecache, threading

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def keywords(a, /, b, *args, c=3, **rest):
    return [a, b, list(args), c, sorted(rest.items())]

def closure(x):
    y = x + 1
    def inner(z):
        return x + y + z
    return inner(2)

def numbers(n):
    total = 0
    for i in range(n):
        got = yield i
        total += got or 0
    return total

def drive_generator():
    generator = numbers(4)
    out = [next(generator)]
    try:
        while True:
            out.append(generator.send(1))
    except StopIteration as stop:
        out.append(stop.value)
    return out

async def doubled(n):
    await asyncio.sleep(0)
    return n * 2

async def counting():
    for i in range(3):
        yield i

async def coroutines():
    return [await doubled(3), [i async for i in counting()]]

class Base:
    def __init__(self, value):
        self.value = value
    def method(self):
        return self.value + 1
    @property
    def twice(self):
        return self.value * 2

class Child(Base):
    def method(self):
        return super().method() * 10

def raiser(n):
    try:
        if n:
            raise ValueError(n)
    finally:
        pass

def catches():
    try:
        raiser(1)
    except ValueError as error:
        return error.args[0]

def comprehensions(n):
    return [i * 2 for i in range(n)] + sorted({i for i in range(n)})

# Functions made and dropped while Dynamos hold decisions for their code (each with its own file,
# registered in linecache so its source can be read).
made = {}
_serial = itertools.count()

def make_function(i):
    source = f"def made_{i}(x):\\n    return x + {i}\\n"
    filename = f"<made-{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    made[i] = namespace[f"made_{i}"]

def drop_function(i):
    made.pop(i, None)
    gc.collect()

def workload():
    return [fib(10), keywords(1, 2, 3, 4, c=5, d=6), closure(1), drive_generator(),
            asyncio.run(coroutines()), Child(3).method(), Base(2).twice, catches(), comprehensions(4),
            sorted((i, function(1)) for i, function in made.items())]

def expected():
    return [55, [1, 2, [3, 4], 5, [("d", 6)]], 5, [0, 1, 2, 3, 4], [6, [0, 1, 2]], 40, 4, 1,
            [0, 2, 4, 6, 0, 1, 2, 3], sorted([i, i + 1] for i in made)]

def in_a_thread():
    out = []
    thread = threading.Thread(target=lambda: out.append(workload()))
    thread.start()
    thread.join()
    return out[0]

module_functions = [fib, keywords, closure, numbers, drive_generator, doubled, counting, coroutines,
                    Base.__init__, Base.method, Base.twice.fget, Child.method, raiser, catches,
                    comprehensions, workload]
original_codes = [function.__code__ for function in module_functions]
`,
  { filename: FILENAME },
);

/** A small linear congruential generator: the same seed, the same run. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] };
}

type Random = ReturnType<typeof randomFrom>;

const rewritable = (frame: Frame) =>
  (frame.filename === FILENAME || frame.filename.startsWith("<made-")) && !frame.name.startsWith("<");
const identity = (frame: Frame) => ast.compile(ast.parse(frame.source), frame);

/** Ways a Dynamo answers for the module's functions; everything else runs as it is. */
const answers: Array<(frame: Frame, random: Random, self: Dynamo) => ReturnType<FrameCallback>> = [
  () => undefined,
  (frame) => identity(frame),
  (frame) => patch(identity(frame)),
  (frame) => askAgain(identity(frame)),
  (_, random) => random.pick([undefined, skip(), skip({ calls: true }), askAgain()]),
  (frame, random) => {
    const choice = random.pick(["original", "rewrite", "skip"]);
    return choice === "rewrite" ? identity(frame) : choice === "skip" ? skip() : undefined;
  },
  // The callback ends its own Dynamo, then answers.
  (frame, random, self) => {
    self.dispose();
    return random.pick([() => identity(frame), () => patch(identity(frame)), () => undefined])();
  },
];

/** Answers that make the call fail: the callback throws, hands over a code object of another
 * shape, or meets a Python error. */
const failingAnswers: Array<(frame: Frame, random: Random) => ReturnType<FrameCallback>> = [
  () => {
    throw new Error("the callback fails on purpose");
  },
  () => python.eval("compile('def other(a, b, c):\\n    return 1', 'other.py', 'exec').co_consts[0]") as never,
  () => void python.eval("1 / 0"),
];
/** What a call may raise while a Dynamo with a failing answer is open. */
const expectedFailure = /the callback fails on purpose|cannot run in its frame|ZeroDivisionError/;
const failing = new WeakSet<Dynamo>();

function openDynamo(random: Random): Dynamo {
  const fails = random.next() < 0.1;
  const answer = fails ? random.pick(failingAnswers) : random.pick(answers);
  const mode = random.next() < 0.15 ? "run-only" : "normal";
  const dynamo: Dynamo = new Dynamo(
    (frame) => rewritable(frame) ? answer(frame, random, dynamo) : undefined,
    { mode },
  );
  if (fails) failing.add(dynamo);
  return dynamo;
}

/** One seeded run of `steps` random actions: how many workload results it compared, and how many
 * calls failed as a failing answer makes them. */
function run(seed: number, steps: number): { compared: number; failed: number } {
  const random = randomFrom(seed);
  const open: Dynamo[] = [];
  let compared = 0;
  let failed = 0;
  try {
    for (let step = 0; step < steps; step++) {
      const action = random.next();
      const where = `seed ${seed}, step ${step}, ${open.length} Dynamos open`;
      // A failing answer can fail any call made while its Dynamo is open (it may come on top
      // mid-call, when the one above disposes itself), and no call otherwise.
      const mayFail = open.some((dynamo) => failing.has(dynamo));
      try {
        if (action < 0.2 && open.length < 6) {
          open.push(openDynamo(random));
        } else if (action < 0.35 && open.length > 0) {
          open.splice(Math.floor(random.next() * open.length), 1)[0].dispose();
        } else if (action < 0.45) {
          python.eval(`make_function(${Math.floor(random.next() * 30)})`);
        } else if (action < 0.55) {
          python.eval(`drop_function(${Math.floor(random.next() * 30)})`);
        } else if (action < 0.62) {
          assert.equal(python.eval("in_a_thread()"), python.eval("expected()"), `another thread, ${where}`);
          compared++;
        } else {
          assert.equal(python.eval("workload()"), python.eval("expected()"), where);
          compared++;
        }
      } catch (error) {
        if (!(mayFail && error instanceof PythonError && expectedFailure.test(error.message))) throw error;
        failed++;
      }
    }
  } finally {
    for (const dynamo of open.reverse()) dynamo.dispose();
  }
  return { compared, failed };
}

test("Dynamos opened and disposed in any order, with mixed answers, keep every result on every thread", () => {
  const liveEntries = () => Number(load().native.pyframe_stat(2));
  const replacedFrames = () => Number(load().native.pyframe_stat(1));
  const entriesBefore = liveEntries();
  const replacedBefore = replacedFrames();
  let compared = 0;
  let failed = 0;
  for (const seed of [1, 2, 3]) {
    const counts = run(seed, 300);
    compared += counts.compared;
    failed += counts.failed;
  }
  assert.ok(compared > 200, `${compared} workload results compared`);
  assert.ok(failed > 10, `${failed} calls failed as a failing answer makes them`);
  assert.ok(replacedFrames() - replacedBefore > 1000, "rewrites were swapped into frames");
  assert.is(liveEntries(), entriesBefore, "no replacement held once every Dynamo is gone");
  assert.ok(
    python.eval("all(f.__code__ is c for f, c in zip(module_functions, original_codes))"),
    "every patched function has its own code back",
  );
  assert.equal(python.eval("workload()"), python.eval("expected()"));
});

test.run();
