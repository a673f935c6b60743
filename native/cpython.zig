//! The slice of libpython's C API the native library calls, bound at run time with dlsym so one
//! build serves every supported CPython. Nothing here links against a specific libpython.

const std = @import("std");

pub const PyObject = opaque {};

/// `PyCompilerFlags` (3.8+): compile flags and the minor version of the grammar to accept.
pub const CompilerFlags = extern struct {
    cf_flags: c_int,
    cf_feature_version: c_int,
};
pub const PyThreadState = opaque {};
pub const PyInterpreterState = opaque {};
/// A `_PyInterpreterFrame`; its fields are reached through `layouts.Layout` offsets.
pub const Frame = opaque {};

pub const EvalFrameFn = *const fn (*PyThreadState, *Frame, c_int) callconv(.c) ?*PyObject;
pub const FreeFn = *const fn (?*anyopaque) callconv(.c) void;

/// `PyStatus`, returned by value from the initialisation functions (same layout 3.11-3.15).
pub const PyStatus = extern struct {
    type: c_int,
    func: ?[*:0]const u8,
    err_msg: ?[*:0]const u8,
    exitcode: c_int,
};

extern "c" fn dlopen(path: ?[*:0]const u8, mode: c_int) ?*anyopaque;
extern "c" fn dlsym(handle: ?*anyopaque, name: [*:0]const u8) ?*anyopaque;
extern "c" fn dlerror() ?[*:0]const u8;

/// dlopen's modes, which differ between systems (RTLD_GLOBAL is 0x100 on Linux, 0x8 on macOS).
const rtld_now: c_int = @bitCast(std.c.RTLD{ .NOW = true });
/// RTLD_GLOBAL, so C extension modules loaded later resolve `PyFloat_Type` and friends.
const rtld_global: c_int = @bitCast(std.c.RTLD{ .GLOBAL = true });

// Checked as each target is compiled (`zig build prebuilt` builds the macOS ones): the values of
// glibc's and Apple's <dlfcn.h>.
comptime {
    const expected: c_int = switch (@import("builtin").os.tag) {
        .linux => 0x2 | 0x100,
        .macos => 0x2 | 0x8,
        else => rtld_now | rtld_global,
    };
    if (rtld_now | rtld_global != expected) @compileError("dlopen's modes do not match this system's <dlfcn.h>");
}

pub const Api = struct {
    Py_IsInitialized: *const fn () callconv(.c) c_int,
    PyConfig_InitPythonConfig: *const fn (*anyopaque) callconv(.c) void,
    PyConfig_SetBytesString: *const fn (*anyopaque, *?*anyopaque, [*:0]const u8) callconv(.c) PyStatus,
    PyConfig_Clear: *const fn (*anyopaque) callconv(.c) void,
    Py_InitializeFromConfig: *const fn (*anyopaque) callconv(.c) PyStatus,
    PyThreadState_Get: *const fn () callconv(.c) *PyThreadState,
    PyInterpreterState_Get: *const fn () callconv(.c) *PyInterpreterState,
    _PyInterpreterState_GetEvalFrameFunc: *const fn (*PyInterpreterState) callconv(.c) EvalFrameFn,
    _PyInterpreterState_SetEvalFrameFunc: *const fn (*PyInterpreterState, EvalFrameFn) callconv(.c) void,
    _PyEval_EvalFrameDefault: EvalFrameFn,
    RequestCodeExtraIndex: *const fn (FreeFn) callconv(.c) isize,
    Code_GetExtra: *const fn (*PyObject, isize, *?*anyopaque) callconv(.c) c_int,
    Code_SetExtra: *const fn (*PyObject, isize, ?*anyopaque) callconv(.c) c_int,
    /// Frees what CPython allocated with PyMem (a code object's co_extra block: cache.zig).
    PyMem_Free: *const fn (?*anyopaque) callconv(.c) void,
    Py_IncRef: *const fn (?*PyObject) callconv(.c) void,
    Py_DecRef: *const fn (?*PyObject) callconv(.c) void,
    PyErr_SetString: *const fn (*PyObject, [*:0]const u8) callconv(.c) void,
    PyErr_Occurred: *const fn () callconv(.c) ?*PyObject,
    PyErr_Clear: *const fn () callconv(.c) void,
    PyObject_Call: *const fn (*PyObject, *PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    /// (code, globals, locals, args, argcount, kws, kwcount, defs, defcount, kwdefs, closure)
    PyEval_EvalCodeEx: *const fn (*PyObject, *PyObject, ?*PyObject, ?[*]const *PyObject, c_int, ?[*]const *PyObject, c_int, ?[*]const *PyObject, c_int, ?*PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    PyTuple_New: *const fn (isize) callconv(.c) ?*PyObject,
    PyTuple_Size: *const fn (*PyObject) callconv(.c) isize,
    PyTuple_GetItem: *const fn (*PyObject, isize) callconv(.c) ?*PyObject,
    PyTuple_SetItem: *const fn (*PyObject, isize, *PyObject) callconv(.c) c_int,
    PyDict_New: *const fn () callconv(.c) ?*PyObject,
    PyDict_SetItem: *const fn (*PyObject, *PyObject, *PyObject) callconv(.c) c_int,
    PyDict_Update: *const fn (*PyObject, *PyObject) callconv(.c) c_int,
    PyDict_SetItemString: *const fn (*PyObject, [*:0]const u8, *PyObject) callconv(.c) c_int,
    /// (method definition, self, module): a builtin function of ours (init_shortcut.zig's probe).
    PyCFunction_NewEx: *const fn (*anyopaque, ?*PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    PyObject_GetAttrString: *const fn (*PyObject, [*:0]const u8) callconv(.c) ?*PyObject,
    PyObject_SetAttrString: *const fn (*PyObject, [*:0]const u8, ?*PyObject) callconv(.c) c_int,
    PyFunction_NewWithQualName: *const fn (*PyObject, *PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    PyFunction_GetGlobals: *const fn (*PyObject) callconv(.c) *PyObject,
    PyFunction_GetDefaults: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PyFunction_SetDefaults: *const fn (*PyObject, ?*PyObject) callconv(.c) c_int,
    PyFunction_GetKwDefaults: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PyFunction_SetKwDefaults: *const fn (*PyObject, ?*PyObject) callconv(.c) c_int,
    PyFunction_GetClosure: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PyFunction_SetClosure: *const fn (*PyObject, ?*PyObject) callconv(.c) c_int,
    // Built by the AST loader (ast_load.zig).
    PyBytes_FromStringAndSize: *const fn ([*]const u8, isize) callconv(.c) ?*PyObject,
    PyComplex_FromDoubles: *const fn (f64, f64) callconv(.c) ?*PyObject,
    PyDict_DelItem: *const fn (*PyObject, *PyObject) callconv(.c) c_int,
    PyFloat_FromDouble: *const fn (f64) callconv(.c) ?*PyObject,
    PyFrozenSet_New: *const fn (?*PyObject) callconv(.c) ?*PyObject,
    PyList_New: *const fn (isize) callconv(.c) ?*PyObject,
    PyList_SetItem: *const fn (*PyObject, isize, *PyObject) callconv(.c) c_int,
    PyLong_FromLongLong: *const fn (i64) callconv(.c) ?*PyObject,
    PyLong_FromString: *const fn ([*:0]const u8, ?*?[*:0]u8, c_int) callconv(.c) ?*PyObject,
    PyType_GenericNew: *const fn (*PyObject, *PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    PyUnicode_DecodeUTF8: *const fn ([*]const u8, isize, [*:0]const u8) callconv(.c) ?*PyObject,
    PyUnicode_InternInPlace: *const fn (*?*PyObject) callconv(.c) void,
    // Read by the AST codec (ast_codec.zig).
    PyBytes_AsStringAndSize: *const fn (*PyObject, *[*]const u8, *isize) callconv(.c) c_int,
    PyComplex_RealAsDouble: *const fn (*PyObject) callconv(.c) f64,
    PyComplex_ImagAsDouble: *const fn (*PyObject) callconv(.c) f64,
    PyDict_GetItemWithError: *const fn (*PyObject, *PyObject) callconv(.c) ?*PyObject,
    PyDict_Next: *const fn (*PyObject, *isize, *?*PyObject, *?*PyObject) callconv(.c) c_int,
    PyFloat_AsDouble: *const fn (*PyObject) callconv(.c) f64,
    PyList_Append: *const fn (*PyObject, *PyObject) callconv(.c) c_int,
    PyList_GetItem: *const fn (*PyObject, isize) callconv(.c) ?*PyObject,
    PyList_Size: *const fn (*PyObject) callconv(.c) isize,
    PyLong_AsLongLongAndOverflow: *const fn (*PyObject, *c_int) callconv(.c) i64,
    PyObject_Format: *const fn (*PyObject, *PyObject) callconv(.c) ?*PyObject,
    PyObject_GenericGetDict: *const fn (*PyObject, ?*anyopaque) callconv(.c) ?*PyObject,
    PyObject_Repr: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PySequence_Tuple: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PyUnicode_AsEncodedString: *const fn (*PyObject, [*:0]const u8, [*:0]const u8) callconv(.c) ?*PyObject,
    PyUnicode_AsUTF8AndSize: *const fn (*PyObject, *isize) callconv(.c) ?[*]const u8,
    PyUnicode_FromString: *const fn ([*:0]const u8) callconv(.c) ?*PyObject,
    PyUnicode_FromStringAndSize: *const fn ([*]const u8, isize) callconv(.c) ?*PyObject,
    Py_CompileStringObject: *const fn ([*:0]const u8, *PyObject, c_int, ?*CompilerFlags, c_int) callconv(.c) ?*PyObject,
    PyCode_Type: *PyObject,
    /// A code object's bytecode as compiled (specializations undone, cache entries zeroed).
    PyCode_GetCode: *const fn (*PyObject) callconv(.c) ?*PyObject,
    PyExc_RecursionError: **PyObject,
    PyExc_RuntimeError: **PyObject,
    PyExc_TypeError: **PyObject,
    _Py_NoneStruct: *PyObject,
    _Py_TrueStruct: *PyObject,
    _Py_FalseStruct: *PyObject,
    PyLong_Type: *PyObject,
    PyFloat_Type: *PyObject,
    PyUnicode_Type: *PyObject,
    PyUnicode_GetLength: *const fn (*PyObject) callconv(.c) isize,
    PyUnicode_AsUCS4: *const fn (*PyObject, [*]u32, isize, c_int) callconv(.c) ?[*]u32,
    PyUnicode_DecodeUTF16: *const fn ([*]const u8, isize, [*:0]const u8, ?*c_int) callconv(.c) ?*PyObject,
    Py_GetRecursionLimit: *const fn () callconv(.c) c_int,
    Py_SetRecursionLimit: *const fn (c_int) callconv(.c) void,
    /// Whether the interpreter is shutting down (`Py_IsFinalizing` from 3.13).
    IsFinalizing: *const fn () callconv(.c) c_int,
    /// `Py_Version`, the running interpreter's PY_VERSION_HEX (exported from 3.11).
    Py_Version: *const c_ulong,
};

/// Names whose exported symbol changed between versions: (field, older name, newer name); the
/// newer one is looked up first.
const renamed = .{
    .{ "RequestCodeExtraIndex", "_PyEval_RequestCodeExtraIndex", "PyUnstable_Eval_RequestCodeExtraIndex" },
    .{ "Code_GetExtra", "_PyCode_GetExtra", "PyUnstable_Code_GetExtra" },
    .{ "Code_SetExtra", "_PyCode_SetExtra", "PyUnstable_Code_SetExtra" },
    .{ "IsFinalizing", "_Py_IsFinalizing", "Py_IsFinalizing" },
};

pub const OpenError = error{ LibraryNotLoaded, SymbolMissing };

/// Message for the last `OpenError`, valid until the next call.
pub var open_error_buffer: [512:0]u8 = undefined;

/// Binds to the CPython already running in this process, else loads the one at `path`.
pub fn open(path: [*:0]const u8) OpenError!Api {
    const handle = runningInterpreter() orelse dlopen(path, rtld_now | rtld_global) orelse {
        setOpenError("could not load libpython '{s}': {s}", .{ path, dlerror() orelse "unknown error" });
        return error.LibraryNotLoaded;
    };
    var api: Api = undefined;
    inline for (@typeInfo(Api).@"struct".fields) |field| {
        const address = try lookup(handle, field.name);
        @field(api, field.name) = @ptrCast(@alignCast(address));
    }
    return api;
}

/// The process's own symbols when they include an initialised CPython: a Python process loading
/// this library. Its interpreter may be linked into the executable (Debian's python3 is), where
/// loading `path` would bring a second, uninitialised CPython into the process (seen: SIGSEGV).
/// A JS host has no Python symbols of its own, so it loads `path`.
fn runningInterpreter() ?*anyopaque {
    const process_symbols = dlopen(null, rtld_now) orelse return null;
    const is_initialized: *const fn () callconv(.c) c_int = @ptrCast(@alignCast(dlsym(process_symbols, "Py_IsInitialized") orelse return null));
    return if (is_initialized() != 0) process_symbols else null;
}

fn lookup(handle: *anyopaque, comptime field: [:0]const u8) OpenError!*anyopaque {
    inline for (renamed) |names| {
        if (comptime std.mem.eql(u8, names[0], field)) {
            if (dlsym(handle, names[2])) |address| return address;
            return dlsym(handle, names[1]) orelse missing(names[1]);
        }
    }
    return dlsym(handle, field.ptr) orelse missing(field);
}

fn missing(comptime name: []const u8) OpenError {
    setOpenError("libpython has no symbol '{s}': is it CPython 3.11 or newer?", .{name});
    return error.SymbolMissing;
}

pub fn setOpenError(comptime format: []const u8, args: anytype) void {
    const written = std.fmt.bufPrintZ(&open_error_buffer, format, args) catch {
        open_error_buffer[open_error_buffer.len - 1] = 0;
        return;
    };
    std.debug.assert(written.len < open_error_buffer.len);
}
