"""Run by dynamo_test.ts in a CPython process of its own, with PYFRAME_LIB naming the native library:
another PEP 523 tool takes co_extra index 0 before pyframe opens, and gives code objects one-slot
blocks, too short for pyframe's slots (which then come after it). pyframe's hot paths must check
each block's size before reading its slots; a Debug build asserts they do. Prints "ok" last."""
import ctypes
import os
import sys
import sysconfig


def c_api(*names):
    return next(getattr(ctypes.pythonapi, name) for name in names if hasattr(ctypes.pythonapi, name))


request_index = c_api("PyUnstable_Eval_RequestCodeExtraIndex", "_PyEval_RequestCodeExtraIndex")
request_index.argtypes, request_index.restype = [ctypes.c_void_p], ctypes.c_ssize_t
set_extra = c_api("PyUnstable_Code_SetExtra", "_PyCode_SetExtra")
set_extra.argtypes, set_extra.restype = [ctypes.py_object, ctypes.c_ssize_t, ctypes.c_void_p], ctypes.c_int
get_extra = c_api("PyUnstable_Code_GetExtra", "_PyCode_GetExtra")
get_extra.argtypes = [ctypes.py_object, ctypes.c_ssize_t, ctypes.POINTER(ctypes.c_void_p)]
get_extra.restype = ctypes.c_int


def other_tool_value(code):
    value = ctypes.c_void_p()
    assert get_extra(code, other_tool_index, ctypes.byref(value)) == 0
    return value.value


def replaced(x):
    return x + 1


def undecided(x):
    return x + 2


def calls(times):
    return [(replaced(i), undecided(i)) for i in range(times)]


def unseen(x):
    return x + 3


other_tool_index = request_index(None)
assert other_tool_index == 0, "the other tool asks first: %d" % other_tool_index
short_blocks = [replaced.__code__, undecided.__code__, calls.__code__, unseen.__code__]
for code in short_blocks:
    assert set_extra(code, other_tool_index, 0x5EED) == 0

native = ctypes.PyDLL(os.environ["PYFRAME_LIB"])  # PyDLL: every call keeps the GIL
native.pyframe_error.restype = ctypes.c_char_p
libpython = os.path.join(sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME"))
if native.pyframe_open(libpython.encode(), None, None) != 0:
    sys.exit("pyframe_open failed: " + native.pyframe_error().decode())
native.pyframe_frame_function.restype = ctypes.c_void_p
native.pyframe_frame_function.argtypes = [ctypes.c_void_p]
native.pyframe_decide_replace.argtypes = [ctypes.py_object]
module = compile("def replaced(x):\n    return x + 100\n", __file__, "exec")
replacement = next(c for c in module.co_consts if getattr(c, "co_name", None) == "replaced")
asked = []


@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
def decide(frame):
    function = ctypes.cast(native.pyframe_frame_function(frame), ctypes.py_object).value
    asked.append(function.__name__)
    if function is replaced:
        native.pyframe_decide_replace(replacement)
        return 1  # replace
    return 4 if function is undecided else 0  # ask again: never cached, read on every frame


native.pyframe_set_layer(1)
native.pyframe_hook_install(decide)
expected = [(i + 100, i + 2) for i in range(1000)]
assert calls(1000) == expected
assert calls(1000) == expected  # the decisions cached
native.pyframe_hook_set_mode(2)  # run-only: unseen code keeps its short block, read on every frame
assert [unseen(i) for i in range(1000)] == [i + 3 for i in range(1000)]
native.pyframe_hook_uninstall()
assert calls(3) == [(1, 2), (2, 3), (3, 4)]
assert asked.count("replaced") == 1 and asked.count("calls") == 1, asked[:5]
assert asked.count("undecided") == 2000, asked.count("undecided")
assert "unseen" not in asked
assert [other_tool_value(code) for code in short_blocks] == [0x5EED] * 4
print("ok")
