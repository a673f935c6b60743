//! JS functions called from Python, and the JS values Python objects hold released: the native
//! entries of `_pyframe.JSFunction.__call__` and of `JSFunction.__del__` / `JSError.__del__`
//! (src/python/_callback.ts installs them). They run JS only on the JS thread, never in a forked
//! child nor too deep in the C stack for the JS engine (see stack.zig).

const std = @import("std");
const cpython = @import("cpython.zig");
const engine = @import("engine.zig");
const stack = @import("stack.zig");
const field = engine.field;
const api = engine.boundApi;
const PyObject = cpython.PyObject;

/// The JS callback releasing a handle Python dropped (src/python/_callback.ts).
pub const JsReleaseTarget = *const fn (f64) callconv(.c) void;
var js_release_target: ?JsReleaseTarget = null;

pub fn setReleaseTarget(target: JsReleaseTarget) void {
    js_release_target = target;
}

/// The C function (METH_NOARGS) of `JSFunction.__del__` and `JSError.__del__`.
pub const release_entry: *const anyopaque = &releaseHandleOf;

/// Releases the JS value `self` holds (its `_js_handle`, an int, or None): at once on the JS
/// thread, or queued in `_released` for the JS thread's next call where JS cannot run (another
/// thread, a forked child, too deep in the C stack). Nothing at interpreter shutdown, when JS is
/// going too. Never raises: it runs as a finalizer.
fn releaseHandleOf(self: ?*PyObject, _: ?*PyObject) callconv(.c) ?*PyObject {
    if (api().IsFinalizing() == 0) {
        if (api().PyObject_GetAttrString(self.?, "_js_handle")) |handle| {
            defer api().Py_DecRef(handle);
            const value = handleValue(handle);
            if (value >= 0 and jsMayRunHere()) {
                js_release_target.?(value);
            } else if (value >= 0 and api().PyList_Append(js_function.released.?, handle) != 0) {
                api().PyErr_Clear(); // Out of memory: the handle stays held, which only keeps a value.
            }
        } else api().PyErr_Clear();
    }
    const none = api()._Py_NoneStruct;
    api().Py_IncRef(none);
    return none;
}

/// A handle object's value, or -1 for None or anything else. Handles count up from 1 and stay
/// below 2^53, where a double holds them exactly.
fn handleValue(handle: *PyObject) f64 {
    var overflow: c_int = 0;
    const value = api().PyLong_AsLongLongAndOverflow(handle, &overflow);
    if (value == -1 and api().PyErr_Occurred() != null) api().PyErr_Clear();
    return if (overflow != 0 or value < 0) -1 else @floatFromInt(value);
}

/// Whether JS can be entered now: on the JS thread, not in a forked child, not too deep in the C
/// stack (see native/stack.zig).
fn jsMayRunHere() bool {
    return api().PyThreadState_Get() == js_function.thread and !engine.state.in_forked_child and
        stack.position() >= engine.state.js_floor;
}

/// The JS callback a `_pyframe.JSFunction` call runs: (the instance's handle, the arguments tuple,
/// the keyword arguments dict or null, 1 when handles dropped on other threads wait in `released`)
/// → a new reference, or null with a Python exception set.
pub const JsFunctionTarget = *const fn (f64, ?*PyObject, ?*PyObject, u8) callconv(.c) ?*PyObject;

/// Set once by `pyframe_set_js_function_target`, on the JS thread.
var js_function: struct {
    target: ?JsFunctionTarget = null,
    /// The only thread whose calls may enter JS: the JS thread, which keeps its thread state.
    thread: ?*cpython.PyThreadState = null,
    /// Where a JSFunction instance holds its handle (an int): its first `__slots__` entry.
    handle_offset: usize = 0,
    /// The helper's `_released` list.
    released: ?*PyObject = null,
} = .{};

/// Makes `target` what calling a `_pyframe.JSFunction` runs, through `pyframe_js_function_entry`
/// (the C function of the type's `__call__`). Called on the JS thread, which becomes the only
/// thread allowed in; `released` is borrowed for the process's life (the helper module keeps it).
pub fn setFunctionTarget(target: JsFunctionTarget, handle_offset: u32, released: *PyObject) void {
    js_function = .{ .target = target, .thread = api().PyThreadState_Get(), .handle_offset = handle_offset, .released = released };
}

/// The C function (METH_VARARGS | METH_KEYWORDS) of `JSFunction.__call__`.
pub const function_entry: *const anyopaque = &callJsFunction;

/// The handle a JSFunction instance holds, read where `__call__` reads it; -1 when it holds none
/// (TypeScript checks the offset with it at start-up). Needs the GIL.
pub fn handleOf(instance: *PyObject) f64 {
    const handle = field(?*PyObject, instance, js_function.handle_offset).* orelse return -1;
    return handleValue(handle);
}

/// Python calling a JS function: on the JS thread only (JS called from another thread hangs or
/// crashes the runtime), and never where the JS engine cannot be entered.
fn callJsFunction(self: ?*PyObject, args: ?*PyObject, kwargs: ?*PyObject) callconv(.c) ?*PyObject {
    const f = &js_function;
    // First: another thread's stack lies elsewhere, so the stack check below means nothing there.
    if (api().PyThreadState_Get() != f.thread) return refuseOtherThread(self.?);
    if (jsCallRefused()) return null;
    const handle = handleOf(self.?);
    if (handle < 0) {
        api().PyErr_SetString(api().PyExc_RuntimeError.*, "pyframe: this JSFunction holds no JavaScript function");
        return null;
    }
    const waiting = api().PyList_Size(f.released.?) > 0;
    const result = f.target.?(handle, args, kwargs, @intFromBool(waiting));
    if (result == null and api().PyErr_Occurred() == null) {
        api().PyErr_SetString(api().PyExc_RuntimeError.*, stack.js_error_escaped);
    }
    return result;
}

fn refuseOtherThread(self: *PyObject) ?*PyObject {
    var message: [512]u8 = undefined;
    const name = functionName(self);
    const text = std.fmt.bufPrintZ(
        &message,
        "pyframe: JavaScript function {s} called from a Python thread that is not the JavaScript thread; " ++
            "only the thread running Deno or Bun may call JavaScript: hand the work to the main thread " ++
            "(e.g. with a queue) instead",
        .{name},
    ) catch "pyframe: a JavaScript function was called from a Python thread that is not the JavaScript thread";
    api().PyErr_SetString(api().PyExc_RuntimeError.*, text.ptr);
    return null;
}

/// The instance's `__name__` as UTF-8, at most 200 bytes (the message must fit), or "?"; valid
/// while the name object lives (the instance's dict holds it).
fn functionName(self: *PyObject) []const u8 {
    const name = api().PyObject_GetAttrString(self, "__name__") orelse {
        api().PyErr_Clear();
        return "?";
    };
    defer api().Py_DecRef(name);
    var length: isize = 0;
    const text = api().PyUnicode_AsUTF8AndSize(name, &length) orelse {
        api().PyErr_Clear();
        return "?";
    };
    return text[0..@min(@as(usize, @intCast(length)), 200)];
}

/// Whether JS cannot be entered here, with the Python exception saying why: in a child process
/// forked from the JS host, or too deep in the C stack (see native/stack.zig), where V8 would
/// abort the process.
fn jsCallRefused() bool {
    if (engine.state.in_forked_child) {
        api().PyErr_SetString(
            api().PyExc_RuntimeError.*,
            "pyframe: a JS function cannot be called in a process forked from the JS host (only the " ++
                "forking thread survives a fork, the JS engine's threads do not); call it before forking, " ++
                "or start the child with subprocess or multiprocessing's 'spawn'",
        );
        return true;
    }
    if (stack.position() < engine.state.js_floor) {
        api().PyErr_SetString(
            api().PyExc_RecursionError.*,
            "maximum recursion depth exceeded: too deep in the C stack to call a JS function (calls between " ++
                "Python and JS, and Python calls under pyframe's eval-frame function, each take C stack; Deno's " ++
                "JS engine stops about 1 MiB down unless given more: deno run --v8-flags=--stack-size=<KiB>)",
        );
        return true;
    }
    return false;
}
