"""A/B of native builds: bench/native_modes.py run in one process per build in turn (shuffled each
time), so every build meets the machine in the same states; per process the fastest of ROUNDS
rounds (noise only adds time), then the median over the processes (a process is one draw of memory
layout, which moves a frame's cost by a point or two).

  python3 bench/ab_builds.py fib 8 zig-out/release/lib/libpyframe.so /tmp/other/libpyframe.so

Run it with the CPython to measure (its own interpreter runs native_modes.py). Prints, per build,
each cached mode's cost over native pass-through: the median, then every process's figure.
"""
import os
import random
import re
import statistics
import subprocess
import sys

workload, processes, libraries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if workload not in ("fib", "many") or not libraries:
    sys.exit(__doc__)
missing = [library for library in libraries if not os.path.exists(library)]
if missing:
    sys.exit("no such library: " + ", ".join(missing))
driver = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native_modes.py")
costs = {}  # (library, mode) -> one figure per process
for _ in range(processes):
    for library in random.sample(libraries, len(libraries)):
        env = {**os.environ, "PYFRAME_LIB": library, "ROUNDS": os.environ.get("ROUNDS", "21")}
        output = subprocess.run([sys.executable, driver, workload], env=env, capture_output=True, text=True, check=True).stdout
        fastest = next(line for line in output.splitlines() if line.strip().startswith("fastest:"))
        for mode, percent in re.findall(r"(original|replacement|self) ([+-][\d.]+)%", fastest):
            costs.setdefault((library, mode), []).append(float(percent))
print("%s, CPython %d.%d, %d processes per build" % (workload, *sys.version_info[:2], processes))
for library in libraries:
    print(library)
    for mode in ("original", "replacement", "self"):
        figures = costs[(library, mode)]
        print("  %-12s %+5.1f%%  [%s]" % (mode, statistics.median(figures), " ".join("%+.1f" % f for f in figures)))
