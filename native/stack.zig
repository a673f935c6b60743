//! The C stack, which every hooked Python call now uses.
//!
//! With an eval-frame function installed, CPython stops running Python-to-Python calls inside one
//! evaluator loop: each call goes through the C stack (about 2 KiB a call on 3.11-3.13). Two
//! limits follow, both far below what `sys.setrecursionlimit` lets Python code ask for:
//! - the thread's stack itself: past it the host process dies (measured: ~3,500 calls deep on an
//!   8 MiB stack, under a raised recursion limit). Frames started too close to its end are refused
//!   with a RecursionError instead, up to 3.13. From 3.14 CPython checks the stack pointer itself
//!   as each frame starts, against a limit nearer the end than `c_reserve` (32 KiB above it on
//!   x86-64), and defers nested deallocations only near that limit: a floor of pyframe's own made
//!   every `__del__` run deep in a long chain of deallocations fail, so there the guard is CPython's;
//! - the JS engine's own limit, which V8 places about 1 MiB below where it started: Deno aborts
//!   (`Check failed: IsOnCentralStack()`) when native code calls JS below it, which happened ~550
//!   Python calls deep, inside the default recursion limit. JS measures its limit once at start-up
//!   (`pyframe_js_stack_mark`); frames started below it are not shown to JS (they run their original
//!   code, uncached, so a shallower frame of the code still asks), and Python calling a JS function
//!   there gets a RecursionError.

const std = @import("std");
const builtin = @import("builtin");
const hot_path = @import("hot_path.zig");

/// Stack kept free under the deepest frame allowed to start: room for refusing it (the evaluator
/// unwinds the frame and builds the traceback) and for C code between two Python frames. Every
/// thread is guarded: Python threads other than the JS one recurse through the hook too.
pub const c_reserve: usize = 256 * 1024;

/// Stack kept free for a callback below the point JS was last seen to reach: the callback, the
/// Python it calls (through the hook again) and the AST work it does run there. A JS engine given
/// less stack than twice this (Deno's `--v8-flags=--stack-size`, Bun's
/// `BUN_JSC_maxPerThreadStackUsage`) keeps half of what it has instead: with the whole reserve,
/// the floor lay above where JS starts and no JS was ever called. (A reserve of 32 KiB was too
/// little for a callback to report a JS stack overflow as a Python error: measured in Deno.)
pub const js_reserve: usize = 256 * 1024;

/// The error of a JS callback that failed without a Python exception set: a JS exception left it,
/// which nothing but a JS engine out of stack throws past the callbacks' own catches (the runtime
/// adapters return `whenThrown` then, src/ffi/symbols.ts).
pub const js_error_escaped = "pyframe: a JavaScript error escaped pyframe's handling (the JS engine ran out of stack " ++
    "while reporting an error); call less deeply between Python and JavaScript, or give the engine more stack";

/// The stack position below which native code calls no JS, for a JS engine that ran from `start`
/// down to `deepest` before refusing to go deeper. Never below `deepest`: V8 aborts the process
/// when entered below its limit, whereas a callback running out of the room left gets a JS
/// `RangeError`, reported as a Python error (by the callback, or failing that by its caller:
/// `js_error_escaped`).
pub fn jsFloor(start: usize, deepest: usize) usize {
    std.debug.assert(deepest <= start);
    return deepest + @min(js_reserve, (start - deepest) / 2);
}

/// The current stack position (the stack grows down on every supported target).
pub inline fn position() usize {
    @setRuntimeSafety(hot_path.safety);
    return switch (builtin.cpu.arch) {
        .x86_64 => asm volatile ("mov %%rsp, %[sp]"
            : [sp] "=r" (-> usize),
        ),
        .aarch64 => asm volatile ("mov %[sp], sp"
            : [sp] "=r" (-> usize),
        ),
        else => @compileError("pyframe: no stack position for this architecture"),
    };
}

/// The position below which the calling thread starts no more frames: `c_reserve` above its
/// stack's lowest address (a quarter of the stack if that is smaller), or 0 when the system will
/// not say where its stack is.
pub fn floorOfThisThread() usize {
    const bounds = stackBounds() orelse return 0;
    return bounds.floor();
}

/// `floorOfThisThread`, remembered for the stack last asked about, and asked again when the
/// calling thread runs on another (callers hold the GIL: one at a time). Keyed by the stack
/// itself, not the thread: a thread id can be reused with another stack. Not a threadlocal
/// either: reading one in the library crashed Bun's main thread now and then (its first access
/// allocates the library's thread-local block).
pub fn cachedFloorOfThisThread() usize {
    const here = position();
    if (remembered == null or !remembered.?.holds(here)) remembered = stackBounds();
    return if (remembered) |bounds| bounds.floor() else 0;
}

/// Whether the calling thread is past its floor: native code recursing over data (the AST codec)
/// stops there with an error instead of overflowing the stack.
pub fn pastFloorOfThisThread() bool {
    return position() < cachedFloorOfThisThread();
}

var remembered: ?Bounds = null;

const Bounds = struct {
    lowest: usize,
    size: usize,

    fn floor(bounds: Bounds) usize {
        return bounds.lowest + @min(c_reserve, bounds.size / 4);
    }

    fn holds(bounds: Bounds, address: usize) bool {
        return address >= bounds.lowest and address - bounds.lowest < bounds.size;
    }
};

/// The calling thread's stack, or null when the system will not say.
fn stackBounds() ?Bounds {
    switch (builtin.os.tag) {
        .linux => {
            var attributes: std.c.pthread_attr_t = undefined;
            if (pthread_getattr_np(std.c.pthread_self(), &attributes) != 0) return null;
            defer _ = pthread_attr_destroy(&attributes);
            var address: ?*anyopaque = null;
            var size: usize = 0;
            if (pthread_attr_getstack(&attributes, &address, &size) != 0) return null;
            return .{ .lowest = @intFromPtr(address orelse return null), .size = size };
        },
        .macos => {
            // The address macOS reports is the stack's top (its highest address).
            const thread = std.c.pthread_self();
            const top = @intFromPtr(pthread_get_stackaddr_np(thread) orelse return null);
            const size = pthread_get_stacksize_np(thread);
            return .{ .lowest = top - size, .size = size };
        },
        else => return null,
    }
}

extern "c" fn pthread_getattr_np(thread: std.c.pthread_t, attributes: *std.c.pthread_attr_t) c_int;
extern "c" fn pthread_attr_getstack(attributes: *const std.c.pthread_attr_t, address: *?*anyopaque, size: *usize) c_int;
extern "c" fn pthread_attr_destroy(attributes: *std.c.pthread_attr_t) c_int;
extern "c" fn pthread_get_stackaddr_np(thread: std.c.pthread_t) ?*anyopaque;
extern "c" fn pthread_get_stacksize_np(thread: std.c.pthread_t) usize;

test "the JS floor keeps the whole reserve above a deep engine's limit, half the depth above a shallow one's" {
    const start: usize = 0x7fff_0000_0000;
    try std.testing.expectEqual(start - 4096 * 1024 + js_reserve, jsFloor(start, start - 4096 * 1024));
    try std.testing.expectEqual(start - 100 * 1024 + 50 * 1024, jsFloor(start, start - 100 * 1024));
    try std.testing.expectEqual(start, jsFloor(start, start));
}
