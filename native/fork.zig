//! A process forked from the JS host (`os.fork()`, multiprocessing's "fork" start method) keeps
//! only the forking thread: the JS engine's threads are gone and only Python runs there. Neither
//! JS nor the signal handlers the host set up for itself may change how that Python process
//! behaves.
const std = @import("std");
const builtin = @import("builtin");
const posix = std.posix;
const engine = @import("engine.zig");

/// Where the host program's own code was loaded (Linux; null elsewhere): a signal handler there is
/// the host's. Deno catches SIGSEGV and SIGBUS from the start (Rust's stack-overflow guard) and,
/// once its event loop has run, SIGHUP, SIGINT, SIGTERM and more, each only to note it for a thread
/// of its own; Bun catches the fatal signals for its crash reporter. In a forked child none of that
/// works: Deno's handlers return, so the child lived on when sent SIGSEGV or SIGTERM (a crashed or
/// terminated multiprocessing worker went unnoticed, its pool waiting), and Bun's reported "a bug
/// in Bun" before the child died.
var host_code: ?Range = null;

const Range = struct {
    start: usize,
    end: usize,

    fn holds(range: Range, address: usize) bool {
        return address >= range.start and address < range.end;
    }
};

/// Notes where the host's code lies and registers `afterForkInChild`. Called as the library opens.
pub fn watchForks() void {
    if (builtin.os.tag == .linux) host_code = programCode();
    // Fails only without memory for the handler; JS would then be called in a forked child.
    _ = std.c.pthread_atfork(null, null, afterForkInChild);
}

/// In the child: JS is never called there, and every signal handled by the host's code gets its
/// default action back, so the child ends as a forked `python` would. Handlers from anywhere else
/// (Python's `signal.signal` and `faulthandler`, C extensions) are the program's and stay.
fn afterForkInChild() callconv(.c) void {
    engine.state.in_forked_child = true;
    const host = host_code orelse return;
    // The default (0) and ignoring (1) lie outside the host's code, as do SIGKILL's and SIGSTOP's.
    var signal: u8 = 1;
    while (signal < 32) : (signal += 1) {
        if (host.holds(handlerOf(signal))) restoreDefault(signal);
    }
}

/// The span of the main program's loaded segments: the first object dl_iterate_phdr reports.
fn programCode() ?Range {
    var found: ?Range = null;
    posix.dl_iterate_phdr(&found, error{Found}, struct {
        fn first(info: *posix.dl_phdr_info, _: usize, range: *?Range) error{Found}!void {
            var span: Range = .{ .start = std.math.maxInt(usize), .end = 0 };
            for (info.phdr[0..info.phnum]) |header| {
                if (header.p_type != std.elf.PT_LOAD) continue;
                span.start = @min(span.start, info.addr + header.p_vaddr);
                span.end = @max(span.end, info.addr + header.p_vaddr + header.p_memsz);
            }
            if (span.start < span.end) range.* = span;
            return error.Found; // the others are libraries
        }
    }.first) catch {};
    return found;
}

/// The address of `signal`'s handler: SIG_DFL and SIG_IGN are 0 and 1.
fn handlerOf(signal: u8) usize {
    var action: posix.Sigaction = undefined;
    posix.sigaction(signal, null, &action);
    return @intFromPtr(action.handler.handler);
}

fn restoreDefault(signal: u8) void {
    const default: posix.Sigaction = .{ .handler = .{ .handler = posix.SIG.DFL }, .mask = posix.sigemptyset(), .flags = 0 };
    posix.sigaction(signal, &default, null);
}
