/**
 * Parse → transform (constant scaling) → compile over every function of a dozen standard-library
 * modules, through TypeScript (`ast.parse`, a `NodeTransformer`, `ast.compile`) against the same
 * transform written with Python's own `ast.NodeTransformer`, in one process: the corpus is cut in
 * chunks and each chunk runs through both paths back to back, so both share the machine's noise;
 * the ratio is the median of the rounds' ratios. Each path is also split into its three steps.
 *
 *   deno run -A bench/ast_transform.ts      bun run bench/ast_transform.ts
 *   PYFRAME_BENCH_ROUNDS=15                 rounds (default 9; medians are printed)
 */
import process from "node:process";
import * as ast from "../src/ast/mod.ts";
import { type PyObject, python } from "../src/python/mod.ts";
import { MODULES } from "./_stdlib_modules.ts";

const rounds = Number(process.env.PYFRAME_BENCH_ROUNDS ?? 9);

python.exec(`
import ast as _b_ast, importlib as _b_importlib, inspect as _b_inspect, textwrap as _b_textwrap, time as _b_time

def _b_corpus(names):
    """The dedented source of every function and method (nested ones inside their parent)."""
    sources = []
    for name in names:
        lines = _b_inspect.getsource(_b_importlib.import_module(name)).splitlines(keepends=True)
        pending = list(_b_ast.parse("".join(lines)).body)
        while pending:
            node = pending.pop(0)
            if isinstance(node, (_b_ast.FunctionDef, _b_ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                sources.append(_b_textwrap.dedent("".join(lines[first - 1:node.end_lineno])))
            elif isinstance(node, _b_ast.ClassDef):
                pending.extend(node.body)
    return sources

def _b_nodes(sources):
    return sum(sum(1 for _ in _b_ast.walk(_b_ast.parse(s))) for s in sources)

class _b_Scale(_b_ast.NodeTransformer):
    def visit_Constant(self, node):
        if type(node.value) in (int, float):
            node.value *= 10
        return node

def _b_python_path(sources):
    """Seconds spent parsing, transforming and compiling every source."""
    steps = [0.0, 0.0, 0.0]
    for source in sources:
        start = _b_time.perf_counter()
        tree = _b_ast.parse(source)
        parsed = _b_time.perf_counter()
        tree = _b_Scale().visit(tree)
        transformed = _b_time.perf_counter()
        compile(tree, "<bench>", "exec")
        steps[0] += parsed - start
        steps[1] += transformed - parsed
        steps[2] += _b_time.perf_counter() - transformed
    return steps
`);

class ScaleConstants extends ast.NodeTransformer {
  visitConstant(node: ast.Constant) {
    if (typeof node.value === "number") node.value *= 10;
    return node;
  }
}

using main = python.import("__main__");
using corpus = main.get("_b_corpus").call(MODULES);
const sources = corpus.toJS() as string[];
const nodeCount = main.get("_b_nodes").call(corpus).toJS() as number;
using pythonPath = main.get("_b_python_path");

/**
 * The corpus in chunks of about 30 ms of work: each round runs every chunk through both paths
 * back to back, so a burst of machine noise lands on one chunk pair rather than on one path.
 */
const CHUNKS = 8;
const chunkStart = (i: number) => Math.floor((i * sources.length) / CHUNKS);
const chunks = Array.from({ length: CHUNKS }, (_, i) => sources.slice(chunkStart(i), chunkStart(i + 1)));
const pythonChunks = chunks.map((chunk) => python.toPython(chunk) as PyObject);

/** Seconds for [parse, transform, compile] over some sources. */
type Steps = [number, number, number];

function typeScriptPath(chunk: string[]): Steps {
  const steps: Steps = [0, 0, 0];
  for (const source of chunk) {
    const start = performance.now();
    const tree = ast.parse(source);
    const parsed = performance.now();
    new ScaleConstants().visit(tree);
    const transformed = performance.now();
    ast.compile(tree, { filename: "<bench>" }).dispose();
    steps[0] += parsed - start;
    steps[1] += transformed - parsed;
    steps[2] += performance.now() - transformed;
  }
  return steps.map((ms) => ms / 1000) as Steps;
}

function pythonPathOnce(chunk: PyObject): Steps {
  using seconds = pythonPath.call(chunk);
  return seconds.toJS() as Steps;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const total = (steps: Steps) => steps[0] + steps[1] + steps[2];
const add = (sum: Steps, steps: Steps) => steps.forEach((seconds, i) => sum[i] += seconds);
const runtime = "Bun" in globalThis ? "bun" : "deno";

// Warm: bridge installed, JIT settled.
chunks.forEach((chunk, i) => (typeScriptPath(chunk), pythonPathOnce(pythonChunks[i])));
const runs = { ts: [] as Steps[], py: [] as Steps[] };
for (let round = 0; round < rounds; round++) {
  const ts: Steps = [0, 0, 0], py: Steps = [0, 0, 0];
  chunks.forEach((chunk, i) => {
    // Which path goes first alternates, so neither always inherits the other's caches.
    const first = (round + i) % 2 === 0;
    const pyFirst = first ? pythonPathOnce(pythonChunks[i]) : undefined;
    const tsSteps = typeScriptPath(chunk);
    const pySteps = pyFirst ?? pythonPathOnce(pythonChunks[i]);
    add(ts, tsSteps);
    add(py, pySteps);
  });
  runs.ts.push(ts);
  runs.py.push(py);
}
pythonChunks.forEach((chunk) => chunk.dispose());

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`.padStart(9);
const perSecond = (seconds: number) => `${Math.round(nodeCount / seconds).toLocaleString("en")} nodes/s`;
function report(label: string, path: Steps[]): number {
  const whole = median(path.map(total));
  const [parse, transform, compile] = [0, 1, 2].map((step) => median(path.map((steps) => steps[step])));
  console.log(
    `  ${label}: ${ms(whole)}, ${perSecond(whole)}  (parse ${ms(parse)}, transform ${ms(transform)}, compile ${
      ms(compile)
    })`,
  );
  return whole;
}
console.log(
  `parse → scale constants → compile, ${sources.length} functions (${nodeCount.toLocaleString("en")} nodes) ` +
    `of ${MODULES.length} modules, CPython ${python.version}, ${runtime}, median of ${rounds}`,
);
report("TypeScript NodeTransformer", runs.ts);
report("Python ast.NodeTransformer", runs.py);
// Within a round both paths ran chunk by chunk, side by side: their ratio shares the round's noise.
const ratios = runs.ts.map((steps, round) => total(steps) / total(runs.py[round])).sort((a, b) => a - b);
const quartile = (q: number) => ratios[Math.round(q * (ratios.length - 1))];
console.log(
  `  ratio TypeScript / Python: ${median(ratios).toFixed(3)} (median of the rounds' ratios; quartiles ` +
    `${quartile(0.25).toFixed(3)}-${quartile(0.75).toFixed(3)})`,
);
