"""The hook benchmarks' Python workloads, shared by hook_modes.ts (run inside Deno and Bun) and
native_modes.py (run by CPython alone): recursive fib, 2,000 distinct small functions, and the
construction of a plain class (whose `__init__` CPython 3.13 would enter without the eval-frame
function: native/init_shortcut.zig)."""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


_many_source = "".join("def small_%d(x):\n    return x + %d\n" % (i, i) for i in range(2000))
exec(compile(_many_source, "<many>", "exec"))
many = [globals()["small_%d" % i] for i in range(2000)]


def run_many(rounds):
    total = 0
    for _ in range(rounds):
        for function in many:
            total += function(1)
    return total


class Point:
    def __init__(self, x):
        self.x = x


def construct(count):
    total = 0
    for i in range(count):
        total += Point(i).x
    return total


_compiled_again = {}


def compiled_again(function):
    """The function's code compiled again from its source: equal, but another object. One per
    function for the whole run, so its specialisations settle like the original's."""
    if function not in _compiled_again:
        name = function.__name__
        if function is fib:
            source = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
        elif function is Point.__init__:
            source = "def __init__(self, x):\n    self.x = x\n"
        else:
            source = "def %s(x):\n    return x + %s\n" % (name, name.split("_")[1])
        module = compile(source, function.__code__.co_filename, "exec")
        _compiled_again[function] = next(c for c in module.co_consts if getattr(c, "co_name", None) == name)
    return _compiled_again[function]


def compile_all_again(how):
    """When the small functions' replacements are made, which decides where they lie in memory:
    "lazy" (at each function's first call, as a rewrite makes them: the default), "upfront" (all
    before the first round, one compile each), "together" (one compile of all 2,000, laid out as
    the originals are). PYFRAME_BENCH_REPLACEMENTS chooses it in native_modes.py and hook_modes.ts."""
    if how == "upfront":
        for function in many:
            compiled_again(function)
    elif how == "together":
        namespace = {}
        exec(compile(_many_source, "<many>", "exec"), namespace)
        for function in many:
            _compiled_again[function] = namespace[function.__name__].__code__
    elif how != "lazy":
        raise ValueError("PYFRAME_BENCH_REPLACEMENTS must be lazy, upfront or together, not %r" % how)
