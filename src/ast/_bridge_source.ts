/**
 * Python code run once, as the module `_pyframe_ast`, the first time src/ast needs Python: what
 * the native codec is told of the node classes, and the jobs that need Python's own `ast` and
 * `compile`.
 *
 * Trees come to TypeScript from the native encoder (native/ast_codec.zig, described to it by
 * `codec_description`) and go to Python built by the native loader (native/ast_load.zig): no
 * Python code runs per node either way. Functions here take the Python tree already built.
 *
 * @module
 */

export const bridgeSource = String.raw`
import __future__, _ast, ast, functools, linecache, operator, sys
from _pyframe import (argument_count, lambda_argument_names, lines_of, node_span, string_lines, warnings_off,
                     with_cpython_imports)

_CO_NESTED = 0x10
_CO_GENERATOR = 0x20
_CO_ITERABLE_COROUTINE = 0x100
_FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names))
_ENCLOSING = "__pyframe_enclosing__"
_STAND_IN = "__pyframe_expression_scope__"


def codec_description(class_names, names):
    """What native/ast_codec.zig compares and looks up: constants and builtin types, then per
    class index the node class (None when this Python lacks it) and its interned names."""
    constants = (None, True, False, Ellipsis, int, float, complex, str, bytes, list, tuple, frozenset)
    classes = []
    for class_name, fields in zip(class_names, names):
        found = getattr(_ast, class_name, None)
        node_class = found if isinstance(found, type) and issubclass(found, _ast.AST) else None
        classes.append((node_class, tuple(sys.intern(name) for name in fields)))
    return constants, tuple(classes)


@with_cpython_imports
def call_ast(tree, name, keywords):
    return getattr(ast, name)(tree, **keywords)


@with_cpython_imports
def parse(source, filename, mode, type_comments, feature_version):
    if isinstance(feature_version, list):
        feature_version = tuple(feature_version)
    return ast.parse(source, filename, mode, type_comments=type_comments, feature_version=feature_version)


def compile_tree(tree, filename, mode, optimize):
    """Python's compile(tree, filename, mode, dont_inherit=True, optimize=optimize), warning nothing
    into the program (see warnings_off)."""
    with warnings_off():
        return compile(tree, filename, mode, 0, True, optimize)


@with_cpython_imports
def compile_function(function, original, qualname, filename, first_lineno):
    """The code object of the function (an ast.FunctionDef whose tree's line 1 is
    'first_lineno') made to fit a frame of the code object 'original': same file, lines, free
    variables, qualname."""
    _place(function, filename, first_lineno)
    return _compile_placed(function, original, qualname, filename)


@with_cpython_imports
def compile_lambda(candidates, original, qualname, filename, first_lineno):
    """Like compile_function for a lambda's frame. A line may hold several lambdas: the one whose
    body sits where the original code's body does; else (3.12 gives a constant-returning lambda no
    column) the one compiling to the original's bytecode, among those with the original's argument
    names; else (a rewritten body with no location of its own) the innermost whose span holds the
    original's positions; else the only candidate, or an error saying how to tell them apart."""
    for candidate in candidates:
        _place(candidate, filename, first_lineno)
    positions = set(original.co_positions())
    placed = [c for c in candidates if node_span(c.body) in positions]
    if len(placed) == 1:
        return _compile_placed(placed[0], original, qualname, filename)
    names = original.co_varnames[:argument_count(original)]
    named = [c for c in (placed or candidates) if lambda_argument_names(c) == names] or candidates
    compiled, errors = {}, []
    for candidate in named:
        try:
            compiled[candidate] = _compile_placed(candidate, original, qualname, filename)
        except ValueError as error:  # e.g. another lambda of the line has other free variables
            errors.append(error)
    if not compiled:
        raise errors[0]
    wanted = (original.co_code, _constants_key(original.co_consts))
    same = [code for code in compiled.values() if (code.co_code, _constants_key(code.co_consts)) == wanted]
    if same:
        return same[0]
    around = _lambda_around(list(compiled), positions)
    if around is not None:
        return compiled[around]
    if len(compiled) == 1:
        return next(iter(compiled.values()))
    raise ValueError(
        "pyframe: the tree holds %d lambdas that could be the frame's %s (line %d), and none is where its body "
        "is: keep each rewritten lambda body at the place of the body it replaces (ast.copyLocation(newBody, "
        "oldBody)), or rewrite only the frame's lambda" % (len(compiled), qualname, original.co_firstlineno))


def _lambda_around(candidates, positions):
    """The innermost candidate whose span holds every position of the original code that has
    columns, leaving out a lambda whose whole span is such a position (the original code makes
    it: a lambda within the frame's); None when the positions tell none apart."""
    # co_positions gives (line, end line, column, end column): reordered as spans are.
    located = {(p[0], p[2], p[1], p[3]) for p in positions if None not in p and p[3] > p[2]}
    if not located:
        return None
    spans = {c: (c.lineno, c.col_offset, c.end_lineno, c.end_col_offset) for c in candidates}
    around = [c for c, span in spans.items() if span not in located and all(_inside(p, span) for p in located)]
    innermost = [c for c in around if not any(other is not c and _inside(spans[other], spans[c]) for other in around)]
    return innermost[0] if len(innermost) == 1 else None


def _inside(inner, outer):
    # Spans as (line, column, end line, end column).
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def _constants_key(value):
    # Constants as the compiler tells them apart: 0j == -0j and 1 == 1.0 == True in Python, but
    # not in a code object.
    if isinstance(value, (tuple, frozenset)):
        items = tuple(_constants_key(item) for item in value)
        return type(value), (frozenset(items) if isinstance(value, frozenset) else items)
    if isinstance(value, (float, complex)):
        return type(value), repr(value)
    return type(value), value


def _compile_placed(function, original, qualname, filename):
    freevars = original.co_freevars
    # The module's "from __future__" imports, which every code object compiled in it carries.
    future = original.co_flags & _FUTURE_FLAGS
    code = _compile_enclosed(function, freevars, qualname, filename, future)
    unused = [name for name in freevars if name not in code.co_freevars]
    if unused:
        _declare_nonlocal(function, unused, code)
        code = _compile_enclosed(function, freevars, qualname, filename, future)
    if code.co_freevars != freevars:
        raise ValueError(
            "pyframe: the compiled function's free variables %r differ from the frame's %r; a replacement must use "
            "the same closure variables" % (code.co_freevars, freevars))
    flags = (code.co_flags & ~_CO_NESTED) | (original.co_flags & _CO_NESTED)
    if code.co_flags & _CO_GENERATOR:
        # Set on a generator's code by @types.coroutine, a decorator the rewrite drops.
        flags |= original.co_flags & _CO_ITERABLE_COROUTINE
    return code.replace(co_qualname=qualname, co_flags=flags)


def _place(function, filename, first_lineno):
    _move_lines(function, first_lineno - 1)
    if getattr(function, "decorator_list", None):
        # CPython gives a decorated function the first decorator's line as co_firstlineno.
        function.lineno = function.decorator_list[0].lineno
        function.decorator_list = []
    with lines_of(filename):
        _shift_columns(function, filename, first_lineno)


def _distinct_nodes(tree):
    """Every node of 'tree' once, as ast.walk gives them but for a node a rewrite put in two places
    (Python compiles that): moved at each visit, its lines and columns would move twice."""
    seen, pending = {id(tree)}, [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in _child_nodes(node):
            if id(child) not in seen:
                seen.add(id(child))
                pending.append(child)


# The compiling path reads no builtins through the standard library's ast helpers, which look
# them up in the program's builtins: CPython 3.15's test_builtin replaces builtins.list, and
# ast.iter_child_nodes failed in its isinstance(value, list). This module has pyframe's copy.

def _child_nodes(node):
    """ast.iter_child_nodes, with this module's builtins."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, _ast.AST):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, _ast.AST):
                    yield item


def _copy_location(new_node, old_node):
    """ast.copy_location, with this module's builtins."""
    for name in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if name in old_node._attributes and name in new_node._attributes:
            value = getattr(old_node, name, None)
            if value is not None or (hasattr(old_node, name) and name.startswith("end_")):
                setattr(new_node, name, value)
    return new_node


def _move_lines(tree, by):
    # ast.increment_lineno, each node once.
    for node in _distinct_nodes(tree):
        for name in ("lineno", "end_lineno"):
            if name in node._attributes and getattr(node, name, None) is not None:
                setattr(node, name, getattr(node, name) + by)


def _column_shift(first_lineno, filename):
    # The source was dedented (its first line starts at column 0): put columns back where they are
    # in the file, for traceback carets and for matching a lambda by position.
    line = linecache.getline(filename, first_lineno)
    return len(line) - len(line.lstrip(" \t")) if line.strip() else 0


def _kept_lines(function, filename, first_lineno):
    # The lines dedenting left as they were (they start inside a string literal), by their number
    # in the file: positions on them are the file's already.
    last = max((node.end_lineno for node in _distinct_nodes(function) if getattr(node, "end_lineno", None)), default=first_lineno)
    # A rewrite may give a node any line: read no further than the file goes.
    last = min(last, len(linecache.getlines(filename)))
    source = "".join(linecache.getline(filename, number) for number in range(first_lineno, last + 1))
    return {first_lineno - 1 + number for number in string_lines(source)}


def _shift_columns(function, filename, first_lineno):
    shift = _column_shift(first_lineno, filename)
    if not shift:
        return
    kept_lines = _kept_lines(function, filename, first_lineno)
    for node in _distinct_nodes(function):
        for name, line in (("col_offset", "lineno"), ("end_col_offset", "end_lineno")):
            if getattr(node, name, None) is not None and name in node._attributes and getattr(node, line) not in kept_lines:
                setattr(node, name, getattr(node, name) + shift)


def _declare_nonlocal(function, names, code):
    # A free variable the new body no longer uses must stay one, so the code fits the frame's
    # closure cells slot by slot; a nonlocal declaration keeps it and emits no bytecode.
    assigned = [name for name in names if name in code.co_varnames or name in code.co_cellvars]
    if isinstance(function, ast.Lambda):
        raise ValueError(
            "pyframe: the lambda no longer uses the free variable(s) %s of its frame; a lambda cannot declare "
            "them nonlocal, so keep using them" % ", ".join(names))
    if assigned:
        raise ValueError(
            "pyframe: the function now assigns %s locally, but the frame has it as a free variable; "
            "rename the local or declare it nonlocal" % ", ".join(assigned))
    statement = ast.Nonlocal(names=list(names))
    _copy_location(statement, function.body[-1])
    function.body.append(statement)


def _compile_enclosed(function, freevars, qualname, filename, future):
    module, expected_qualname = _enclose(function, freevars, qualname)
    with warnings_off():
        compiled = compile(module, filename, "exec", future, dont_inherit=True)
    code = _find_code(compiled, expected_qualname, function)
    if code is None:
        raise ValueError("pyframe: no code object %r in the compiled module" % expected_qualname)
    return code


def _scopes(qualname):
    """The enclosing scopes named by a qualname, outermost first: ("def", name) for a part
    followed by <locals>, ("class", name) for another identifier, and a def of a stand-in name
    for a lambda or comprehension scope (<lambda>, <genexpr>, 3.11's <listcomp>), which no
    statement can make: a function scope too, it keeps the class whose private names the code's
    are mangled with, and the free variables it binds."""
    parts, scopes, i = qualname.split(".")[:-1], [], 0
    while i < len(parts):
        name = parts[i]
        followed_by_locals = i + 1 < len(parts) and parts[i + 1] == "<locals>"
        if not name.isidentifier():
            scopes.append(("def", _STAND_IN))
        else:
            scopes.append(("def" if followed_by_locals else "class", name))
        i += 2 if followed_by_locals else 1
    return scopes


def _enclose(function, freevars, qualname):
    """A module holding 'function' inside the scopes its qualname names (classes and functions of
    the same names), so private names are mangled alike, zero-argument super() finds __class__ and
    nested functions get the original qualnames; the frame's free variables are bound in the
    innermost enclosing function (a synthetic one when the path has none). Returns the module and
    the qualname the compiler gives the function there."""
    scopes = _scopes(qualname)
    # A method's __class__ is the class body's own cell (made for methods using super() or
    # __class__): binding it outside would need a function around a top-level class, making the
    # class name a local of it, which the method would then close over instead of the global.
    method = bool(scopes) and scopes[-1][0] == "class"
    bound = [name for name in freevars if not (method and name == "__class__")]
    synthetic = bool(bound) and not any(kind == "def" for kind, _ in scopes)
    if synthetic:
        scopes.insert(0, ("def", _ENCLOSING))
    # The synthetic function holds the class or def the qualname starts with, in the original a
    # global (of the module, or declared global by its enclosing function: CPython's pickletester
    # has "global Bad" before "class Bad:" in a test). Declared global there too (the module is
    # compiled, never run), it stays one for the code, not a free variable, and out of the qualname.
    held = scopes[1][1] if len(scopes) > 1 else getattr(function, "name", None)
    held_global = synthetic and held is not None and held not in freevars
    innermost_def = max((i for i, (kind, _) in enumerate(scopes) if kind == "def"), default=-1)
    lines = []
    for depth, (kind, name) in enumerate(scopes):
        lines.append("    " * depth + ("def %s():" % name if kind == "def" else "class %s:" % name))
        if depth == 0 and held_global:
            lines.append("    global %s" % held)
        if depth == innermost_def and bound:
            lines.append("    " * (depth + 1) + "%s = None" % " = ".join(bound))
    lines.append("    " * len(scopes) + "pass")
    module = compile("\n".join(lines) + "\n", "<pyframe>", "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
    for node in _distinct_nodes(module):
        if "lineno" in node._attributes:
            _copy_location(node, function)
    holder = module
    while not isinstance(holder.body[-1], ast.Pass):
        holder = holder.body[-1]
    holder.body[-1] = ast.Expr(value=function) if isinstance(function, ast.Lambda) else function
    _copy_location(holder.body[-1], function)
    prefix = "".join(name + (".<locals>." if kind == "def" else ".") for kind, name in scopes[held_global:])
    return module, prefix + ("<lambda>" if isinstance(function, ast.Lambda) else function.name)


def _find_code(code, qualname, node):
    """The code object compiled from 'node': several may share its qualname (lambdas in one
    scope), so its first line and, for a lambda, its body's position decide."""
    found, pending = [], [code]
    while pending:
        current = pending.pop(0)
        if current.co_qualname == qualname:
            found.append(current)
        pending += [c for c in current.co_consts if hasattr(c, "co_qualname")]
    if len(found) > 1:
        found = [c for c in found if c.co_firstlineno == node.lineno] or found
    if len(found) > 1 and isinstance(node, ast.Lambda):
        found = [c for c in found if node_span(node.body) in set(c.co_positions())] or found
    return found[0] if found else None
`;
