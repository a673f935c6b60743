//! CPython 3.13's shortcut into `__init__`, closed while pyframe's eval-frame function is installed.
//!
//! On 3.13 a call `C(...)` of a class whose `__init__` is a plain Python function becomes, from its
//! second run, the specialized instruction CALL_ALLOC_AND_ENTER_INIT: it pushes `__init__`'s frame
//! and runs it inline, never through the eval-frame function, so a Dynamo saw one `__init__` frame
//! and none after (3.14 checks for an eval-frame function there; 3.11 and 3.12 have no such
//! instruction; every other specialized call to Python code already gives way to one). The
//! instruction gives way only when the thread's data stack lacks room for `__init__`'s frame plus
//! the frame it pushes beneath it, a shim that returns `self` (the static code object
//! `_Py_InitCleanup`). Giving that shim a frame size no data stack has makes the instruction fall
//! back to the generic call every time, and the generic call enters `__init__` through the
//! eval-frame function like any other call. The shim's own size comes back when pyframe's function
//! is removed, so construction runs at full speed again.
//!
//! CPython does not export the shim (stripped builds have no symbol for it at all), so it is found
//! once, as the library opens: a few constructions of a probe class run until the call is
//! specialized, and its `__init__` calls a C function of ours that reads the frame below its own.
//! Where the compiler folded the shim's size into the instruction (Debian's 3.13.18 does), changing
//! it changes nothing; a second probe run tells, and there the shortcut stays (README, Known limits).

const std = @import("std");
const builtin = @import("builtin");
const cpython = @import("cpython.zig");
const layouts = @import("layouts.zig");
const engine = @import("engine.zig");
const bulk = @import("bulk.zig");
const field = engine.field;
const PyObject = cpython.PyObject;
const Frame = cpython.Frame;

/// More words than any data stack chunk holds (CPython's grow from 16 KiB), and small enough that
/// adding a code object's own frame size cannot overflow an int.
const beyond_any_stack: i32 = 1 << 28;

/// The shim's `co_framesize`: null where there is no shortcut, or it was not found.
var shim_framesize: ?*i32 = null;
var shim_own_framesize: i32 = 0;
var closed = false;

/// Set by the probe's C function when it finds the shim beneath `__init__`.
var shim_seen = false;
/// The shim was found, and changing its size changed nothing.
var folded = false;

/// What the probe's C function reads with, set while `find` runs.
var searching: ?struct { api: *const cpython.Api, layout: *const layouts.Layout, shortcut: layouts.InitShortcut } = null;

/// Looks for the shim, on versions that have the shortcut. Needs the GIL; run it while nothing
/// traces, or the probe's frames would be reported to the tracer.
pub fn find(api: *const cpython.Api, layout: *const layouts.Layout) void {
    const shortcut = layout.init_shortcut orelse return;
    // Changing the shim's size may mean changing its page's protection, found from the loaded
    // objects' program headers (dl_iterate_phdr); elsewhere the shortcut stays open.
    if (builtin.os.tag != .linux) return;
    if (shim_framesize != null) return;
    searching = .{ .api = api, .layout = layout, .shortcut = shortcut };
    defer searching = null;
    if (!probeFindsShim(api)) return;
    // A build whose compiler folded the shim's size into the instruction (link-time optimization
    // can: Debian's 3.13 does) ignores the change: the probe, run again on a fresh call site with
    // the shortcut closed, must no longer find the shim beneath `__init__`.
    close();
    const still_found = probeFindsShim(api);
    reopen();
    if (still_found) {
        shim_framesize = null;
        folded = true;
    }
}

/// Whether the shim was found beneath `__init__`'s frame by a run of the probe.
fn probeFindsShim(api: *const cpython.Api) bool {
    shim_seen = false;
    runProbe(api) catch api.PyErr_Clear();
    return shim_seen;
}

/// Makes the specialized instruction give way, if the shim was found. Idempotent.
pub fn close() void {
    const target = shim_framesize orelse return;
    if (closed) return;
    shim_own_framesize = target.*;
    closed = writeInt(target, beyond_any_stack);
}

/// Gives the shim its own size back. Idempotent.
pub fn reopen() void {
    if (!closed) return;
    closed = !writeInt(shim_framesize.?, shim_own_framesize);
}

/// Whether `close` holds now (tests and benchmarks report it).
pub fn isClosed() bool {
    return closed;
}

/// Whether the shim was found but its size is not read from it (see `find`).
pub fn isFolded() bool {
    return folded;
}

const probe_source =
    \\class InitShortcutProbe:
    \\    def __init__(self):
    \\        note_frame_below()
    \\for _ in range(4):
    \\    InitShortcutProbe()
;

const MethodDef = extern struct {
    name: [*:0]const u8,
    method: *const fn (?*PyObject, ?*PyObject) callconv(.c) ?*PyObject,
    flags: c_int,
    doc: ?[*:0]const u8,
};
const meth_noargs: c_int = 0x0004;
const py_file_input: c_int = 257;

var note_def: MethodDef = .{ .name = "note_frame_below", .method = &noteFrameBelow, .flags = meth_noargs, .doc = null };

fn runProbe(api: *const cpython.Api) error{PythonError}!void {
    const globals = api.PyDict_New() orelse return error.PythonError;
    defer api.Py_DecRef(globals);
    const note = api.PyCFunction_NewEx(&note_def, null, null) orelse return error.PythonError;
    defer api.Py_DecRef(note);
    if (api.PyDict_SetItemString(globals, "note_frame_below", note) != 0) return error.PythonError;
    const filename = api.PyUnicode_FromString("<pyframe: init shortcut probe>") orelse return error.PythonError;
    defer api.Py_DecRef(filename);
    const code = api.Py_CompileStringObject(probe_source, filename, py_file_input, null, -1) orelse return error.PythonError;
    defer api.Py_DecRef(code);
    const result = api.PyEval_EvalCodeEx(code, globals, globals, null, 0, null, 0, null, 0, null, null) orelse return error.PythonError;
    api.Py_DecRef(result);
}

/// The probe's `__init__` calls this (a C function: no frame of its own), so the thread's current
/// frame is `__init__`'s; once the call is specialized, the frame below it is the shim's.
fn noteFrameBelow(_: ?*PyObject, _: ?*PyObject) callconv(.c) ?*PyObject {
    const s = searching.?;
    const init_frame = field(?*Frame, s.api.PyThreadState_Get(), s.shortcut.tstate_current_frame).*;
    if (init_frame) |frame| {
        if (field(?*Frame, frame, s.shortcut.frame_previous).*) |below| {
            const code = field(*PyObject, below, s.layout.frame_code).*;
            // No compiled code starts with the shim's first instruction (3.13's EXIT_INIT_CHECK).
            if (bulk.typeOf(code) == s.api.PyCode_Type and field(u8, code, s.layout.code_adaptive).* == s.shortcut.shim_first_opcode) {
                shim_framesize = field(i32, code, s.layout.code_framesize.?);
                shim_seen = true;
            }
        }
    }
    const none = s.api._Py_NoneStruct;
    s.api.Py_IncRef(none);
    return none;
}

/// Writes an int of a loaded object's static data: directly where its page is writable, else by
/// making the page writable for the write (the shim sits in data made read-only once relocated,
/// RELRO). False, with nothing written, where neither is possible.
fn writeInt(target: *i32, value: i32) bool {
    const address = @intFromPtr(target);
    const protection: Protection = if (builtin.os.tag == .linux) protectionOf(address) else .unknown;
    switch (protection) {
        .writable => target.* = value,
        .read_only => {
            const page_size = std.heap.pageSize();
            const page: [*]align(std.heap.page_size_min) u8 = @ptrFromInt(std.mem.alignBackward(usize, address, page_size));
            const writable = std.posix.PROT.READ | std.posix.PROT.WRITE;
            std.posix.mprotect(page[0..page_size], writable) catch return false;
            target.* = value;
            std.posix.mprotect(page[0..page_size], std.posix.PROT.READ) catch {};
        },
        .unknown => return false,
    }
    return true;
}

const Protection = enum { writable, read_only, unknown };

/// How the page holding `address` is protected, read from the program headers of the object
/// loaded there: a writable segment is writable but for its RELRO part, which the dynamic linker
/// made read-only after relocating it (glibc and musl protect the whole pages it covers).
fn protectionOf(address: usize) Protection {
    var search: struct { address: usize, found: Protection = .unknown } = .{ .address = address };
    std.posix.dl_iterate_phdr(&search, error{Found}, struct {
        fn visit(info: *std.posix.dl_phdr_info, _: usize, context: *@TypeOf(search)) error{Found}!void {
            const headers = info.phdr[0..info.phnum];
            const segment = for (headers) |header| {
                if (header.p_type == std.elf.PT_LOAD and holds(info.addr + header.p_vaddr, header.p_memsz, context.address)) break header;
            } else return;
            context.found = if (segment.p_flags & std.elf.PF_W == 0) .unknown else .writable;
            for (headers) |header| {
                if (header.p_type != std.elf.PT_GNU_RELRO) continue;
                const page_size = std.heap.pageSize();
                const start = std.mem.alignBackward(usize, info.addr + header.p_vaddr, page_size);
                const end = std.mem.alignBackward(usize, info.addr + header.p_vaddr + header.p_memsz, page_size);
                if (context.address >= start and context.address < end) context.found = .read_only;
            }
            return error.Found;
        }

        fn holds(start: usize, size: usize, address_: usize) bool {
            return address_ >= start and address_ - start < size;
        }
    }.visit) catch {};
    return search.found;
}
