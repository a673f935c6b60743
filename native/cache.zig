//! Per-code-object decisions, stored in the code object's co_extra slot.
//!
//! An entry belongs to one Dynamo layer; an entry of another layer reads as a miss and is
//! overwritten. Entries stay attached to their code object until CPython frees the code (it calls
//! `freeEntry`): clearing a layer only releases what its entries hold, so nothing ever calls
//! SetExtra(NULL) while CPython might still free the old value itself.

const std = @import("std");
const cpython = @import("cpython.zig");
const PyObject = cpython.PyObject;

pub const Kind = enum(u8) {
    /// Run the original code.
    original,
    /// Run `replacement` instead.
    replace,
    /// Run the original code; never ask JS about this code again.
    skip,
    /// Like `skip`, and every frame started while this one runs is skipped too.
    skip_tree,
    /// Ask JS again on every new frame.
    ask_again,
};

/// The layer of entries that hold in every layer: pyframe's own helper code, never shown to JS.
pub const every_layer: u32 = std.math.maxInt(u32);

/// How to swap a replacement into a frame without further checks: the local slots to null.
pub const Swap = struct {
    clear_from: u32,
    clear_to: u32,
};

pub const Entry = struct {
    layer: u32,
    kind: Kind,
    /// Strong reference while `kind == .replace`.
    replacement: ?*PyObject,
    /// Set by the engine when the replacement can be swapped in directly (the hot path).
    swap: ?Swap = null,
    previous: ?*Entry,
    next: ?*Entry,
};

/// Every live entry, so a layer can be cleared without walking the heap.
var entries_head: ?*Entry = null;
var entries_count: usize = 0;
var api: *const cpython.Api = undefined;
var extra_index: isize = -1;

pub fn init(bound_api: *const cpython.Api) bool {
    api = bound_api;
    if (extra_index >= 0) return true;
    extra_index = api.RequestCodeExtraIndex(freeEntry);
    return extra_index >= 0;
}

pub fn count() usize {
    return entries_count;
}

/// CPython's `_PyCodeObjectExtra` (identical in 3.11-3.13).
const CodeExtra = extern struct {
    size: isize,
    extras: [1]?*anyopaque,
};

/// The entry of `code` for `layer`, or null on a miss. Hot path: reads co_extra (at byte
/// `code_extra_offset` of the code object) directly; a missing block means no entry.
pub inline fn find(code: *PyObject, layer: u32, comptime code_extra_offset: usize) ?*Entry {
    const block_address: *const ?*const CodeExtra = @ptrFromInt(@intFromPtr(code) + code_extra_offset);
    const block = block_address.* orelse return null;
    if (extra_index >= block.size) return null;
    const extras: [*]const ?*anyopaque = &block.extras;
    const entry: *Entry = @ptrCast(@alignCast(extras[@intCast(extra_index)] orelse return null));
    if (entry.layer != layer and entry.layer != every_layer) return null;
    return entry;
}

/// Records a decision; takes ownership of `replacement` (a strong reference, or null).
/// Returns null, with the replacement released, when the entry could not be stored.
pub fn store(code: *PyObject, layer: u32, kind: Kind, replacement: ?*PyObject) ?*Entry {
    std.debug.assert((kind == .replace) == (replacement != null));
    const entry = attached(code) orelse create(code) orelse {
        api.Py_DecRef(replacement);
        return null;
    };
    const old_replacement = entry.replacement;
    entry.* = .{ .layer = layer, .kind = kind, .replacement = replacement, .previous = entry.previous, .next = entry.next };
    // Released last: dropping the old replacement can run arbitrary Python.
    api.Py_DecRef(old_replacement);
    return entry;
}

fn attached(code: *PyObject) ?*Entry {
    var extra: ?*anyopaque = null;
    if (api.Code_GetExtra(code, extra_index, &extra) != 0) return null;
    return @ptrCast(@alignCast(extra orelse return null));
}

fn create(code: *PyObject) ?*Entry {
    const entry = std.heap.c_allocator.create(Entry) catch return null;
    entry.* = .{ .layer = 0, .kind = .original, .replacement = null, .previous = null, .next = entries_head };
    if (api.Code_SetExtra(code, extra_index, entry) != 0) {
        std.heap.c_allocator.destroy(entry);
        return null;
    }
    if (entries_head) |head| head.previous = entry;
    entries_head = entry;
    entries_count += 1;
    return entry;
}

/// Called by CPython when a code object carrying an entry is freed.
fn freeEntry(extra: ?*anyopaque) callconv(.c) void {
    const entry: *Entry = @ptrCast(@alignCast(extra orelse return));
    if (entry.previous) |previous| previous.next = entry.next else entries_head = entry.next;
    if (entry.next) |next| next.previous = entry.previous;
    std.debug.assert(entries_count > 0);
    entries_count -= 1;
    const replacement = entry.replacement;
    std.heap.c_allocator.destroy(entry);
    api.Py_DecRef(replacement);
}

/// Forgets every decision of `layer` and releases the replacements they hold.
pub fn clearLayer(layer: u32) void {
    // Collect first: releasing a replacement can free other code objects, which unlinks entries.
    var released: std.ArrayListUnmanaged(*PyObject) = .empty;
    defer released.deinit(std.heap.c_allocator);
    var cursor = entries_head;
    while (cursor) |entry| : (cursor = entry.next) {
        if (entry.layer != layer) continue;
        std.debug.assert(layer != every_layer);
        entry.layer = 0;
        entry.kind = .original;
        entry.swap = null;
        if (entry.replacement) |replacement| {
            entry.replacement = null;
            released.append(std.heap.c_allocator, replacement) catch {
                api.Py_DecRef(replacement); // Out of memory: release now and stop walking.
                break;
            };
        }
    }
    for (released.items) |replacement| api.Py_DecRef(replacement);
}
