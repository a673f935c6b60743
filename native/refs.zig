//! Inline reference counting for the replacement paths (the exported Py_IncRef/Py_DecRef cost a
//! call each). Valid for the default (GIL) builds of 3.11-3.15: `ob_refcnt` is the first word, and
//! from 3.12 an object whose low 32 bits read negative is immortal and must not be touched (3.14+
//! keeps flags in the word's top 16 bits, set only on immortal objects). A 3.11
//! object never reaches 2^31 references in practice, so the same test is safe there. The hot path
//! counts without the test, for objects found mortal when its decision was made: a mortal object
//! would read as immortal only past 2^31 references, which a code object does not reach.

const std = @import("std");
const cpython = @import("cpython.zig");
const hot_path = @import("hot_path.zig");

inline fn refcount(object: *cpython.PyObject) *isize {
    @setRuntimeSafety(hot_path.safety);
    return @ptrCast(@alignCast(object));
}

inline fn immortalCount(count: isize) bool {
    @setRuntimeSafety(hot_path.safety);
    const low: i32 = @truncate(count);
    return low < 0;
}

pub inline fn isImmortal(object: *cpython.PyObject) bool {
    @setRuntimeSafety(hot_path.safety);
    return immortalCount(refcount(object).*);
}

pub inline fn incref(object: *cpython.PyObject) void {
    @setRuntimeSafety(hot_path.safety);
    const count = refcount(object);
    if (immortalCount(count.*)) return;
    count.* += 1;
}

/// `incref` of an object known to be mortal.
pub inline fn increfMortal(object: *cpython.PyObject) void {
    @setRuntimeSafety(hot_path.safety);
    if (hot_path.safety) std.debug.assert(!isImmortal(object));
    refcount(object).* += 1;
}

/// Drops a reference; the last one goes through libpython so the object is deallocated properly.
pub inline fn decref(api: *const cpython.Api, object: *cpython.PyObject) void {
    const count = refcount(object);
    if (immortalCount(count.*)) return;
    if (count.* > 1) {
        count.* -= 1;
        return;
    }
    api.Py_DecRef(object);
}

/// Drops a reference the caller knows is not the last one (another owner outlives the call).
pub inline fn decrefNotLast(object: *cpython.PyObject) void {
    @setRuntimeSafety(hot_path.safety);
    const count = refcount(object);
    if (immortalCount(count.*)) return;
    if (hot_path.safety) std.debug.assert(count.* > 1);
    count.* -= 1;
}

/// `decrefNotLast` of an object known to be mortal.
pub inline fn decrefMortalNotLast(object: *cpython.PyObject) void {
    @setRuntimeSafety(hot_path.safety);
    if (hot_path.safety) std.debug.assert(!isImmortal(object) and refcount(object).* > 1);
    refcount(object).* -= 1;
}
