//! This library is never unloaded once CPython can call into it. Deno unloads a library a Worker
//! opened when that Worker ends; CPython, which lives on in the process, still holds pointers into
//! it (the eval-frame function, JS callables' trampolines), and a Python thread calling one of them
//! jumped into unmapped memory.
const std = @import("std");
const builtin = @import("builtin");

const DlInfo = extern struct {
    fname: ?[*:0]const u8,
    fbase: ?*anyopaque,
    sname: ?[*:0]const u8,
    saddr: ?*anyopaque,
};
extern "c" fn dladdr(address: *const anyopaque, info: *DlInfo) c_int;

/// Marks this library RTLD_NODELETE (Linux, macOS): a later dlclose leaves it mapped. Opening
/// it again by its own path with RTLD_NOLOAD takes no second load, only the flag.
pub fn stayLoaded() void {
    if (builtin.os.tag != .linux and !builtin.os.tag.isDarwin()) return;
    var info: DlInfo = undefined;
    if (dladdr(@ptrCast(&stayLoaded), &info) == 0) return;
    const path = info.fname orelse return;
    _ = std.c.dlopen(path, .{ .NOW = true, .NOLOAD = true, .NODELETE = true });
}
