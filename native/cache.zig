//! Per-code-object decisions, stored in the code object's co_extra slot.
//!
//! A slot holds either an immediate decision (low bit set: layer in the high 32 bits, kind above
//! the tag bit) for the decisions that hold no reference, or a pointer to an `Entry` for a
//! replacement. The hot path then reads one word for "run the original", and dereferences an entry
//! only to run a replacement. A decision of another layer reads as a miss and is overwritten.
//!
//! Entries stay attached to their code object until CPython frees the code (it calls `freeSlot`),
//! or until a later decision for that code overwrites them; clearing a layer only releases what its
//! entries hold. Once a code object has its co_extra block, slots are written in place, so the
//! value a slot held is always released by this file and never also by CPython.

const std = @import("std");
const cpython = @import("cpython.zig");
const PyObject = cpython.PyObject;

pub const Kind = enum(u7) {
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

/// The layer of decisions that hold in every layer: pyframe's own helper code, never shown to JS.
pub const every_layer: u32 = std.math.maxInt(u32);

/// How to swap a replacement into a frame without further checks: the local slots to null.
pub const Swap = struct {
    clear_from: u32,
    clear_to: u32,
};

pub const Entry = struct {
    layer: u32,
    /// Strong reference to the replacement code; null once its layer was cleared.
    replacement: ?*PyObject,
    /// Set by the engine when the replacement can be swapped in directly (the hot path).
    swap: ?Swap = null,
    previous: ?*Entry = null,
    next: ?*Entry = null,
};

/// What a slot says for the current layer.
pub const Lookup = union(enum) {
    miss,
    decided: Kind,
    replace: *Entry,
};

/// Entries come from one pool, so the entries of many code objects sit close together (the hot
/// path reads one per replaced frame).
var entry_pool = std.heap.MemoryPool(Entry).init(std.heap.c_allocator);
/// Every live entry, so a layer can be cleared without walking the heap.
var entries_head: ?*Entry = null;
var entries_count: usize = 0;
var api: *const cpython.Api = undefined;
var extra_index: isize = -1;
/// Byte offset of co_extra in the running version's code objects.
var code_extra_offset: usize = 0;

pub fn init(bound_api: *const cpython.Api, extra_offset: usize) bool {
    api = bound_api;
    code_extra_offset = extra_offset;
    if (extra_index >= 0) return true;
    extra_index = api.RequestCodeExtraIndex(freeSlot);
    return extra_index >= 0;
}

pub fn count() usize {
    return entries_count;
}

/// CPython's `_PyCodeObjectExtra` (identical in 3.11-3.13).
const CodeExtra = extern struct {
    size: isize,
    extras: [1]usize,
};

const immediate_tag: usize = 1;

inline fn immediate(layer: u32, kind: Kind) usize {
    return (@as(usize, layer) << 32) | (@as(usize, @intFromEnum(kind)) << 1) | immediate_tag;
}

inline fn immediateLayer(value: usize) u32 {
    return @truncate(value >> 32);
}

inline fn immediateKind(value: usize) Kind {
    return @enumFromInt(@as(u7, @truncate(value >> 1)));
}

/// The slot of `code`, or null when the code has no co_extra block (or one too short) yet.
inline fn slotOf(code: *PyObject, offset: usize) ?*usize {
    const block_address: *const ?*CodeExtra = @ptrFromInt(@intFromPtr(code) + offset);
    const block = block_address.* orelse return null;
    if (extra_index >= block.size) return null;
    const extras: [*]usize = &block.extras;
    return &extras[@intCast(extra_index)];
}

/// The code object `find` read last and the value of its slot, so that a function called over and
/// over (a recursion, a hot loop) skips the two dependent loads to its co_extra block. Forgotten
/// whenever any slot is written or released, so an address reused by a new code object never
/// matches a value it does not have. Read and written with the GIL held.
var last_code: usize = 0;
var last_value: usize = 0;

inline fn forgetLast() void {
    last_code = 0;
}

/// The decision for `code` in `layer`. Hot path: reads co_extra (at byte `offset` of the code
/// object, a per-version constant) directly.
pub inline fn find(code: *PyObject, layer: u32, comptime offset: usize) Lookup {
    const value = if (@intFromPtr(code) == last_code) last_value else read: {
        const read = (slotOf(code, offset) orelse return .miss).*;
        last_code = @intFromPtr(code);
        last_value = read;
        break :read read;
    };
    if (value & immediate_tag != 0) {
        const owner = immediateLayer(value);
        if (owner != layer and owner != every_layer) return .miss;
        return .{ .decided = immediateKind(value) };
    }
    if (value == 0) return .miss;
    const entry: *Entry = @ptrFromInt(value);
    if (entry.layer != layer) return .miss;
    return .{ .replace = entry };
}

/// Records a decision that holds no reference. Returns false when CPython refused a co_extra block.
pub fn storeDecision(code: *PyObject, layer: u32, kind: Kind) bool {
    std.debug.assert(kind != .replace);
    return put(code, immediate(layer, kind));
}

/// Records a replacement, taking ownership of the strong reference `replacement`. Returns the
/// entry, or null (with the replacement released) when it could not be stored.
pub fn storeReplacement(code: *PyObject, layer: u32, replacement: *PyObject) ?*Entry {
    const entry = entry_pool.create() catch {
        api.Py_DecRef(replacement);
        return null;
    };
    entry.* = .{ .layer = layer, .replacement = replacement };
    if (!put(code, @intFromPtr(entry))) {
        entry_pool.destroy(entry);
        api.Py_DecRef(replacement);
        return null;
    }
    // Linked only now: `put` may have unlinked (and freed) the entry the slot held.
    entry.next = entries_head;
    if (entries_head) |head| head.previous = entry;
    entries_head = entry;
    entries_count += 1;
    return entry;
}

/// Writes `value` into the slot of `code`, releasing what the slot held.
fn put(code: *PyObject, value: usize) bool {
    forgetLast();
    if (slotOf(code, code_extra_offset)) |slot| {
        const old = slot.*;
        slot.* = value;
        // Released last: dropping an old replacement can run arbitrary Python.
        freeSlot(@ptrFromInt(old));
        return true;
    }
    // First decision for this code: CPython allocates the block (the slot was empty).
    return api.Code_SetExtra(code, extra_index, @ptrFromInt(value)) == 0;
}

/// Releases what a slot held; CPython calls it when a code object carrying a slot is freed.
fn freeSlot(extra: ?*anyopaque) callconv(.c) void {
    forgetLast();
    const value = @intFromPtr(extra);
    if (value == 0 or value & immediate_tag != 0) return;
    const entry: *Entry = @ptrFromInt(value);
    if (entry.previous) |previous| previous.next = entry.next else entries_head = entry.next;
    if (entry.next) |next| next.previous = entry.previous;
    std.debug.assert(entries_count > 0);
    entries_count -= 1;
    const replacement = entry.replacement;
    entry_pool.destroy(entry);
    api.Py_DecRef(replacement);
}

/// Forgets the replacements decided in `layer` and releases their code objects. (Immediate
/// decisions of the layer hold nothing; they never match a later layer.)
pub fn clearLayer(layer: u32) void {
    std.debug.assert(layer != every_layer);
    // Collect first: releasing a replacement can free other code objects, which unlinks entries.
    var released: std.ArrayListUnmanaged(*PyObject) = .empty;
    defer released.deinit(std.heap.c_allocator);
    var cursor = entries_head;
    while (cursor) |entry| : (cursor = entry.next) {
        if (entry.layer != layer) continue;
        const replacement = entry.replacement orelse continue;
        released.append(std.heap.c_allocator, replacement) catch break; // Out of memory: keep the rest.
        entry.layer = 0; // Layer 0 is never current: the entry reads as a miss from now on.
        entry.swap = null;
        entry.replacement = null;
    }
    for (released.items) |replacement| api.Py_DecRef(replacement);
}

// Tests of the lookup the hot path makes, on stand-in code objects: plain memory laid out as
// CPython's (a co_extra pointer at a fixed offset), so they run without a Python.

const testing = std.testing;

/// A stand-in code object whose co_extra pointer sits at `fake_extra_offset`.
const FakeCode = struct {
    words: [8]usize = @splat(0),

    /// A stand-in with no co_extra block yet; the lookup starts with nothing remembered.
    fn fresh() FakeCode {
        extra_index = 0;
        forgetLast();
        return .{};
    }

    fn lookup(fake: *FakeCode, layer: u32) Lookup {
        return find(@ptrCast(&fake.words), layer, fake_extra_offset);
    }

    fn setExtra(fake: *FakeCode, block: ?*CodeExtra) void {
        fake.words[fake_extra_offset / @sizeOf(usize)] = @intFromPtr(block);
    }
};

const fake_extra_offset = 4 * @sizeOf(usize);

test "a code object with no co_extra block, or an empty slot, is a miss" {
    var fake = FakeCode.fresh();
    try testing.expect(fake.lookup(3) == .miss);
    var empty: CodeExtra = .{ .size = 1, .extras = .{0} };
    fake.setExtra(&empty);
    try testing.expect(fake.lookup(3) == .miss);
}

test "an immediate decision holds in its layer and in none other" {
    var fake = FakeCode.fresh();
    var block: CodeExtra = .{ .size = 1, .extras = .{immediate(3, .skip)} };
    fake.setExtra(&block);
    try testing.expectEqual(Lookup{ .decided = .skip }, fake.lookup(3));
    try testing.expect(fake.lookup(4) == .miss);
    block.extras[0] = immediate(every_layer, .skip_tree);
    forgetLast(); // The slot was written behind the cache's back: `put` forgets it itself.
    try testing.expectEqual(Lookup{ .decided = .skip_tree }, fake.lookup(9));
}

test "a released slot makes the next lookup read its code object again (addresses are reused)" {
    var fake = FakeCode.fresh();
    var freed: CodeExtra = .{ .size = 1, .extras = .{immediate(3, .skip)} };
    fake.setExtra(&freed);
    try testing.expectEqual(Lookup{ .decided = .skip }, fake.lookup(3));
    // CPython frees the code object, releasing its slot; a new one is made at the same address.
    freeSlot(@ptrFromInt(freed.extras[0]));
    var fresh: CodeExtra = .{ .size = 1, .extras = .{immediate(3, .original)} };
    fake.setExtra(&fresh);
    try testing.expectEqual(Lookup{ .decided = .original }, fake.lookup(3));
    fake.setExtra(null);
    freeSlot(@ptrFromInt(fresh.extras[0]));
    try testing.expect(fake.lookup(3) == .miss);
}

test "a replacement entry is found in its layer, and misses once its layer is cleared" {
    var fake = FakeCode.fresh();
    var entry: Entry = .{ .layer = 5, .replacement = null };
    var block: CodeExtra = .{ .size = 1, .extras = .{@intFromPtr(&entry)} };
    fake.setExtra(&block);
    try testing.expectEqual(Lookup{ .replace = &entry }, fake.lookup(5));
    try testing.expect(fake.lookup(6) == .miss);
    entry.layer = 0; // What clearLayer does.
    try testing.expect(fake.lookup(5) == .miss);
}
