/**
 * Python code pyframe installs as the module `_pyframe` when the interpreter opens: the few jobs
 * that are plain Python (source registration, traceback formatting, code comparison, the
 * function patches of `patch()`).
 *
 * @module
 */

export const helperSource = String.raw`
import ast as _ast, builtins, inspect, io, linecache, re, signal, sys, tokenize, traceback, types, warnings, weakref

# pyframe's own functions (these, and those of the modules install_module runs) look builtins up in
# a copy taken now, as a function finds them through its globals' __builtins__: a program may delete
# or replace builtins while a callback reads its frames (CPython's test_iter deletes iter, mocks
# replace open). The standard library they call still sees the program's.
__builtins__ = dict(builtins.__dict__)

# Importing signal claims SIGINT for KeyboardInterrupt when the host left it at SIG_DFL, even with
# install_signal_handlers off; give it back so Ctrl+C still stops the Deno or Bun process.
if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, signal.SIG_DFL)

# What CPython does with its handlers on, which a Python program expects: a write into a closed
# pipe or past the file size limit (RLIMIT_FSIZE) fails with an OSError where, with these signals
# at SIG_DFL, the kernel would end the process, Deno or Bun included (both already ignore SIGPIPE).
# A host's own handler is left alone.
for _name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):
    if hasattr(signal, _name) and signal.getsignal(getattr(signal, _name)) == signal.SIG_DFL:
        signal.signal(getattr(signal, _name), signal.SIG_IGN)
del _name

# CPython's own __import__, as the interpreter opened with it.
_cpython_import = builtins.__import__

# The modules loaded when pyframe's Python starts (the standard library's core), as they were.
_modules_at_start = {name: module for name, module in sys.modules.items() if name != "__main__"}
_modules_at_start_items = _modules_at_start.items()

def _own_import(name, globals=None, locals=None, fromlist=(), level=0):
    """CPython's __import__, except that a module loaded when pyframe's Python started comes as it
    was then when the program has since taken it out of sys.modules or put another in its place (a
    test importing a fresh copy: CPython's test.support.import_fresh_module): neither loaded again
    into the program's sys.modules nor the program's stand-in."""
    if level == 0 and "." not in name:  # "import a.b" gives package a, and needs a.b loaded
        known = _modules_at_start.get(name)
        if known is not None and sys.modules.get(name) is not known:
            return known
    return _cpython_import(name, globals, locals, fromlist, level)

__builtins__["__import__"] = _own_import  # for the import statements of pyframe's own Python

def _start_modules_in_place():
    """Whether sys.modules still holds every module loaded at start, as it was (one comparison in C;
    a stand-in whose == raises counts as a change)."""
    try:
        return _modules_at_start_items <= sys.modules.items()
    except Exception:
        return False

def with_cpython_imports(function):
    """'function' running with CPython's own __import__ (_own_import) in place of one the program
    installed (a sandbox refusing modules, a lazy importer, a test's stand-in), or in place of
    CPython's while the program has taken a module loaded at start out of sys.modules: pyframe's
    helpers, and the standard library they call, import inside functions (ast.walk imports
    collections, 3.13's linecache os, traceback ast), which must neither fail nor change the
    program's sys.modules. Other threads import through it too meanwhile (reading files releases
    the GIL). Otherwise builtins stay untouched: from 3.13 each change to them throws away the
    optimizer's (and JIT's) traces, and after three it stops relying on builtins at all."""
    def cpython_imports(*args, **keywords):
        installed = builtins.__import__
        if installed is _own_import or (installed is _cpython_import and _start_modules_in_place()):
            return function(*args, **keywords)
        builtins.__import__ = _own_import
        try:
            return function(*args, **keywords)
        finally:
            if builtins.__import__ is _own_import:  # else another thread set one meanwhile
                builtins.__import__ = installed
    cpython_imports.__wrapped__ = function
    return cpython_imports

@with_cpython_imports
def install_module(name, code):
    """Runs the code of one of pyframe's own modules as the module 'name', in sys.modules."""
    module = types.ModuleType(name)
    module.__builtins__ = __builtins__
    exec(code, module.__dict__)
    sys.modules[name] = module
    return module

def python_minor():
    """The running Python's minor version, e.g. "3.12" (an import of sys could meet the program's
    __import__; python.version imports platform)."""
    return "%d.%d" % sys.version_info[:2]

_counter = 0
# Lines of files pyframe read where the program's linecache did not hold them, as linecache keeps
# them, by filename (and of the source it was given): read once, and lent to linecache for the next
# read while the file is unchanged.
_lines_read = {}

def _source_lines(source):
    """'source' in lines as the compiler numbers them, ends kept: split at a line feed, a carriage
    return and line feed, or a lone carriage return (each read as a line feed, as linecache reads a
    file), never at the other breaks str.splitlines knows (form feed, vertical tab, the separators
    x1c-x1e, NEL, U+2028, U+2029), which are characters within a line to the compiler."""
    return io.StringIO(source, newline=None).readlines()

def register_source(source, filename=None):
    """Keeps source given from TypeScript in linecache so inspect.getsource finds it, and in
    pyframe's own copy (lines_of, below), so frame.source finds it after the program clears
    linecache."""
    global _counter
    if filename is None:
        _counter += 1
        filename = "<pyframe-%d>" % _counter
    lines = _source_lines(source)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = _lines_read[filename] = (len(source), None, lines, filename)
    return filename

def run(source, mode, filename=None):
    filename = register_source(source, filename)
    code = compile(source, filename, mode)
    namespace = sys.modules["__main__"].__dict__
    return eval(code, namespace) if mode == "eval" else exec(code, namespace)

def import_file(path, name=None):
    """Imports the module at 'path' as 'name' (default: the file name without .py)."""
    import importlib.util, os
    path = os.path.abspath(path)
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    if not name or "\0" in name:
        raise ValueError("pyframe: python.importFile needs a module name, not %r: pass { name }" % name)
    _refuse_replacing(name, path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError("pyframe: cannot import %r: not a Python source or extension module file" % path, path=path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module

def _refuse_replacing(name, path):
    """Importing /x/ast.py as 'ast' would replace the ast module everyone else imported, and
    /x/json.py as 'json' would hide the standard library's json from everyone importing it later."""
    import os
    existing = sys.modules.get(name)
    if existing is not None:
        origin = getattr(existing, "__file__", None)
        if isinstance(origin, str) and os.path.abspath(origin) == path:
            return  # the same file again: imported afresh, as before
        where = "already imported " + ("from " + origin if isinstance(origin, str) else "(built in)")
    else:
        origin = _found_by_import(name)
        if origin is None or os.path.abspath(origin) == path:
            return
        where = "that 'import %s' finds at %s" % (name, origin)
    raise ImportError(
        "pyframe: python.importFile(%r) would replace the module %r %s; pass "
        "{ name } with a name no module has" % (path, name, where), name=name, path=path)

def _found_by_import(name):
    """Where 'import name' would find a top-level module, without importing it: its file,
    "built-in", "frozen" or "a namespace package"; None when nothing is found (or for a dotted
    name, whose parents it would import)."""
    import importlib.util
    if "." in name:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    return spec.origin or "a namespace package"

# JavaScript values held by Python objects, by handle (src/python/_callback.ts). TypeScript gives
# JSFunction its __call__ and both classes their __del__ right after this module runs: methods
# implemented natively, so no Python frame of pyframe's runs for them (tracers and profilers see
# none). __del__ releases the handle at once on the JS thread, and queues it here elsewhere.
_released = []  # handles dropped on other threads (or where JS could not run), released later

def _take_released():
    taken = _released[:]
    del _released[:len(taken)]
    return taken

class JSFunction:
    """A JavaScript function called from Python: positional arguments and keyword arguments (one
    trailing plain object) are converted to JS, the result back to Python."""
    # The handle first: the native __call__ reads it at that slot's offset. Made by TypeScript
    # without running Python code: allocated, then the handle, __name__ and __qualname__ set.
    __slots__ = ("_js_handle", "__dict__", "__weakref__")

    def __repr__(self):
        return "<JavaScript function %s>" % self.__name__

    # A copy would share the handle, and the first of the two collected would release the function
    # under the other. Functions are not copied (as copy treats Python functions), nor pickled.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        raise TypeError("pyframe: JavaScript function %s cannot be pickled: it lives in this process's "
                        "JavaScript engine" % self.__name__)

class JSError(RuntimeError):
    """A JavaScript exception thrown by a JS function called from Python. Uncaught, it reaches
    TypeScript again as the original JS value."""
    # Made by TypeScript as JSError(message) with _js_handle then set, so no Python code runs.
    _js_handle = None

    def __reduce__(self):
        # Copied or pickled, it is a RuntimeError with the message: the JS value stays with this one
        # (a copy sharing its handle would release it twice).
        return (RuntimeError, self.args)

@with_cpython_imports
def library_paths():
    """Directories of the standard library and of site-packages, each ending with a separator."""
    import os, site, sysconfig
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    found = {sysconfig.get_path(name) for name in names} | set(site.getsitepackages())
    return sorted(os.path.join(path, "") for path in found if path)

def own_code_objects(target=None):
    """Every code object of 'target' (a module: its functions and classes' methods; or a code
    object), nested ones included; default: this module."""
    if isinstance(target, types.CodeType):
        pending = [target]
    else:
        namespace = vars(target) if target is not None else globals()
        values = list(namespace.values())
        values += [v for cls in values if isinstance(cls, type) for v in vars(cls).values()]
        functions = [f for f in values if isinstance(f, types.FunctionType)]
        functions += [f.__wrapped__ for f in functions if isinstance(getattr(f, "__wrapped__", None), types.FunctionType)]
        pending = [f.__code__ for f in functions]
    found = []
    while pending:
        code = pending.pop()
        found.append(code)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found

@with_cpython_imports
def format_exception(kind, value, tb):
    """Python's traceback of an error that reached TypeScript (as traceback.format_exception gives
    it), less the frames of pyframe's own entry points (run, for python.exec and python.eval;
    import_file): the program's are what it shows, as a script's traceback starts at the script.
    They go wherever they are, in every exception chained to it too: first, or between the
    program's own frames where Python called JavaScript that called Python again."""
    shown = traceback.TracebackException(kind, value, tb, compact=True)
    pending, seen = [shown], set()
    while pending:
        each = pending.pop()
        if each is None or id(each) in seen:
            continue
        seen.add(id(each))
        each.stack = traceback.StackSummary.from_list([frame for frame in each.stack if frame.filename != _helper_file])
        pending += [each.__cause__, each.__context__, *(each.exceptions or ())]
    return "".join(shown.format())

_helper_file = format_exception.__code__.co_filename

def release_frames(error):
    """Drops the tracebacks of 'error' and the exceptions chained to it (already formatted into its
    PythonError): they hold pyframe's helper frames, and through them (arguments, the frame they
    were called from) the program's function and globals, which must not stay alive with a
    PythonError that JS keeps until its garbage collector runs. It stops at the exception the
    program is handling (called during the callback, that is still the thread's), which Python
    chained to pyframe's as its context: that one and those chained to it are the program's, which
    still reads their tracebacks (an except block printing its error would print none)."""
    program_handles = sys.exception()
    pending, seen = [error], set()
    while pending:
        error = pending.pop()
        if error is not None and error is not program_handles and id(error) not in seen:
            seen.add(id(error))
            error.__traceback__ = None
            pending += [error.__cause__, error.__context__]

class lines_of:
    """Entered while pyframe reads the lines of 'filename' through linecache (inspect does), it
    leaves the program's linecache as it found it: the lines pyframe read before are lent to it
    (unless the file changed since) and taken back, with whatever the reading added. Read for every
    function a Dynamo rewrote, the files otherwise stayed in a cache the program and its tests see
    (CPython's test_traceback checks it holds nothing once cleared)."""

    def __init__(self, filename):
        self.filename = filename

    def __enter__(self):
        self.lent = self.filename not in linecache.cache
        kept = _lines_read.get(self.filename) if self.lent else None
        if kept is not None:
            linecache.cache[self.filename] = kept
            linecache.checkcache(self.filename)  # drops them if the file changed

    def __exit__(self, *error):
        if self.lent:
            entry = linecache.cache.pop(self.filename, None)
            if entry is None:
                _lines_read.pop(self.filename, None)
            else:
                _lines_read[self.filename] = entry

_IGNORE_EVERY_WARNING = ("ignore", None, Warning, None, 0)

class warnings_off:
    """Entered while pyframe parses or compiles source, which warns again as Python did when it
    first compiled it (an invalid escape sequence: SyntaxWarning; DeprecationWarning on 3.11): the
    program saw those warnings then (or none, compiled from a cached .pyc), and under its "error"
    filter (python -W error, pytest's filterwarnings) the parse raised SyntaxError, so a function
    could not be rewritten. A filter ignoring every warning goes in front of the program's and is
    taken out after, without telling the warnings module the filters changed, which would have it
    show again the warnings it shows once per place. Where filters are per context (3.14+,
    -X context_aware_warnings), a context of its own ignores them."""

    def __enter__(self):
        if getattr(sys.flags, "context_aware_warnings", False):
            self.context = warnings.catch_warnings(action="ignore")
            self.context.__enter__()
        else:
            self.context = None
            warnings.filters.insert(0, _IGNORE_EVERY_WARNING)

    def __exit__(self, *error):
        if self.context is not None:
            return self.context.__exit__(*error)
        filters = warnings.filters
        for index, rule in enumerate(filters):
            if rule is _IGNORE_EVERY_WARNING:
                del filters[index]
                break

_warnings_turned_off = []

def turn_warnings_off():
    """warnings_off entered for a caller outside Python (ast.parse in TypeScript), left by
    turn_warnings_on."""
    off = warnings_off()
    off.__enter__()
    _warnings_turned_off.append(off)

def turn_warnings_on():
    _warnings_turned_off.pop().__exit__(None, None, None)

@with_cpython_imports
def code_source(code, function=None):
    """The dedented source of a code object's definition (a module's: its whole text). Asking with
    the code, not the function, keeps inspect from following __wrapped__ to another function's
    source; the function, when given, only tells whether its module was compiled from the code's
    file."""
    with lines_of(code.co_filename), warnings_off():
        return _code_source(code, function)

def _code_source(code, function):
    statement = _statement_source(code)
    if statement is not None:
        return _dedented(statement)
    try:
        if _is_module_code(code):  # inspect gives its first block only: up to the first def's end
            return "".join(inspect.findsource(code)[0])
        source = _dedented(inspect.getsource(code))
    except OSError as error:  # inspect says only "could not get source code"
        raise OSError("pyframe: no source for %s (%s, line %d): %s; a function is rewritten from its source, "
                      "so it needs its .py file, or text run by python.exec" % (
                          code.co_qualname, code.co_filename, code.co_firstlineno, error)) from None
    if code.co_name == "<lambda>" and (not _parses(source) or _ends_before_its_body(code, source)):
        return _lambda_source(code) or source
    _check_defines_code(code, source, function)
    return source

def _is_module_code(code):
    """A module's top-level code (compiled in "exec" mode): named "<module>", no fast locals."""
    return code.co_name == "<module>" and not code.co_flags & inspect.CO_OPTIMIZED

def _check_defines_code(code, source, function=None):
    """Raises OSError when the function code's source does not define a function taking its
    arguments: the code claims lines that are not its own. Code built at run time can copy another
    function's co_filename and co_firstlineno (hypothesis's @given wrapper takes its test's, with
    fewer arguments), and a file edited since it was imported has other text at that line; either
    way the text would compile to a function that cannot run in the code's frames."""
    if code.co_flags & _FAST_LOCALS != _FAST_LOCALS or code.co_name.startswith("<"):
        return  # Lambdas, comprehensions, module and class bodies: no def to compare.
    header = _def_header(source)
    found = None if header is None else _function_in(header)
    if found is None:
        what = "no def"
    elif code.co_name in _type_parameter_names(found):
        return  # A type parameter's bound or default, evaluated in code of its own.
    elif not _same_arguments(code, found):
        what = "def %s(%s)" % (found.name, _ast.unparse(found.args))
    elif _nested_elsewhere(code, function):
        defined = _qualnames_at(code)
        what = "the def of %s" % " or ".join(sorted(defined)) if defined else "no def"
    else:
        return
    raise OSError(
        "pyframe: %s line %d holds %s, not the source of %s, which takes (%s): the code claims lines that "
        "are not its own (code built at run time with another function's co_filename and "
        "co_firstlineno, or a file changed since it was imported)" % (
            code.co_filename, code.co_firstlineno, what, code.co_qualname, _code_arguments(code)))

def _nested_elsewhere(code, function):
    """Whether a nested function's code (its qualified name holds "<locals>") starts where the file
    has no def of that name: hypothesis's generated wrappers ("accept.<locals>.test_x") take the
    test's lines and arguments, in a module of their own. The file's tree costs a parse of the
    file, so it is read only for nested functions whose module is not the one imported from the
    code's file; functions outside functions are taken on their arguments."""
    if "<locals>" not in code.co_qualname:
        return False
    if getattr(function, "__globals__", {}).get("__file__") == code.co_filename:
        return False
    qualnames = _qualnames_at(code)
    return qualnames is not None and code.co_qualname not in qualnames

def _qualnames_at(code):
    """The qualified names of the defs starting at the code's first line; None without a tree."""
    by_line = _qualnames_by_line(code.co_filename, linecache.getlines(code.co_filename))
    return None if by_line is None else by_line.get(code.co_firstlineno, set())

def _code_arguments(code):
    """A code object's arguments as a def writes them (without defaults): "a, /, b, *c, d, **e"."""
    names, flags = code.co_varnames, code.co_flags
    positional_only, positional, keyword_only = code.co_posonlyargcount, code.co_argcount, code.co_kwonlyargcount
    after_keywords = positional + keyword_only
    written = list(names[:positional_only]) + (["/"] if positional_only else []) + list(names[positional_only:positional])
    if flags & inspect.CO_VARARGS:
        written.append("*" + names[after_keywords])
    elif keyword_only:
        written.append("*")
    written += names[positional:after_keywords]
    if flags & inspect.CO_VARKEYWORDS:
        written.append("**" + names[after_keywords + bool(flags & inspect.CO_VARARGS)])
    return ", ".join(written)

def _def_header(source):
    """The source's decorators and def up to the end of the def's logical line (its signature, and
    its body when on that line); None when its first statement is not a def."""
    lines = _source_lines(source)
    for first_token, last_line in _logical_lines(lines):
        if first_token != "@":
            return "".join(lines[:last_line]) if first_token in ("def", "async") else None
    return None

def _logical_lines(lines):
    """(first token, last line number) of each logical line of 'lines', a statement with the lines
    its brackets continue on; stops where the text no longer tokenizes."""
    first_token = None
    try:
        for token in tokenize.generate_tokens(iter(lines).__next__):
            if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if first_token is None:
                first_token = token.string
            if token.type == tokenize.NEWLINE:
                yield first_token, token.end[0]
                first_token = None
    except (tokenize.TokenError, SyntaxError):
        return

def _function_in(header):
    """The def a header from _def_header parses to: given an indented body first, as nearly every
    def's body starts on a line of its own (a failed parse costs as much as two)."""
    for text in (header.rstrip("\n") + "\n    pass\n", header):
        try:
            statement = compile(text, "<header>", "exec", _ast.PyCF_ONLY_AST).body[0]
        except (SyntaxError, ValueError):
            continue
        if isinstance(statement, (_ast.FunctionDef, _ast.AsyncFunctionDef)):
            return statement
    return None

def _same_arguments(code, node):
    """Whether a def's arguments are the code's, kind by kind and name by name; a class's private
    names (__x) are mangled in the code (_Class__x)."""
    arguments = node.args
    if (len(arguments.posonlyargs) != code.co_posonlyargcount or
            len(arguments.posonlyargs) + len(arguments.args) != code.co_argcount or
            len(arguments.kwonlyargs) != code.co_kwonlyargcount or
            (arguments.vararg is not None) != bool(code.co_flags & inspect.CO_VARARGS) or
            (arguments.kwarg is not None) != bool(code.co_flags & inspect.CO_VARKEYWORDS)):
        return False
    return all(
        name == written or (_is_private(written) and name.startswith("_") and name.endswith(written))
        for name, written in zip(code.co_varnames, _argument_names(arguments)))

def _is_private(name):
    return name.startswith("__") and not name.endswith("__")

def _ends_before_its_body(code, source):
    """Whether inspect's lines for a lambda stop above the last line of its body. Inside brackets,
    a lambda's first line can parse alone as a shorter lambda ("lambda v: v + 1" over
    "if v > 0 else -1"): inspect stops there, and that text would compile to other code."""
    _, first = inspect.findsource(code)  # 0-based: the line inspect's text starts at
    body_ends = max((end for _, end, _, _ in code.co_positions() if end is not None), default=0)
    return body_ends > first + source.count("\n")

def _type_parameter_names(node):
    return {parameter.name for parameter in getattr(node, "type_params", ())}

_CO_NEWLOCALS = 0x2
_CLASS_OR_TYPE = re.compile(r"(class|type)\b")
_TYPE_STATEMENT = re.compile(r"type\b")
_DEF_OR_CLASS = re.compile(r"@|(async\s+def|def|class)\b")
_USER_ANNOTATE = re.compile(r"(async\s+)?def\s+__annotate__\b")

def is_generated_annotate(code):
    """Whether 'code' is an __annotate__ function CPython (3.14+) made to evaluate the annotations of
    a def, a class or a module, first line the def's or class's (not one a program wrote itself:
    its line holds a def of __annotate__)."""
    if code.co_name != "__annotate__" or code.co_posonlyargcount != 1 or code.co_varnames[:1] != ("format",):
        return False
    lines = linecache.getlines(code.co_filename)
    start = code.co_firstlineno - 1
    return not (0 <= start < len(lines) and _USER_ANNOTATE.match(lines[start].lstrip()))

# What a frame runs when it is no def's or lambda's code, by co_name.
_NON_FUNCTION_NAMES = {
    "<module>": "a module's top-level code",
    "<genexpr>": "a generator expression",
    "<listcomp>": "a list comprehension",
    "<setcomp>": "a set comprehension",
    "<dictcomp>": "a dict comprehension",
}
_COMPREHENSION_NAMES = set(_NON_FUNCTION_NAMES) - {"<module>"}

@with_cpython_imports
def non_function_code(code):
    """What 'code' runs when it is not a def's or a lambda's (the code a rewrite of a def replaces):
    a module, a class body, a comprehension (3.11), code CPython makes to set up type parameters or
    evaluate their bounds and defaults or an alias's value (3.12+), or to evaluate annotations
    (3.14+). None for a def's or a lambda's code."""
    with lines_of(code.co_filename), warnings_off():
        return _non_function_code(code)

def _non_function_code(code):
    name = code.co_name
    if name == "<lambda>":
        return None
    if name.startswith("<"):
        return _NON_FUNCTION_NAMES.get(name, 'code named "%s"' % name)
    if not code.co_flags & inspect.CO_OPTIMIZED:
        return 'the body of class "%s"' % name
    if is_generated_annotate(code):
        return "the annotations of the def, class or module at line %d (CPython's generated %s)" % (
            code.co_firstlineno, code.co_qualname)
    return _type_parameter_part(code)

def _type_parameter_part(code):
    """What code CPython (3.12+) makes to evaluate part of a generic def, class or type alias runs:
    a type parameter's bound, constraints or default, or an alias's value (named after it, at the
    statement's line). None for other code."""
    if not hasattr(_ast, "TypeAlias"):
        return None
    lines = linecache.getlines(code.co_filename)
    start = code.co_firstlineno - 1
    if not 0 <= start < len(lines):
        return None
    for first_token, last_line in _logical_lines(lines[start:]):
        if first_token == "@":
            continue
        header = _dedented("".join(lines[start:start + last_line]))
        if first_token != "type" and "[" not in header:
            return None  # no type parameters: the def's or class's own code
        statement = _header_statement(header)
        if isinstance(statement, _ast.TypeAlias) and statement.name.id == code.co_name:
            return 'the value of type alias "%s"' % code.co_name
        if code.co_name in _type_parameter_names(statement):
            return 'the bound, constraints or default of type parameter "%s"' % code.co_name
        return None
    return None

def _header_statement(header):
    """The statement a def's, class's or type alias's first logical line parses to (a body added
    where it has none), or None."""
    for text in (header.rstrip("\n") + "\n    pass\n", header):
        try:
            return compile(text, "<header>", "exec", _ast.PyCF_ONLY_AST).body[0]
        except (SyntaxError, ValueError):
            continue
    return None

def _statement_source(code):
    """The class or type statement, decorators included, at the line a code object starts at: a
    class body's, or (3.12+) that of a type alias's value or a class's type parameter's bound,
    evaluated in code of their own; and the statement of any generic def, class or type alias for
    the code setting up its type parameters; and the statement at a comprehension's or generator
    expression's first line (3.13's inspect gives the lines from there to the block's end, which
    for a simple statement ran on to whatever followed it). None for other code.
    (inspect looks for a code object's source by walking up from that line to one that looks like
    a def, a decorator or a lambda: for these it found whatever def came before, on 3.11 and 3.12,
    or the first line of the module.)"""
    type_parameters_scope = code.co_name.startswith("<generic parameters of ")
    comprehension = code.co_name in _COMPREHENSION_NAMES
    if code.co_name.startswith("<") and not (type_parameters_scope or comprehension):
        return None
    lines = linecache.getlines(code.co_filename)
    start = code.co_firstlineno - 1
    if not 0 <= start < len(lines):
        return None
    if comprehension:
        # A simple statement ends with its logical line (inspect.getblock ran on past it); a compound
        # one ("for x in (i for i in y):") needs its block to parse.
        statement = _first_logical_line(lines[start:])
        return statement if _parses(_dedented(statement)) else _with_its_block(lines, start, statement)
    line = lines[start].lstrip()
    if is_generated_annotate(code):
        # At the def's line (below its decorators) or the class's first decorator; a module's
        # starts at its first annotated assignment, but evaluates them all.
        return "".join(inspect.getblock(lines[start:]) if _DEF_OR_CLASS.match(line) else lines)
    class_body = not code.co_flags & _CO_NEWLOCALS
    if not type_parameters_scope and not (line.startswith("@") and class_body) and not _CLASS_OR_TYPE.match(line):
        return None
    if _TYPE_STATEMENT.match(line):
        return _first_logical_line(lines[start:])
    return "".join(inspect.getblock(lines[start:]))

def _with_its_block(lines, start, header):
    """A compound statement's 'header' (its first logical line, at 'start') and the lines below it
    indented deeper than it, blank lines between them included."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + header.count("\n")
    for number in range(end, len(lines)):
        line = lines[number]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        end = number + 1
    return "".join(lines[start:end]).rstrip("\n") + "\n"

def _first_logical_line(lines):
    """The statement on the first line of 'lines', with the lines its brackets continue on: a type
    alias has no block, and inspect.getblock, looking for a def or a class, ran on to the end of
    whatever def came next."""
    for _, last_line in _logical_lines(lines):
        return "".join(lines[:last_line])
    return lines[0]

def _dedented(source):
    """'source' with its first line's indentation taken off every line that has it, except the
    lines that start inside a string literal: their leading spaces belong to the string."""
    indent = source[:len(source) - len(source.lstrip(" \t"))]
    if not indent:
        return source
    inside = string_lines(source)
    return "".join(
        line[len(indent):] if line.startswith(indent) and number not in inside else line
        for number, line in enumerate(_source_lines(source), 1))

# 3.12+ tokenizes f-strings in pieces, and 3.14+ t-strings: their start and end tokens.
_PIECEWISE_STARTS = {getattr(tokenize, name) for name in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, name)}
_PIECEWISE_ENDS = {getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)}

def string_lines(source):
    """The numbers (from 1) of the lines of 'source' that start inside a string literal: every line
    after the first of a string spanning several (triple-quoted, or continued by a backslash).
    Empty when the source does not tokenize."""
    if '"""' not in source and "'''" not in source and "\\\n" not in source:
        return set()  # No string can span lines: skip the tokenizer (most functions).
    lines, open_strings = set(), []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING:
                lines.update(range(token.start[0] + 1, token.end[0] + 1))
            elif token.type in _PIECEWISE_STARTS:
                open_strings.append(token.start[0])
            elif token.type in _PIECEWISE_ENDS:
                first = open_strings.pop()
                if not open_strings:
                    lines.update(range(first + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return set()
    return lines

def _parses(source):
    try:
        compile(source, "<source>", "exec", _ast.PyCF_ONLY_AST)
        return True
    except (SyntaxError, ValueError):
        return False

def _lambda_source(code):
    """A lambda's own text, for one whose lines do not parse alone (inspect gives whole lines, and
    a lambda inside a multi-line expression shares them with the rest of it): the lambda read from
    its file's tree, in parentheses padded so it keeps its line and byte columns. Several lambdas
    starting on the line: the one whose body sits where the code's does, else all of them (from
    the first to the end of the last), else the first taking the code's arguments. None when the
    file does not parse (changed since, or not Python)."""
    lines, _ = inspect.findsource(code)
    by_line = _lambdas_by_line(code.co_filename, lines)
    if by_line is None:
        return None
    lambdas = by_line.get(code.co_firstlineno, [])
    positions = set(code.co_positions())
    placed = [node for node in lambdas if node_span(node.body) in positions]
    if len(placed) == 1:
        return _segment(lines, placed[0], placed[0])
    if not lambdas:
        return None
    together = _segment(lines, lambdas[0], max(lambdas, key=lambda node: (node.end_lineno, node.end_col_offset)))
    if _parses(together):
        return together
    names = code.co_varnames[:argument_count(code)]
    named = [node for node in lambdas if lambda_argument_names(node) == names]
    return _segment(lines, named[0], named[0]) if named else None

def _lambdas_by_line(filename, lines):
    """The lambdas of a file by first line, in column order; None when it does not parse. A few
    files are kept: a module's lambdas are asked one by one."""
    return _file_index(_file_lambdas, 8, filename, lines, _lambdas_in)

def _lambdas_in(tree):
    by_line = {}
    for node in _ast.walk(tree):
        if isinstance(node, _ast.Lambda):
            by_line.setdefault(node.lineno, []).append(node)
    for found in by_line.values():
        found.sort(key=lambda node: node.col_offset)
    return by_line

def _qualnames_by_line(filename, lines):
    """The qualified names of a file's defs and classes by the lines their code starts at (the
    def's, and its first decorator's), as the compiler names them ("C.m.<locals>.f"); None when
    it does not parse. Kept for many files: small, and each costs a parse of its file."""
    return _file_index(_file_qualnames, 256, filename, lines, _qualnames_in)

def _qualnames_in(tree):
    by_line = {}
    pending = [(tree, "")]
    while pending:  # Statements only: no def sits inside an expression.
        node, prefix = pending.pop()
        for child in _ast.iter_child_nodes(node):
            if not isinstance(child, (_ast.stmt, _ast.excepthandler, _ast.match_case)):
                continue
            inner = prefix
            if isinstance(child, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
                qualname = prefix + child.name
                for line in {child.lineno, *(d.lineno for d in child.decorator_list[:1])}:
                    by_line.setdefault(line, set()).add(qualname)
                inner = qualname + ("." if isinstance(child, _ast.ClassDef) else ".<locals>.")
            pending.append((child, inner))
    return by_line

_file_lambdas, _file_qualnames = {}, {}

def _file_index(kept, limit, filename, lines, index):
    """index(tree) for a file's tree, None when it does not parse; kept in 'kept' (at most 'limit'
    files) while linecache holds the same lines."""
    entry = kept.get(filename)
    if entry is not None and entry[0] is lines:
        return entry[1]
    try:
        tree = _ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError):
        by_line = None
    else:
        by_line = index(tree)
    if len(kept) >= limit:
        kept.clear()
    kept[filename] = (lines, by_line)
    return by_line

def _segment(lines, start, end):
    """The source from node 'start' to the end of node 'end' (start on the first line), in
    parentheses: '(' and spaces before it keep its byte columns. At column 0 there is no room for
    them: the text alone when it parses so, else in parentheses one column to the right."""
    encoded = [line.encode("utf-8") for line in lines[start.lineno - 1:end.end_lineno]]
    if len(encoded) == 1:
        text = encoded[0][start.col_offset:end.end_col_offset]
    else:
        text = encoded[0][start.col_offset:] + b"".join(encoded[1:-1]) + encoded[-1][:end.end_col_offset]
    if start.col_offset == 0:
        alone = (text + b"\n").decode("utf-8")
        if _parses(alone):
            return alone
    padding = b" " * max(start.col_offset - 1, 0)
    return (b"(" + padding + text + b")\n").decode("utf-8")

def node_span(node):
    """Where a node is, as code.co_positions() gives an instruction's place."""
    return (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)

def lambda_argument_names(node):
    """The argument names of an ast.Lambda, in the order its code's co_varnames starts with."""
    return _argument_names(node.args)

def _argument_names(arguments):
    """The names of an ast.arguments, in the order a code's co_varnames starts with."""
    ordered = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    ordered += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return tuple(a.arg for a in ordered)

_SHAPE_FLAGS = (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS | inspect.CO_GENERATOR |
                inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR)

def argument_count(code):
    flags = code.co_flags
    return (code.co_argcount + code.co_kwonlyargcount +
            bool(flags & inspect.CO_VARARGS) + bool(flags & inspect.CO_VARKEYWORDS))

# Function code keeps its locals in the frame's slots; module and class-body code in a namespace dict
# the frame carries. Run in a frame of the other kind, it would raise SystemError or lose its names.
_FAST_LOCALS = inspect.CO_OPTIMIZED | inspect.CO_NEWLOCALS

def code_kind(code):
    return "function code (fast locals)" if code.co_flags & inspect.CO_OPTIMIZED else "module or class-body code (a namespace dict)"

def replacement_mismatch(original, replacement):
    """Why 'replacement' cannot run in a frame of 'original', or None when it can."""
    if not isinstance(replacement, types.CodeType):
        return "expected a code object, got %s" % type(replacement).__name__
    if original.co_flags & _FAST_LOCALS != replacement.co_flags & _FAST_LOCALS:
        if code_kind(original) == code_kind(replacement):  # hand-made flags: one of the two bits
            return "flags differ: the original has co_flags 0x%x, the replacement 0x%x (OPTIMIZED, NEWLOCALS)" % (
                original.co_flags & _FAST_LOCALS, replacement.co_flags & _FAST_LOCALS)
        hint = ""
        if original.co_flags & _FAST_LOCALS and replacement.co_name == "<module>":
            # Most likely the whole module compiled: ast.compile(tree) without the frame.
            hint = " (a module's code: compile a rewritten function with ast.compile(tree, frame))"
        return "the original is %s, the replacement %s%s" % (code_kind(original), code_kind(replacement), hint)
    checks = (
        ("co_argcount", "positional argument count"),
        ("co_posonlyargcount", "positional-only argument count"),
        ("co_kwonlyargcount", "keyword-only argument count"),
    )
    for attribute, what in checks:
        a, b = getattr(original, attribute), getattr(replacement, attribute)
        if a != b:
            return "%s differs: the original has %d, the replacement %d" % (what, a, b)
    a, b = original.co_flags & _SHAPE_FLAGS, replacement.co_flags & _SHAPE_FLAGS
    if a != b:
        names = lambda f: "|".join(n for n, bit in (("VARARGS", inspect.CO_VARARGS), ("VARKEYWORDS", inspect.CO_VARKEYWORDS),
            ("GENERATOR", inspect.CO_GENERATOR), ("COROUTINE", inspect.CO_COROUTINE),
            ("ITERABLE_COROUTINE", inspect.CO_ITERABLE_COROUTINE), ("ASYNC_GENERATOR", inspect.CO_ASYNC_GENERATOR)) if f & bit) or "none"
        return "flags differ: the original has %s, the replacement %s" % (names(a), names(b))
    count = argument_count(original)
    if original.co_varnames[:count] != replacement.co_varnames[:count]:
        return "argument names differ: the original has %r, the replacement %r" % (
            original.co_varnames[:count], replacement.co_varnames[:count])
    if original.co_freevars != replacement.co_freevars:
        return "free variables differ: the original has %r, the replacement %r" % (
            original.co_freevars, replacement.co_freevars)
    return None


class _Patch:
    """A function whose __code__ a Dynamo's patch() set: the function (weakly), the code set, and
    the code it replaced."""
    __slots__ = ("function", "code", "replaced")

    def __init__(self, function, code, replaced):
        self.function, self.code, self.replaced = weakref.ref(function), code, replaced

# The patches of every open Dynamo, oldest first.
_open_patches = []

def patch_function(function, code, replacement):
    """Makes 'replacement' the __code__ of 'function', whose frame runs 'code' (already checked to
    fit: replacement_mismatch). Returns the patch, for unpatch()."""
    if not code.co_flags & inspect.CO_OPTIMIZED:
        raise TypeError("pyframe: %s is %s, run by no function that later calls would reuse: return the "
                        "replacement itself instead of patch(replacement)" % (code.co_qualname, code_kind(code)))
    if function.__code__ is not code:
        raise TypeError("pyframe: the function %s no longer has the code of this frame as its __code__ (it was set "
                        "since the call began): return the replacement itself instead of patch(replacement)"
                        % function.__qualname__)
    patch = _Patch(function, replacement, code)
    function.__code__ = replacement
    _open_patches.append(patch)
    return patch

def unpatch(patches):
    """Undoes the patches of a Dynamo being disposed, newest first (a Dynamo may patch its own patch:
    asked again about it after an inner Dynamo's decision displaced its own). Each function gets
    back the code it had, unless its __code__ was set since; then a patch made on top of this one,
    by a Dynamo still open, will undo to the code before this one."""
    closing = set(map(id, patches))
    _open_patches[:] = [patch for patch in _open_patches if id(patch) not in closing]
    for patch in reversed(patches):
        function = patch.function()
        if function is None:
            continue
        for later in _open_patches:
            if later.replaced is patch.code and later.function() is function:
                later.replaced = patch.replaced
        if function.__code__ is patch.code:
            function.__code__ = patch.replaced
`;
