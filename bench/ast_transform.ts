/**
 * Parse → transform (constant scaling) → compile over every function of a dozen standard-library
 * modules, through TypeScript (`ast.parse`, a `NodeTransformer`, `ast.compile`) against the same
 * transform written with Python's own `ast.NodeTransformer`, interleaved round by round in one
 * process so both share the machine's noise. Each path is also split into its three steps.
 *
 *   deno run -A bench/ast_transform.ts      bun run bench/ast_transform.ts
 *   PYFRAME_BENCH_ROUNDS=15                 rounds (default 9; medians are printed)
 */
import process from "node:process";
import * as ast from "../src/ast/mod.ts";
import { python } from "../src/python/mod.ts";

const rounds = Number(process.env.PYFRAME_BENCH_ROUNDS ?? 9);
const MODULES = [
  "argparse", "ast", "collections", "dataclasses", "difflib", "enum",
  "inspect", "json.decoder", "pathlib", "string", "textwrap", "typing",
];

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

/** Seconds for [parse, transform, compile] over every source. */
type Steps = [number, number, number];

function typeScriptPath(): Steps {
  const steps: Steps = [0, 0, 0];
  for (const source of sources) {
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

function pythonPathOnce(): Steps {
  using seconds = pythonPath.call(corpus);
  return seconds.toJS() as Steps;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const total = (steps: Steps) => steps[0] + steps[1] + steps[2];
const runtime = "Bun" in globalThis ? "bun" : "deno";

typeScriptPath(); // warm: bridge installed, JIT settled
pythonPathOnce();
const runs = { ts: [] as Steps[], py: [] as Steps[] };
for (let round = 0; round < rounds; round++) {
  runs.ts.push(typeScriptPath());
  runs.py.push(pythonPathOnce());
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`.padStart(9);
const perSecond = (seconds: number) => `${Math.round(nodeCount / seconds).toLocaleString("en")} nodes/s`;
function report(label: string, path: Steps[]): number {
  const whole = median(path.map(total));
  const [parse, transform, compile] = [0, 1, 2].map((step) => median(path.map((steps) => steps[step])));
  console.log(
    `  ${label}: ${ms(whole)}, ${perSecond(whole)}  (parse ${ms(parse)}, transform ${ms(transform)}, compile ${ms(compile)})`,
  );
  return whole;
}
console.log(
  `parse → scale constants → compile, ${sources.length} functions (${nodeCount.toLocaleString("en")} nodes) ` +
    `of ${MODULES.length} modules, CPython ${python.version}, ${runtime}, median of ${rounds}`,
);
const ts = report("TypeScript NodeTransformer", runs.ts);
const py = report("Python ast.NodeTransformer", runs.py);
console.log(`  ratio TypeScript / Python: ${(ts / py).toFixed(2)}`);
