/**
 * Python code run once, as the module `_pyframe_ast`, the first time src/ast needs Python: the
 * JSON codec for trees and the jobs that need Python's own `ast` and `compile`.
 *
 * JSON shape: a node is `{"_type": "BinOp", <fields>, <attributes>}`; lists are arrays; values
 * JSON cannot carry exactly are tagged: `{"_int": hex}` beyond 2^53, `{"_float": repr}` for every
 * float (so `1.0` stays a float and `inf`/`nan` travel), `{"_complex": [repr, repr]}`,
 * `{"_bytes": hex}`, `{"_ellipsis": true}`, `{"_tuple": [...]}`, `{"_frozenset": [...]}`.
 * Strings travel as JSON strings with `ensure_ascii`, so lone surrogates survive.
 *
 * @module
 */

export const bridgeSource = String.raw`
import _ast, ast, json, linecache

_MAX_SAFE_INT = 2**53 - 1
_CO_NESTED = 0x10
_ENCLOSING = "__pyframe_enclosing__"


def _class_name(node):
    # A subclass of a node class (a user's, or ast.py's deprecated Num) travels as its _ast class.
    for cls in type(node).__mro__:
        if getattr(_ast, cls.__name__, None) is cls:
            return cls.__name__
    raise TypeError("%s is not an ast node class" % type(node).__name__)


def _encode(value):
    if isinstance(value, ast.AST):
        encoded = {"_type": _class_name(value)}
        for name in value._fields + value._attributes:
            if hasattr(value, name):
                encoded[name] = _encode(getattr(value, name))
        return encoded
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return _encode_constant(value)


def _encode_constant(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value) if abs(value) <= _MAX_SAFE_INT else {"_int": format(int(value), "x")}
    if isinstance(value, float):
        return {"_float": float.__repr__(value)}
    if isinstance(value, complex):
        return {"_complex": [float.__repr__(value.real), float.__repr__(value.imag)]}
    if isinstance(value, bytes):
        return {"_bytes": value.hex()}
    if value is Ellipsis:
        return {"_ellipsis": True}
    if isinstance(value, tuple):
        return {"_tuple": [_encode_constant(item) for item in value]}
    if isinstance(value, frozenset):
        return {"_frozenset": [_encode_constant(item) for item in value]}
    raise TypeError(
        "pyframe.ast cannot carry a constant of type %s to TypeScript; expected None, bool, int, float, "
        "complex, str, bytes, Ellipsis, tuple or frozenset" % type(value).__name__)


def _decode_object(obj):
    if "_type" in obj:
        return getattr(_ast, obj.pop("_type"))(**obj)
    if "_int" in obj:
        return int(obj["_int"], 16)
    if "_float" in obj:
        return float(obj["_float"])
    if "_complex" in obj:
        real, imag = obj["_complex"]
        return complex(float(real), float(imag))
    if "_bytes" in obj:
        return bytes.fromhex(obj["_bytes"])
    if "_ellipsis" in obj:
        return ...
    if "_tuple" in obj:
        return tuple(obj["_tuple"])
    if "_frozenset" in obj:
        return frozenset(obj["_frozenset"])
    raise ValueError("unknown tagged value %r" % (obj,))


def to_json(tree):
    return json.dumps(_encode(tree), ensure_ascii=True, allow_nan=False)


def from_json(text):
    return json.loads(text, object_hook=_decode_object)


def parse(source, filename, mode, type_comments, feature_version):
    if isinstance(feature_version, list):
        feature_version = tuple(feature_version)
    tree = ast.parse(source, filename, mode, type_comments=type_comments, feature_version=feature_version)
    return to_json(tree)


def compile_module(tree, filename, mode):
    ast.fix_missing_locations(tree)
    return compile(tree, filename, mode, dont_inherit=True)


def compile_function(function, original, qualname, filename, first_lineno):
    """The code object of 'function' (an ast.FunctionDef whose tree's line 1 is 'first_lineno')
    made to fit a frame of the code object 'original': same file, lines, free variables, qualname."""
    _place(function, filename, first_lineno)
    freevars = original.co_freevars
    code = _compile_enclosed(function, freevars, qualname, filename)
    unused = [name for name in freevars if name not in code.co_freevars]
    if unused:
        _declare_nonlocal(function, unused, code)
        code = _compile_enclosed(function, freevars, qualname, filename)
    if code.co_freevars != freevars:
        raise ValueError(
            "the compiled function's free variables %r differ from the frame's %r; a replacement must use "
            "the same closure variables" % (code.co_freevars, freevars))
    flags = (code.co_flags & ~_CO_NESTED) | (original.co_flags & _CO_NESTED)
    return code.replace(co_qualname=qualname, co_flags=flags)


def _place(function, filename, first_lineno):
    ast.fix_missing_locations(function)
    ast.increment_lineno(function, first_lineno - 1)
    if function.decorator_list:
        # CPython gives a decorated function the first decorator's line as co_firstlineno.
        function.lineno = function.decorator_list[0].lineno
        function.decorator_list = []
    _shift_columns(function, _column_shift(function, filename))


def _column_shift(function, filename):
    # The source was dedented: put columns back where they are in the file, for traceback carets.
    line = linecache.getline(filename, function.lineno)
    indent = len(line) - len(line.lstrip(" \t"))
    return max(indent - function.col_offset, 0) if line.strip() else 0


def _shift_columns(function, shift):
    if not shift:
        return
    for node in ast.walk(function):
        for name in ("col_offset", "end_col_offset"):
            if getattr(node, name, None) is not None and name in node._attributes:
                setattr(node, name, getattr(node, name) + shift)


def _declare_nonlocal(function, names, code):
    # A free variable the new body no longer uses must stay one, so the code fits the frame's
    # closure cells slot by slot; a nonlocal declaration keeps it and emits no bytecode.
    assigned = [name for name in names if name in code.co_varnames or name in code.co_cellvars]
    if assigned:
        raise ValueError(
            "the function now assigns %s locally, but the frame has it as a free variable; "
            "rename the local or declare it nonlocal" % ", ".join(assigned))
    statement = ast.Nonlocal(names=list(names))
    ast.copy_location(statement, function.body[-1])
    function.body.append(statement)


def _compile_enclosed(function, freevars, qualname, filename):
    module, expected_qualname = _enclose(function, freevars, qualname)
    code = _find_code(compile(module, filename, "exec", dont_inherit=True), expected_qualname)
    if code is None:
        raise ValueError("no code object %r in the compiled module" % expected_qualname)
    return code


def _enclose(function, freevars, qualname):
    """A module holding 'function' inside a class named like the original's (private names are
    mangled with it) inside a function binding exactly 'freevars'. Returns it and the qualname the
    compiler gives the function there."""
    parts = qualname.split(".")
    class_name = parts[-2] if len(parts) > 1 and parts[-2] != "<locals>" else None
    lines, depth = [], 0
    if freevars:
        lines += ["def %s():" % _ENCLOSING, "    %s = None" % " = ".join(freevars)]
        depth += 1
    if class_name:
        lines.append("    " * depth + "class %s:" % class_name)
        depth += 1
    lines.append("    " * depth + "pass")
    module = ast.parse("\n".join(lines) + "\n")
    for node in ast.walk(module):
        if "lineno" in node._attributes:
            ast.copy_location(node, function)
    holder = module
    while not isinstance(holder.body[-1], ast.Pass):
        holder = holder.body[-1]
    holder.body[-1] = function
    prefix = ("%s.<locals>." % _ENCLOSING if freevars else "") + ("%s." % class_name if class_name else "")
    return module, prefix + function.name


def _find_code(code, qualname):
    pending = [code]
    while pending:
        current = pending.pop(0)
        if current.co_qualname == qualname:
            return current
        pending += [c for c in current.co_consts if hasattr(c, "co_qualname")]
    return None
`;
