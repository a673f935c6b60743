/**
 * Test support: Python for running code as a sandbox would, every import refused by the program's own
 * `__import__`. `sandboxed(x)` is `x + 1`, from a file linecache has not read; `in_sandbox(function,
 * *args)` gives its result (or its exception's text), the modules asked for, and the names whose
 * `sys.modules` entries changed.
 */
export const sandboxPython = `
import atexit, builtins, os, shutil, sys, tempfile

def _write_module(text):
    folder = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "sandboxed_module.py")  # a file linecache has not read
    with open(path, "w") as file:
        file.write(text)
    namespace = {"__name__": "sandboxed_module"}
    exec(compile(text, path, "exec"), namespace)
    return namespace

sandboxed = _write_module("def sandboxed(x):\\n    return x + 1\\n")["sandboxed"]

def in_sandbox(function, *args):
    """function(*args) while every import is refused: its result or its exception's text, the
    modules asked for, and the names whose sys.modules entries changed."""
    asked = []
    def refuse(name, *rest):
        asked.append(name)
        raise ImportError("the sandbox refuses " + name)
    modules = dict(sys.modules)
    builtins.__import__, installed = refuse, builtins.__import__
    try:
        try:
            outcome = function(*args)
        except Exception as error:
            outcome = "%s: %s" % (type(error).__name__, error)
    finally:
        builtins.__import__ = installed
    changed = sorted(name for name in set(modules) | set(sys.modules) if modules.get(name) is not sys.modules.get(name))
    return [outcome, asked, changed]
`;
