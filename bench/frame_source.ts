/**
 * What `frame.source` pays for refusing another function's def (the arguments compared, and for
 * nested functions the qualified name looked up in the file's defs): pyframe's source lookup over
 * every function of the modules bench/ast_transform.ts rewrites, with its checks and with them
 * switched off, in one process, alternating in each round. "in module": each code asked with its
 * module's globals, as frames of a module's own functions are (no file parsed). Without them, as
 * for code built elsewhere: "first read" starts with no file parsed (each file holding a nested
 * function is parsed once), "again" keeps them. Medians over the rounds.
 *
 *   deno run -A bench/frame_source.ts      bun run bench/frame_source.ts
 *   PYFRAME_BENCH_ROUNDS=9                 rounds (default 5)
 */
import process from "node:process";
import { python } from "../src/python/mod.ts";
import { MODULES } from "./_stdlib_modules.ts";

const rounds = Number(process.env.PYFRAME_BENCH_ROUNDS ?? 5);

python.exec(`
import importlib, statistics, time, _pyframe

class _FunctionOf:
    """What frame.source hands over of a frame's function: its globals (nested functions have no
    function object until their def runs)."""
    def __init__(self, module):
        self.__globals__ = vars(module)

def _codes(names, in_own_module):
    found = {}
    for name in names:
        module = importlib.import_module(name)
        function = _FunctionOf(module) if in_own_module else None
        for code in _pyframe.own_code_objects(module):
            found[id(code)] = (code, function)
    return list(found.values())

def _read_all(codes):
    started = time.perf_counter()
    for code, function in codes:
        try:
            _pyframe.code_source(code, function)
        except OSError:
            pass
    return time.perf_counter() - started

def source_bench(names, rounds):
    in_module, elsewhere = _codes(names, True), _codes(names, False)
    checks = _pyframe._check_defines_code
    _read_all(in_module)  # linecache holds every file from here on
    times = {"unchecked": [], "in module": [], "first read": [], "again": []}
    for _ in range(rounds):
        _pyframe._check_defines_code = lambda code, source, function: None
        times["unchecked"].append(_read_all(in_module))
        _pyframe._check_defines_code = checks
        times["in module"].append(_read_all(in_module))
        _pyframe._file_qualnames.clear()
        times["first read"].append(_read_all(elsewhere))
        times["again"].append(_read_all(elsewhere))
    nested = sum("<locals>" in code.co_qualname for code, _ in in_module)
    medians = [statistics.median(times[k]) for k in ("unchecked", "in module", "first read", "again")]
    return len(in_module), nested, len(_pyframe._file_qualnames), medians
`);

const [count, nested, files, times] = python.eval(
  `source_bench(${JSON.stringify(MODULES)}, ${rounds})`,
) as [number, number, number, [number, number, number, number]];
const [base, inModule, firstRead, again] = times;
const line = (label: string, seconds: number) =>
  `  ${label.padEnd(10)} ${(seconds * 1e3).toFixed(0).padStart(5)} ms  ${(seconds / base).toFixed(2)}x`;
console.log(
  `frame.source over ${count} code objects of ${MODULES.length} modules (${nested} nested; ${files} files parsed), ` +
    `median of ${rounds} rounds:`,
);
console.log(line("unchecked", base));
console.log(line("in module", inModule));
console.log(line("first read", firstRead));
console.log(line("again", again));
