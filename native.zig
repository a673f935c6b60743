//! pyframe's native core: binds libpython at run time, starts the interpreter, and installs the
//! eval-frame function that lets TypeScript decide, once per code object, what each frame runs.
//! Everything else lives in TypeScript (src/). The C ABI below is declared once on the TypeScript
//! side, in src/ffi/symbols.ts.

const std = @import("std");
const cpython = @import("native/cpython.zig");
const layouts = @import("native/layouts.zig");
const cache = @import("native/cache.zig");
const engine = @import("native/engine.zig");
const probe = @import("native/probe.zig");
const stack = @import("native/stack.zig");
const ast_codec = @import("native/ast_codec.zig");
const ast_load = @import("native/ast_load.zig");
const js_calls = @import("native/js_calls.zig");
const bulk = @import("native/bulk.zig");
const fork = @import("native/fork.zig");
const stay_loaded = @import("native/stay_loaded.zig");
const init_shortcut = @import("native/init_shortcut.zig");

const PyObject = cpython.PyObject;
const Frame = cpython.Frame;
const field = engine.field;

/// Bumped whenever an exported signature or meaning changes; src/ffi checks it.
const abi_version: u32 = 13;

var api: cpython.Api = undefined;
var layout: ?*const layouts.Layout = null;
var eval_frame: cpython.EvalFrameFn = undefined;
/// Our function is still somewhere in the eval-frame chain although no Dynamo is active: another
/// tool installed its own on top of ours, so removing ours would cut that tool off.
var dormant_in_chain = false;
var config_storage: [2048]u8 align(16) = undefined;

export fn pyframe_abi_version() u32 {
    return abi_version;
}

/// Message of the last failed call, for error reports.
export fn pyframe_error() [*:0]const u8 {
    return &cpython.open_error_buffer;
}

/// Loads libpython (RTLD_GLOBAL) and starts the interpreter unless it runs already. In a process
/// where CPython runs already (a Python program loading this library), binds to that one and
/// leaves `libpython` unread. `home` is the prefix of the libpython loaded; `executable` becomes
/// sys.executable.
/// Returns 0, or -1 with a message in `pyframe_error`.
export fn pyframe_open(libpython: [*:0]const u8, home: ?[*:0]const u8, executable: ?[*:0]const u8) i32 {
    if (layout != null) return 0;
    api = cpython.open(libpython) catch return -1;
    const version: u32 = @intCast(api.Py_Version.*);
    const minor = (version >> 16) & 0xff;
    const chosen = if (version >> 24 == 3) layouts.forMinor(minor) else null;
    if (chosen == null) {
        cpython.setOpenError("CPython {d}.{d} is not supported; pyframe supports " ++ supported_versions, .{ version >> 24, minor });
        return -1;
    }
    if (api.Py_IsInitialized() == 0) {
        initialize(chosen.?, home, executable) catch return -1;
    }
    if (!cache.init(&api, chosen.?.code_extra)) {
        cpython.setOpenError("CPython refused a co_extra index (too many PEP 523 users in one process)", .{});
        return -1;
    }
    eval_frame = evalFrameForMinor(chosen.?.minor);
    engine.state = .{ .api = &api, .previous = api._PyEval_EvalFrameDefault };
    fork.watchForks();
    stay_loaded.stayLoaded();
    if (!isTracing(chosen.?)) init_shortcut.find(&api, chosen.?);
    layout = chosen;
    return 0;
}

/// Whether a tracer, profiler or sys.monitoring tool is on (pyframe bound to a Python process's
/// interpreter): Python that pyframe runs for itself as it opens would be reported to it.
fn isTracing(chosen: *const layouts.Layout) bool {
    const tstate = api.PyThreadState_Get();
    const tracer = field(?*anyopaque, tstate, chosen.tstate_c_tracefunc).*;
    const profiler = field(?*anyopaque, tstate, chosen.tstate_c_profilefunc).*;
    if (tracer != null or profiler != null) return true;
    const offset = chosen.interp_monitors orelse return false;
    const monitors: [*]const u8 = @ptrFromInt(@intFromPtr(api.PyInterpreterState_Get()) + offset);
    return std.mem.indexOfNone(u8, monitors[0..chosen.interp_global_events], &.{0}) != null;
}

/// "3.11, 3.12, 3.13, 3.14 and 3.15": the versions `layouts` declares.
const supported_versions = blk: {
    var text: []const u8 = "";
    for (layouts.supported, 0..) |supported, index| {
        const separator = if (index == 0) "" else if (index == layouts.supported.len - 1) " and " else ", ";
        text = text ++ separator ++ std.fmt.comptimePrint("3.{d}", .{supported.minor});
    }
    break :blk text;
};

fn evalFrameForMinor(minor: u32) cpython.EvalFrameFn {
    inline for (layouts.supported) |supported| {
        if (supported.minor == minor) return evalFrameFor(supported.*);
    }
    unreachable;
}

fn evalFrameFor(comptime layout_of_version: layouts.Layout) cpython.EvalFrameFn {
    return switch (cache.placement()) {
        inline else => |where| engine.Engine(layout_of_version).evalFrame(where),
    };
}

fn initialize(chosen: *const layouts.Layout, home: ?[*:0]const u8, executable: ?[*:0]const u8) error{InitFailed}!void {
    std.debug.assert(chosen.config_size <= config_storage.len);
    const config: *anyopaque = &config_storage;
    api.PyConfig_InitPythonConfig(config);
    defer api.PyConfig_Clear(config);
    // The host (Deno, Bun) owns signals; Python's handlers would steal SIGINT from it.
    field(c_int, config, chosen.config_install_signal_handlers).* = 0;
    if (home) |value| try setConfigString(config, chosen.config_home, value);
    if (executable) |value| {
        try setConfigString(config, chosen.config_program_name, value);
        try setConfigString(config, chosen.config_executable, value);
    }
    try check(api.Py_InitializeFromConfig(config), "starting CPython");
}

fn setConfigString(config: *anyopaque, offset: usize, value: [*:0]const u8) error{InitFailed}!void {
    try check(api.PyConfig_SetBytesString(config, field(?*anyopaque, config, offset), value), "configuring CPython");
}

fn check(status: cpython.PyStatus, doing: []const u8) error{InitFailed}!void {
    if (status.type == 0) return;
    cpython.setOpenError("{s} failed: {s}{s}{s}", .{
        doing,
        status.err_msg orelse "unknown error",
        if (status.func != null) " in " else "",
        status.func orelse "",
    });
    return error.InitFailed;
}

/// PY_VERSION_HEX of the running interpreter, 0 before `pyframe_open`.
export fn pyframe_python_version() u32 {
    if (layout == null) return 0;
    return @intCast(api.Py_Version.*);
}

/// Installs the eval-frame function for the calling (JS) thread, remembering the function that was
/// installed before so it keeps running underneath. Returns 0, or -1 before `pyframe_open`.
export fn pyframe_hook_install(callback: engine.Callback) i32 {
    if (layout == null) return -1;
    const s = &engine.state;
    s.callback = callback;
    const tstate = api.PyThreadState_Get();
    // Found once per JS thread: on the main thread it means reading /proc/self/maps.
    if (tstate != s.js_tstate) s.c_floor = if (layout.?.c_stack_checked) 0 else stack.floorOfThisThread();
    s.js_tstate = tstate;
    s.setQuiet(s.quiet);
    s.mode = .normal;
    const interpreter = api.PyInterpreterState_Get();
    if (layout.?.interp_monitors) |offset| s.monitors = @ptrFromInt(@intFromPtr(interpreter) + offset);
    const current = api._PyInterpreterState_GetEvalFrameFunc(interpreter);
    if (current == eval_frame or dormant_in_chain) {
        dormant_in_chain = false;
        return 0;
    }
    s.previous = current;
    init_shortcut.close();
    api._PyInterpreterState_SetEvalFrameFunc(interpreter, eval_frame);
    return 0;
}

/// Restores the eval-frame function found at install. If another tool installed its own on top of
/// ours meanwhile, ours stays in its chain forwarding every frame; returns 1 in that case.
export fn pyframe_hook_uninstall() i32 {
    if (layout == null) return -1;
    const s = &engine.state;
    s.callback = null;
    const interpreter = api.PyInterpreterState_Get();
    // No Dynamo is left: their decisions go, and with them the co_extra blocks only they used
    // (after the hook is off: releasing a replacement can run Python).
    defer cache.releaseBlocks();
    if (api._PyInterpreterState_GetEvalFrameFunc(interpreter) == eval_frame) {
        api._PyInterpreterState_SetEvalFrameFunc(interpreter, s.previous);
        init_shortcut.reopen();
        return 0;
    }
    s.mode = .passthrough;
    dormant_in_chain = true;
    return 1;
}

/// 1 when the interpreter's current eval-frame function is ours.
export fn pyframe_hook_is_current() i32 {
    if (layout == null) return 0;
    return @intFromBool(api._PyInterpreterState_GetEvalFrameFunc(api.PyInterpreterState_Get()) == eval_frame);
}

/// 0 normal, 1 pass-through (no decisions, no JS), 2 run-only (no JS on a miss).
export fn pyframe_hook_set_mode(mode: u8) i32 {
    const chosen = std.meta.intToEnum(engine.Mode, mode) catch return -1;
    if (dormant_in_chain) return -1;
    engine.state.mode = chosen;
    return 0;
}

/// Which Dynamo's decisions the cache serves; 0 serves none.
export fn pyframe_set_layer(layer: u32) void {
    engine.setLayer(layer);
}

/// Forgets the decisions of `layer` and releases their replacement code objects.
export fn pyframe_clear_layer(layer: u32) void {
    if (layout == null) return;
    std.debug.assert(layer != 0);
    cache.clearLayer(layer);
}

/// Marks `code` as pyframe's own: every layer runs it unchanged without asking JS, and with
/// `with_calls` set, every frame it starts too.
export fn pyframe_code_ignore(code: *PyObject, with_calls: u8) i32 {
    if (layout == null) return -1;
    const kind: cache.Kind = if (with_calls != 0) .skip_tree else .skip;
    return if (cache.storeDecision(code, cache.every_layer, kind)) 0 else -1;
}

/// Caches "run the original" for `code` in `layer`: the replacement a Dynamo's patch() made a
/// function's `__code__`, whose frames arrive already running it (so the hot path forwards them).
export fn pyframe_code_run_as_is(code: *PyObject, layer: u32) i32 {
    if (layout == null) return -1;
    std.debug.assert(layer != 0);
    return if (cache.storeDecision(code, layer, .original)) 0 else -1;
}

/// Hands over the replacement for the frame being decided (the callback then answers 1 or 5).
/// Takes a new reference; a second call within one callback replaces the first.
export fn pyframe_decide_replace(code: *PyObject) void {
    const s = &engine.state;
    std.debug.assert(s.quiet.in_callback);
    api.Py_IncRef(code);
    const previous = s.pending;
    s.pending = code;
    api.Py_DecRef(previous);
}

/// The frame's code object (borrowed).
export fn pyframe_frame_code(frame: *Frame) *PyObject {
    return @ptrFromInt(layouts.objectAddress(layout.?, field(usize, frame, layout.?.frame_code).*));
}

/// The frame's function object (borrowed).
export fn pyframe_frame_function(frame: *Frame) *PyObject {
    return @ptrFromInt(layouts.objectAddress(layout.?, field(usize, frame, layout.?.frame_func).*));
}

/// Local slot `index` of a fresh frame (borrowed, may be null): slots 0..n hold the arguments.
export fn pyframe_frame_slot(frame: *Frame, index: u32) ?*PyObject {
    const locals: [*]const usize = @ptrFromInt(@intFromPtr(frame) + layout.?.frame_localsplus);
    return @ptrFromInt(layouts.objectAddress(layout.?, locals[index]));
}

/// Counters for tests and benchmarks: 0 JS calls, 1 frames run with replacement code,
/// 2 replacement entries alive (decisions without a replacement are immediates, not counted),
/// 3 frames started too deep in the stack to ask JS (run as they are), 4 whether 3.13's shortcut
/// into `__init__` is closed, 5 whether it is closed by keeping call sites generic one by one
/// (native/init_shortcut.zig).
export fn pyframe_stat(which: u32) u64 {
    const s = &engine.state;
    return switch (which) {
        0 => s.js_calls,
        1 => s.replaced_frames,
        2 => cache.count(),
        3 => s.too_deep_for_js,
        4 => @intFromBool(init_shortcut.isClosed()),
        5 => @intFromBool(init_shortcut.keepsSites()),
        else => 0,
    };
}

/// 1 when `code` has a co_extra block (anyone's), for tests: pyframe gives its blocks back when the
/// last Dynamo ends (cache.releaseBlocks).
export fn pyframe_code_has_extra(code: *PyObject) i32 {
    if (layout == null) return -1;
    return @intFromBool(cache.hasBlock(code));
}

/// The JS callback releasing a handle Python dropped (native/js_calls.zig).
export fn pyframe_set_js_release_target(target: js_calls.JsReleaseTarget) void {
    js_calls.setReleaseTarget(target);
}

/// The C function (METH_NOARGS) of `JSFunction.__del__` and `JSError.__del__`.
export fn pyframe_js_release_entry() *const anyopaque {
    return js_calls.release_entry;
}

/// Makes `target` what calling a `_pyframe.JSFunction` runs (native/js_calls.zig). Called on the
/// JS thread, which becomes the only thread allowed in; `released` is the helper's `_released`.
export fn pyframe_set_js_function_target(target: js_calls.JsFunctionTarget, handle_offset: u32, released: *PyObject) void {
    js_calls.setFunctionTarget(target, handle_offset, released);
}

/// The C function (METH_VARARGS | METH_KEYWORDS) of `JSFunction.__call__`.
export fn pyframe_js_function_entry() *const anyopaque {
    return js_calls.function_entry;
}

/// The handle a JSFunction instance holds, or -1 (TypeScript checks the offset with it at start-up).
export fn pyframe_js_function_handle(instance: *PyObject) f64 {
    return js_calls.handleOf(instance);
}

/// `Py_TYPE(object)`, borrowed.
export fn pyframe_type_of(object: *PyObject) *PyObject {
    return bulk.typeOf(object);
}

/// Reads a list's or tuple's first `count` items in one call (native/bulk.zig).
export fn pyframe_sequence_scan(sequence: *PyObject, is_tuple: u8, kinds: [*]u8, pointers: [*]usize, numbers: [*]f64, ends: [*]u32, count: u32, units: [*]u16, units_capacity: u32) u32 {
    var out: bulk.ScanOutput = .{ .kinds = kinds, .pointers = pointers, .numbers = numbers, .ends = ends, .units = units[0..units_capacity] };
    return bulk.scanSequence(sequence, is_tuple != 0, count, &out);
}

/// Reads a dict's first `count` entries in one call (native/bulk.zig): the arrays hold 2 * `count`.
export fn pyframe_dict_scan(dict: *PyObject, kinds: [*]u8, pointers: [*]usize, numbers: [*]f64, ends: [*]u32, count: u32, units: [*]u16, units_capacity: u32) u32 {
    var out: bulk.ScanOutput = .{ .kinds = kinds, .pointers = pointers, .numbers = numbers, .ends = ends, .units = units[0..units_capacity] };
    return bulk.scanDict(dict, count, &out);
}

/// Sets a new list's items from what TypeScript read of an Array (native/bulk.zig): 0, or -1 with
/// a Python exception set.
export fn pyframe_list_fill(list: *PyObject, kinds: [*]const u8, numbers: [*]const f64, ends: [*]const u32, units: [*]const u16, pointers: [*]const usize, count: u32) i32 {
    return bulk.fillList(list, kinds, numbers, ends, units, pointers, count);
}

/// Called by JS from ever deeper recursion until the JS engine refuses to go deeper: the deepest
/// stack position seen, plus room for a callback's work, becomes the floor below which the hook
/// no longer calls JS (see native/stack.zig). Returns 0 once JS must stop diving itself: an engine
/// told it may use more stack than its thread has (Deno's `--v8-flags=--stack-size`) would
/// otherwise run off the thread's end, as no JS program but this dive ever needs to.
export fn pyframe_js_stack_mark() u8 {
    const s = &engine.state;
    const here = stack.position();
    if (js_dive.start == 0) js_dive = .{ .start = here, .deepest = here, .end = stack.floorOfThisThread() + stack.js_reserve };
    js_dive.deepest = @min(js_dive.deepest, here);
    s.js_floor = stack.jsFloor(js_dive.start, js_dive.deepest);
    return @intFromBool(here > js_dive.end);
}

/// The JS thread's one dive, as the library loads: where it started, the deepest it reached, and
/// where the thread's stack leaves only room enough for a callback under the C floor (JS never
/// dives below it).
var js_dive: struct { start: usize = 0, deepest: usize = 0, end: usize = 0 } = .{};

/// Gives the AST codec the constants and node classes its encoding refers to (see
/// native/ast_codec.zig). Returns 0, or -1 with a Python exception set.
export fn pyframe_ast_init(description: *PyObject) i32 {
    if (layout == null) return -1;
    ast_codec.init(&api, description) catch |err| {
        if (err == error.OutOfMemory) api.PyErr_SetString(api.PyExc_RuntimeError.*, "pyframe: out of memory reading the ast codec's classes");
        return -1;
    };
    return 0;
}

/// Encodes the Python ast `tree` (native/ast_codec.zig) into `buffer` and returns the encoding's
/// whole length: when that exceeds `capacity`, the rest waits for `pyframe_ast_copy`. With a
/// `nodes` list, every node is appended to it in encoding order. Returns -1 with a Python
/// exception set on failure.
export fn pyframe_ast_dump(tree: *PyObject, nodes: ?*PyObject, buffer: [*]u8, capacity: u32) i64 {
    if (layout == null) return -1;
    _ = ast_codec.dump(tree, nodes) orelse return -1;
    return @intCast(ast_codec.copyOutput(buffer[0..capacity]));
}

/// Parses NUL-terminated UTF-8 `source` like Python's `ast.parse` (see native/ast_codec.zig's
/// `parse`) and encodes the tree into `buffer` as `pyframe_ast_dump` does, appending its nodes to
/// the list `nodes`. Returns the encoding's length, or -1 with a Python exception set.
export fn pyframe_ast_parse(source: [*:0]const u8, filename: ?[*]const u8, filename_length: u32, start: i32, flags: i32, nodes: *PyObject, buffer: [*]u8, capacity: u32) i64 {
    if (layout == null) return -1;
    // An empty name may come as NULL (a runtime's view of an empty buffer).
    const name: []const u8 = if (filename) |bytes| bytes[0..filename_length] else "";
    _ = ast_codec.parse(source, name, start, flags, nodes) orelse return -1;
    return @intCast(ast_codec.copyOutput(buffer[0..capacity]));
}

/// A new reference to the Python tree the stream `data` (src/ast/_encode.ts) describes, patches
/// applied to the nodes of `nodes` (the node list of the tree being patched, or null); null with a
/// Python exception set on failure (see native/ast_load.zig).
export fn pyframe_ast_load(data: ?[*]const u8, length: u32, nodes: ?*PyObject) ?*PyObject {
    if (layout == null) return null;
    const stream: []const u8 = if (data) |bytes| bytes[0..length] else "";
    return ast_load.load(&api, stream, nodes);
}

/// Copies the last encoding made by `pyframe_ast_dump` into a `buffer` large enough for it.
export fn pyframe_ast_copy(buffer: [*]u8, capacity: u32) i64 {
    return @intCast(ast_codec.copyOutput(buffer[0..capacity]));
}

/// Tests only: run every replacement through the call fallback used when a frame cannot grow.
export fn pyframe_test_force_call_fallback(enabled: u8) void {
    engine.state.force_call_fallback = enabled != 0;
}

/// Another tool's eval-frame function, for tests of chaining: counts frames and forwards them.
export fn pyframe_probe_install() i32 {
    if (layout == null) return -1;
    probe.install(&api);
    return 0;
}

export fn pyframe_probe_uninstall() i32 {
    if (layout == null) return -1;
    return probe.uninstall(&api);
}

export fn pyframe_probe_frames() u64 {
    return probe.frames;
}
