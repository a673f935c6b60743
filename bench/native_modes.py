"""The eval-frame function's cost with no JS runtime around it: the hook modes of hook_modes.ts,
driven from Python through ctypes over one native build. For A/B runs of two builds in
alternating processes, and for exact instruction counts (cachegrind has no JIT to stumble on).

  # interleaved timings (median and fastest of ROUNDS rounds per mode, over native pass-through)
  PYFRAME_LIB=zig-out/release/lib/libpyframe.so python3 bench/native_modes.py fib
  # one mode only, e.g. to count instructions per frame: run it for two modes and divide the
  # difference of the totals by twice the frames it prints (it runs the workload twice: once to
  # make the decisions and warm up, once timed). Valgrind cannot decode the AVX-512 that a build
  # for this machine's CPU may contain: build for it with `zig build -Doptimize=ReleaseFast
  # -Dcpu=x86_64_v3 --prefix /tmp/cg`.
  PYFRAME_LIB=/tmp/cg/lib/libpyframe.so valgrind --tool=cachegrind --cache-sim=no python3 bench/native_modes.py fib --only replacement

Workloads: `fib` (fib(25), 242,785 frames of one code object) and `many` (2,000 small functions
called 100 times each). Modes: none (no hook), pass-through, original (cached "run the
original"), replacement (cached identity replacement: the code compiled again), self (the
frame's own code object as its replacement: the swap without a second code object).
PYFRAME_BENCH_REPLACEMENTS=lazy|upfront|together: when the replacements are compiled, so where
they lie in memory (_workloads.compile_all_again).
"""
import ctypes
import os
import random
import sys
import sysconfig
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _workloads import compile_all_again, compiled_again, fib, many, run_many  # noqa: E402

workload = sys.argv[1] if len(sys.argv) > 1 else "fib"
only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None

native = ctypes.PyDLL(os.environ["PYFRAME_LIB"])  # PyDLL: every call keeps the GIL
libpython = os.path.join(sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME"))
native.pyframe_error.restype = ctypes.c_char_p
if native.pyframe_open(libpython.encode(), None, None) != 0:
    sys.exit("pyframe_open failed: " + native.pyframe_error().decode())
native.pyframe_frame_function.restype = ctypes.c_void_p
native.pyframe_frame_function.argtypes = [ctypes.c_void_p]
native.pyframe_decide_replace.argtypes = [ctypes.py_object]
native.pyframe_stat.restype = ctypes.c_uint64

replacements_made = os.environ.get("PYFRAME_BENCH_REPLACEMENTS", "lazy")
compile_all_again(replacements_made)
rewritten = {fib, *many}
layers = {"original": 1, "replacement": 2, "self": 3}
answering = "original"


@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
def decide(frame):
    function = ctypes.cast(native.pyframe_frame_function(frame), ctypes.py_object).value
    if answering == "original" or function not in rewritten:
        return 0
    native.pyframe_decide_replace(function.__code__ if answering == "self" else compiled_again(function))
    return 1


def enter(mode):
    """Switches to `mode`; a decided mode's first run (untimed) makes its layer's decisions."""
    global answering
    native.pyframe_hook_set_mode(1 if mode == "pass-through" else 0)
    if mode == "none":
        native.pyframe_hook_uninstall()
    elif mode in layers:
        answering = mode
        native.pyframe_set_layer(layers[mode])


def leave(mode):
    if mode == "none":
        native.pyframe_hook_install(decide)


run = (lambda: fib(25)) if workload == "fib" else (lambda: run_many(100))
frames = 242785 if workload == "fib" else 200001
native.pyframe_hook_install(decide)

if only:
    enter(only)
    run()
    before = native.pyframe_stat(1)
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    print("%s %s: %.1f ms, %d frames, %d replaced" % (workload, only, elapsed * 1e3, frames, native.pyframe_stat(1) - before))
    sys.exit(0)

modes = ["none", "pass-through", "original", "replacement", "self"]
samples = {mode: [] for mode in modes}
shuffle = random.Random(7).shuffle
for _ in range(int(os.environ.get("ROUNDS", 41))):
    order = modes[:]
    shuffle(order)
    for mode in order:
        enter(mode)
        run()
        start = time.perf_counter()
        run()
        samples[mode].append(time.perf_counter() - start)
        leave(mode)


def over_pass_through(statistic):
    """Each decided mode over pass-through, relative and in nanoseconds a frame: the same absolute
    cost weighs more on a build whose frames are cheaper (Debian's 3.13 passes them through about a
    quarter faster than pyenv's on one machine)."""
    value = {mode: statistic(sorted(times)) for mode, times in samples.items()}
    per_frame = {mode: seconds * 1e9 / frames for mode, seconds in value.items()}
    return "pass-through %.2fx no hook, %.1f ns a frame; over pass-through: %s" % (
        value["pass-through"] / value["none"], per_frame["pass-through"],
        ", ".join("%s %+.1f%% (%+.1f ns)" % (mode, (value[mode] / value["pass-through"] - 1) * 100,
                                             per_frame[mode] - per_frame["pass-through"]) for mode in modes[2:]))


# The median, and the fastest round: this machine's noise (other processes, interrupts) only ever
# adds time, so the fastest round is the least disturbed one.
print("%s, CPython %d.%d, %d rounds, replacements compiled %s" % (workload, *sys.version_info[:2], len(samples["none"]), replacements_made))
print("  median:  " + over_pass_through(lambda times: times[len(times) // 2]))
print("  fastest: " + over_pass_through(lambda times: times[0]))
