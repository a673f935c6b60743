//! A stand-in for another tool's eval-frame function (a debugger, a profiler), so tests can check
//! that pyframe chains to what was installed before it and restores it afterwards.

const cpython = @import("cpython.zig");

pub var frames: u64 = 0;
var previous: ?cpython.EvalFrameFn = null;
var bound: *const cpython.Api = undefined;

fn evalFrame(tstate: *cpython.PyThreadState, frame: *cpython.Frame, throwflag: c_int) callconv(.c) ?*cpython.PyObject {
    frames += 1;
    return previous.?(tstate, frame, throwflag);
}

pub fn install(api: *const cpython.Api) void {
    bound = api;
    const interpreter = api.PyInterpreterState_Get();
    const current = api._PyInterpreterState_GetEvalFrameFunc(interpreter);
    if (current == &evalFrame) return;
    previous = current;
    api._PyInterpreterState_SetEvalFrameFunc(interpreter, &evalFrame);
}

/// 0 when removed, 1 when something else is installed on top (then it stays).
pub fn uninstall(api: *const cpython.Api) i32 {
    const interpreter = api.PyInterpreterState_Get();
    if (api._PyInterpreterState_GetEvalFrameFunc(interpreter) != &evalFrame) return 1;
    api._PyInterpreterState_SetEvalFrameFunc(interpreter, previous.?);
    previous = null;
    return 0;
}
