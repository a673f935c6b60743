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
//! it changes nothing; a second probe run tells. There, and where the shim cannot be written (off
//! Linux), call sites are kept from specializing one by one instead: the hot paths leave every
//! frame of an `__init__` to the general path, which turns the instruction that started it, when it
//! is a CALL (or CALL_ALLOC_AND_ENTER_INIT), back into a CALL that never specializes; and as a
//! Dynamo first decides for a code object, its sites specialized already are turned back too, and
//! those about to specialize get one more generic run.
//! The sites may specialize again once pyframe's function is removed.

const std = @import("std");
const builtin = @import("builtin");
const cpython = @import("cpython.zig");
const layouts = @import("layouts.zig");
const engine = @import("engine.zig");
const bulk = @import("bulk.zig");
const cache = @import("cache.zig");
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
/// `co_name` of the probe's `__init__`: the interned "__init__" every compiled `__init__` shares.
var init_name: ?*PyObject = null;

/// What reading frames and code objects of this version takes.
const Bound = struct {
    api: *const cpython.Api,
    layout: *const layouts.Layout,
    shortcut: layouts.InitShortcut,
};

/// Set where the shim's size cannot close the shortcut (folded into the instruction, or not
/// writable here): what keeping call sites generic reads with (`init_name` set too).
var site_keeping: ?Bound = null;

/// Call sites turned back into a CALL that never specializes, to be given a fresh counter back.
const Site = struct { code: *PyObject, offset: usize };
var kept_sites: std.ArrayListUnmanaged(Site) = .empty;

/// A counter value CPython never counts down (3.13's UNREACHABLE_BACKOFF).
const never_specialize: u16 = 0xffff;

/// What the probe's C function reads with, set while `find` runs.
var searching: ?Bound = null;

/// Looks for the shim, on versions that have the shortcut, and picks how to close it. Needs the
/// GIL; run it while nothing traces, or the probe's frames would be reported to the tracer.
pub fn find(api: *const cpython.Api, layout: *const layouts.Layout) void {
    const shortcut = layout.init_shortcut orelse return;
    if (shim_framesize != null or site_keeping != null) return;
    searching = .{ .api = api, .layout = layout, .shortcut = shortcut };
    defer searching = null;
    if (!probeFindsShim(api)) return;
    // Changing the shim's size may mean changing its page's protection, found from the loaded
    // objects' program headers (dl_iterate_phdr, Linux). A build whose compiler folded the size
    // into the instruction (link-time optimization can: Debian's 3.13 does) ignores the change:
    // the probe, run again on a fresh call site with the size changed, must no longer find the
    // shim beneath `__init__`.
    if (builtin.os.tag == .linux) {
        close();
        const still_found = probeFindsShim(api);
        reopen();
        if (!still_found) return;
    }
    shim_framesize = null;
    site_keeping = searching;
    cache.needsGeneralPath = &isInitCode;
}

/// Whether the shim was found beneath `__init__`'s frame by a run of the probe.
fn probeFindsShim(api: *const cpython.Api) bool {
    shim_seen = false;
    runProbe(api) catch api.PyErr_Clear();
    return shim_seen;
}

/// Makes the specialized instruction give way through the shim's size, or starts keeping call
/// sites generic (`keepSitesOf`, `keepCallerGeneric`). Idempotent.
pub fn close() void {
    if (site_keeping != null) {
        closed_by_sites = true;
        return;
    }
    const target = shim_framesize orelse return;
    if (closed) return;
    shim_own_framesize = target.*;
    closed = writeInt(target, beyond_any_stack);
}

/// Gives the shim its own size back, or the kept sites their counters. Idempotent.
pub fn reopen() void {
    if (closed_by_sites) {
        releaseSites();
        closed_by_sites = false;
        return;
    }
    if (!closed) return;
    closed = !writeInt(shim_framesize.?, shim_own_framesize);
}

var closed_by_sites = false;

/// Whether `close` holds now, by either means (tests and benchmarks report it).
pub fn isClosed() bool {
    return closed or closed_by_sites;
}

/// Whether the shortcut is closed by keeping call sites generic (see `find`).
pub fn keepsSites() bool {
    return site_keeping != null;
}

/// Whether `code` is a compiled `__init__` (its `co_name` is the interned "__init__"), on a build
/// that keeps call sites generic. Read on the general path, and as decisions are stored.
pub fn isInitCode(code: *PyObject) bool {
    const f = site_keeping orelse return false;
    return field(?*PyObject, code, f.shortcut.code_name).* == init_name;
}

/// An `__init__` frame is starting through the eval-frame function: the instruction its caller is
/// running, when it is a CALL (or a specialized construction falling back), becomes a CALL that
/// never specializes. Called where sites are kept, for every frame of `__init__` code.
pub fn keepCallerGeneric(tstate: *cpython.PyThreadState) void {
    const f = site_keeping.?;
    const caller = field(?*Frame, tstate, f.shortcut.tstate_current_frame).* orelse return;
    const code = field(*PyObject, caller, f.layout.frame_code).*;
    if (bulk.typeOf(code) != f.api.PyCode_Type) return; // a C entry frame
    const start = @intFromPtr(code) + f.layout.code_adaptive;
    // Py_SIZE: the code's length in code units, each two bytes; an instruction and its cache
    // entries (CALL has three) lie within it.
    const units: usize = @intCast(field(isize, code, object_size_offset).*);
    const at = field(usize, caller, f.layout.frame_instr).*;
    if (at < start or at + 8 > start + 2 * units) return;
    const site = siteAt(f, code, at - start);
    if (site.opcode.* != f.shortcut.call_opcode and site.opcode.* != f.shortcut.init_call_opcode) return;
    if (site.opcode.* == f.shortcut.call_opcode and site.counter.* == never_specialize) return; // kept already
    keep(f, code, at - start);
}

/// The opcode of the instruction at byte `offset` of `code`'s bytecode, and its counter (the
/// first cache entry, unaligned as CPython reads it).
fn siteAt(f: Bound, code: *PyObject, offset: usize) struct { opcode: *u8, counter: *align(1) u16 } {
    const at = @intFromPtr(code) + f.layout.code_adaptive + offset;
    return .{ .opcode = @ptrFromInt(at), .counter = @ptrFromInt(at + 2) };
}

/// As a Dynamo first decides for `code`: its sites specialized to construct a class become CALLs
/// that never specialize, and CALLs about to specialize at their next run (counter at zero) get
/// one more generic run first, where `keepCallerGeneric` sees any construction. Found through
/// `co_code`, whose cache entries are zeroed, so every CALL opcode there is an instruction's.
pub fn keepSitesOf(code: *PyObject) void {
    const f = site_keeping orelse return;
    // Instrumented code (sys.monitoring) holds other opcodes; its frames run as they are anyway.
    if (f.layout.code_monitoring) |offset| if (field(?*anyopaque, code, offset).* != null) return;
    const plain = f.api.PyCode_GetCode(code) orelse return f.api.PyErr_Clear();
    defer f.api.Py_DecRef(plain);
    var bytes: [*]const u8 = undefined;
    var length: isize = 0;
    if (f.api.PyBytes_AsStringAndSize(plain, &bytes, &length) != 0) return f.api.PyErr_Clear();
    var offset: usize = 0;
    while (offset + 4 <= @as(usize, @intCast(length))) : (offset += 2) {
        if (bytes[offset] != f.shortcut.call_opcode) continue;
        const site = siteAt(f, code, offset);
        if (site.opcode.* == f.shortcut.init_call_opcode) {
            keep(f, code, offset);
        } else if (site.opcode.* == f.shortcut.call_opcode and site.counter.* >> counter_value_shift == 0) {
            site.counter.* = warmup_counter;
        }
    }
}

fn keep(f: Bound, code: *PyObject, offset: usize) void {
    kept_sites.append(std.heap.c_allocator, .{ .code = code, .offset = offset }) catch return;
    f.api.Py_IncRef(code);
    const site = siteAt(f, code, offset);
    site.opcode.* = f.shortcut.call_opcode;
    site.counter.* = never_specialize;
}

/// 3.13's adaptive counters: a 12-bit value above a 4-bit backoff; an instruction specializes as
/// it runs with the value at zero. A CALL starts at value 1, backoff 1.
const counter_value_shift = 4;
const warmup_counter: u16 = (1 << counter_value_shift) | 1;

/// `ob_size` follows the type in a variable-size object's header (3.11-3.15, GIL builds).
const object_size_offset = 16;

/// Gives every kept site still as it was left a fresh counter, so it specializes again after one
/// more generic run.
fn releaseSites() void {
    const f = site_keeping.?;
    var sites = kept_sites;
    kept_sites = .empty;
    defer sites.deinit(std.heap.c_allocator);
    for (sites.items) |kept| {
        const site = siteAt(f, kept.code, kept.offset);
        if (site.opcode.* == f.shortcut.call_opcode and site.counter.* == never_specialize) site.counter.* = warmup_counter;
    }
    // Released after: dropping a code object can run Python (finalizers of what it held).
    for (sites.items) |kept| f.api.Py_DecRef(kept.code);
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
        init_name = field(*PyObject, field(*PyObject, frame, s.layout.frame_code).*, s.shortcut.code_name).*;
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
