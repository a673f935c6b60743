//! A process forked from the JS host (`os.fork()`, multiprocessing's "fork" start method) keeps
//! only the forking thread: the JS engine's threads are gone and only Python runs there. Neither
//! JS nor what the host set up for its own crashes may change how that Python process behaves.
const std = @import("std");
const posix = std.posix;
const engine = @import("engine.zig");

/// The signals CPython's faulthandler treats as fatal errors. The hosts catch some of them for
/// themselves: Deno (Rust's stack-overflow guard) SIGSEGV and SIGBUS, Bun (its crash reporter)
/// more. In a forked child neither can do its work, and Deno's handler returns from a signal that
/// was sent rather than caused by a fault, so the child lived on: a multiprocessing worker killed
/// with SIGSEGV kept running, and its pool never learned it had crashed.
const fatal_signals = [_]u8{ posix.SIG.SEGV, posix.SIG.BUS, posix.SIG.ILL, posix.SIG.FPE, posix.SIG.ABRT };

/// Each fatal signal's handler when the library opened: the host's, or null where none was set.
var host_handlers: [fatal_signals.len]?usize = @splat(null);

/// Notes the host's handlers and registers `afterForkInChild`. Called once, as the library opens.
pub fn watchForks() void {
    for (fatal_signals, &host_handlers) |signal, *handler| handler.* = caughtBy(signal);
    // Fails only without memory for the handler; JS would then be called in a forked child.
    _ = std.c.pthread_atfork(null, null, afterForkInChild);
}

/// In the child: JS is never called there, and a fatal signal still handled by the host's handler
/// gets the default action back, so the child ends as a forked `python` would. A handler installed
/// since (Python's `signal.signal`, `faulthandler.enable()`) is the program's and stays.
fn afterForkInChild() callconv(.c) void {
    engine.state.in_forked_child = true;
    for (fatal_signals, host_handlers) |signal, host_handler| {
        const host = host_handler orelse continue;
        if (caughtBy(signal) == host) restoreDefault(signal);
    }
}

/// The address of the function handling `signal`, or null when the action is the default or
/// ignoring it.
fn caughtBy(signal: u8) ?usize {
    var action: posix.Sigaction = undefined;
    posix.sigaction(signal, null, &action);
    const address = @intFromPtr(action.handler.handler);
    if (address == @intFromPtr(posix.SIG.DFL) or address == @intFromPtr(posix.SIG.IGN)) return null;
    return address;
}

fn restoreDefault(signal: u8) void {
    const default: posix.Sigaction = .{ .handler = .{ .handler = posix.SIG.DFL }, .mask = posix.sigemptyset(), .flags = 0 };
    posix.sigaction(signal, &default, null);
}
