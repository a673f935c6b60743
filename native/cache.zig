//! Per-code-object decisions, stored in three adjacent co_extra slots of the code object.
//!
//! The decision slot holds an immediate word: a tag bit, the kind, and the layer in the high 32
//! bits, so the hot paths compare it whole with one word per outcome (`Keys`). For a replacement,
//! the slot after it holds the replacement code object itself (borrowed from the entry), and the
//! third the owner word: the index of the entry owning the replacement, and its local slot count.
//! So the hot path reads words of one block, and neither dereferences an entry nor touches a cold
//! line of the replacement. A decision of another layer reads as a miss and is overwritten.
//!
//! Every code object given a decision has an entry, named by its owner word whatever the kind: it
//! holds the replacement's reference, if any, and lets the entries be walked when the last Dynamo
//! ends (`releaseBlocks`). An entry stays attached to its code object until CPython frees the code
//! (it calls `freeOwner` on the owner slot) or until `releaseBlocks`; a later decision for that
//! code, or its layer's clearing, changes what it holds. Once a code object has its co_extra
//! block, slots are written in place, so the value a slot held is always released by this file
//! and never also by CPython.

const std = @import("std");
const cpython = @import("cpython.zig");
const PyObject = cpython.PyObject;
const hot_path = @import("hot_path.zig");

pub const Kind = enum(u7) {
    /// Run the original code.
    original,
    /// Run the original code; never ask JS about this code again.
    skip,
    /// Like `skip`, and every frame started while this one runs is skipped too.
    skip_tree,
    /// Ask JS again on every new frame.
    ask_again,
    /// Run the replacement by swapping it into the fresh frame; it has as many local slots.
    swap = 4,
    /// Like `swap`, for a replacement with another local count (slots nulled, stack moved).
    swap_resized = 5,
    /// Run the replacement through the engine's general path (generator-like code, fallbacks).
    rebuild,
};

/// The layer of decisions that hold in every layer: pyframe's own helper code, never shown to JS.
pub const every_layer: u32 = std.math.maxInt(u32);

/// What the slots say for the current layer.
pub const Lookup = union(enum) {
    miss,
    decided: Kind,
    swap: Replacement,
    swap_resized: Replacement,
    rebuild: Replacement,
};

pub const Replacement = struct {
    code: *PyObject,
    /// The replacement's co_nlocalsplus.
    locals: usize,
};

/// A code object's record, found from its owner word by index: the owner of its replacement's
/// strong reference, if it has one.
const Entry = struct {
    /// The code object whose slots point here (borrowed); null while the entry is free.
    code: ?*PyObject,
    replacement: ?*PyObject,
    /// The layer of the code's latest decision.
    layer: u32,
    next_free: u32,
};

const no_entry: u32 = std.math.maxInt(u32);
/// Entry indices, plus one, are stored in the high 32 bits of the owner word.
const max_entries: usize = std.math.maxInt(u32) - 1;

var entries: std.ArrayListUnmanaged(Entry) = .empty;
var free_entries: u32 = no_entry;
/// Entries holding a replacement (tests and benchmarks read it: `count`).
var held_replacements: usize = 0;
var api: *const cpython.Api = undefined;
/// The decision slot's index; the replacement's slots are the next two.
var decision_index: isize = -1;
/// Byte offset of co_extra in the running version's code objects.
var code_extra_offset: usize = 0;

/// Requests the three adjacent slots. False when CPython refused them (too many PEP 523 users).
pub fn init(bound_api: *const cpython.Api, extra_offset: usize) bool {
    api = bound_api;
    code_extra_offset = extra_offset;
    if (decision_index >= 0) return true;
    const decision = api.RequestCodeExtraIndex(freeNothing);
    if (decision < 0) return false;
    // Indices are handed out in sequence under the GIL, so the others follow the first.
    if (api.RequestCodeExtraIndex(freeNothing) != decision + 1) return false;
    if (api.RequestCodeExtraIndex(freeOwner) != decision + 2) return false;
    decision_index = decision;
    return true;
}

/// Where the slots sit in every co_extra block, fixed by the indices `init` obtained.
pub const Placement = enum {
    /// They are the interpreter's first three indices. CPython sizes every block it makes for all
    /// the indices handed out so far, so every block made since holds them, and none was made
    /// before (nobody had an index): no block's size needs checking.
    leading,
    /// Another tool asked first, and may have made blocks too short for ours.
    after_others,
};

pub fn placement() Placement {
    std.debug.assert(decision_index >= 0);
    return if (decision_index == 0) .leading else .after_others;
}

/// How many replacement code objects the cache holds.
pub fn count() usize {
    return held_replacements;
}

/// CPython's `_PyCodeObjectExtra` (identical in 3.11-3.15).
const CodeExtra = extern struct {
    size: isize,
    extras: [1]usize,
};

/// The decision word, then for a replacement the replacement and its owner word.
const slot_count = 3;
const Slots = *[slot_count]usize;

const immediate_tag: usize = 1;
/// Set in a decision word whose frames the hot paths must leave to the general path (the word then
/// equals no key); `find` reads the kind and layer around it.
const general_path_bit: usize = 1 << 8;

/// Code whose frames the general path must see every time, whatever is decided for it
/// (init_shortcut.zig sets it where a 3.13 build keeps its shortcut into `__init__`).
pub var needsGeneralPath: *const fn (*PyObject) bool = &never;

fn never(_: *PyObject) bool {
    return false;
}

inline fn immediate(layer: u32, kind: Kind) usize {
    return (@as(usize, layer) << 32) | (@as(usize, @intFromEnum(kind)) << 1) | immediate_tag;
}

inline fn immediateLayer(value: usize) u32 {
    return @truncate(value >> 32);
}

inline fn immediateKind(value: usize) Kind {
    return @enumFromInt(@as(u7, @truncate(value >> 1)));
}

inline fn holdsReplacementKind(kind: Kind) bool {
    return kind == .swap or kind == .swap_resized or kind == .rebuild;
}

/// The owner word of a replacement: which entry owns it (plus one), and its local count. Never
/// zero: a zero owner slot holds no replacement (immediate decisions, empty slots).
inline fn ownerWord(entry: u32, locals: usize) usize {
    std.debug.assert(entry < max_entries and locals <= std.math.maxInt(u32));
    return (@as(usize, entry + 1) << 32) | locals;
}

inline fn ownerEntry(word: usize) ?u32 {
    const stored: u32 = @truncate(word >> 32);
    return if (stored == 0) null else stored - 1;
}

/// Where `code` keeps its co_extra block (at byte `offset`, a per-version constant).
inline fn blockOf(code: *PyObject, offset: usize) *?*CodeExtra {
    @setRuntimeSafety(hot_path.safety);
    return @ptrFromInt(@intFromPtr(code) + offset);
}

/// Whether `code` has a co_extra block, anyone's (tests read it: pyframe_code_has_extra).
pub fn hasBlock(code: *PyObject) bool {
    return blockOf(code, code_extra_offset).* != null;
}

/// The slots of `code`, or null when the code has no co_extra block (or, after others, one too
/// short) yet.
pub inline fn slotsOf(code: *PyObject, offset: usize, comptime where: Placement) ?Slots {
    @setRuntimeSafety(hot_path.safety);
    const block = blockOf(code, offset).* orelse return null;
    const extras: [*]usize = &block.extras;
    switch (where) {
        .leading => {
            if (hot_path.safety) std.debug.assert(decision_index == 0 and block.size >= slot_count);
            return extras[0..slot_count];
        },
        .after_others => {
            if (decision_index + slot_count > block.size) return null;
            return extras[@intCast(decision_index)..][0..slot_count];
        },
    }
}

/// The decision words the eval-frame function's hot paths compare a slot with, for one layer.
pub const Keys = struct {
    original: usize,
    swap: usize,
    swap_resized: usize,

    pub fn of(layer: u32) Keys {
        return .{
            .original = immediate(layer, .original),
            .swap = immediate(layer, .swap),
            .swap_resized = immediate(layer, .swap_resized),
        };
    }
};

/// The replacement held by slots whose decision is a swap or a rebuild.
pub inline fn replacementIn(slots: *const [slot_count]usize) Replacement {
    @setRuntimeSafety(hot_path.safety);
    return .{ .code = @ptrFromInt(slots[1]), .locals = @as(u32, @truncate(slots[2])) };
}

/// The decision for `code` in `layer`, read from co_extra (at byte `offset` of the code object, a
/// per-version constant). The eval-frame function's hot paths compare the decision word with
/// `Keys` instead; everything else asks here.
pub inline fn find(code: *PyObject, layer: u32, comptime offset: usize) Lookup {
    const slots = slotsOf(code, offset, .after_others) orelse return .miss;
    const value = slots[0];
    if (value & immediate_tag == 0) return .miss; // Empty.
    const owner = immediateLayer(value);
    if (owner != layer and owner != every_layer) return .miss;
    return switch (immediateKind(value)) {
        .swap => .{ .swap = replacementIn(slots) },
        .swap_resized => .{ .swap_resized = replacementIn(slots) },
        .rebuild => .{ .rebuild = replacementIn(slots) },
        else => |kind| .{ .decided = kind },
    };
}

/// Records a decision that holds no reference. Returns false when CPython refused a co_extra block.
pub fn storeDecision(code: *PyObject, layer: u32, kind: Kind) bool {
    std.debug.assert(!holdsReplacementKind(kind));
    return put(code, layer, immediate(layer, kind), null);
}

/// Records a replacement (`how` is `.swap`, `.swap_resized` or `.rebuild`), taking ownership of the strong
/// reference `replacement.code`. Returns false (with the replacement released) when it could not
/// be stored.
pub fn storeReplacement(code: *PyObject, layer: u32, replacement: Replacement, how: Kind) bool {
    std.debug.assert(holdsReplacementKind(how));
    if (!put(code, layer, immediate(layer, how), replacement)) {
        api.Py_DecRef(replacement.code);
        return false;
    }
    return true;
}

fn newEntry(code: *PyObject) ?u32 {
    const entry: Entry = .{ .code = code, .replacement = null, .layer = 0, .next_free = no_entry };
    if (free_entries != no_entry) {
        const index = free_entries;
        free_entries = entries.items[index].next_free;
        entries.items[index] = entry;
        return index;
    }
    if (entries.items.len == max_entries) return null;
    entries.append(std.heap.c_allocator, entry) catch return null;
    return @intCast(entries.items.len - 1);
}

/// Frees the entry; returns the replacement it held, for the caller to release.
fn freeEntry(index: u32) ?*PyObject {
    const entry = &entries.items[index];
    std.debug.assert(entry.code != null);
    const replacement = holdReplacement(entry, null);
    entry.code = null;
    entry.next_free = free_entries;
    free_entries = index;
    return replacement;
}

/// Makes `replacement` the entry's; returns the one it held, for the caller to release.
fn holdReplacement(entry: *Entry, replacement: ?*PyObject) ?*PyObject {
    const old = entry.replacement;
    if (old != null) held_replacements -= 1;
    if (replacement != null) held_replacements += 1;
    entry.replacement = replacement;
    return old;
}

/// Writes the slots of `code` (the decision word, and the replacement if any), releasing what
/// they held.
fn put(code: *PyObject, layer: u32, word: usize, replacement: ?Replacement) bool {
    const slots = slotsOf(code, code_extra_offset, .after_others) orelse blk: {
        // No block yet: a spare one if there is (empty, and large enough). Else, or for a block made
        // before our indices existed, CPython allocates or grows it (writing the last slot makes
        // room for all); the slots are then empty.
        if (!installSpareBlock(code) and api.Code_SetExtra(code, decision_index + slot_count - 1, null) != 0) return false;
        break :blk slotsOf(code, code_extra_offset, .after_others).?;
    };
    const index = ownerEntry(slots[2]) orelse newEntry(code) orelse return false;
    const entry = &entries.items[index];
    entry.layer = layer;
    const old = holdReplacement(entry, if (replacement) |r| r.code else null);
    slots.* = .{ word, if (replacement) |r| @intFromPtr(r.code) else 0, ownerWord(index, if (replacement) |r| r.locals else 0) };
    if (needsGeneralPath(code)) slots[0] |= general_path_bit;
    // Released last: dropping an old replacement can run arbitrary Python.
    api.Py_DecRef(old);
    return true;
}

/// Frees the entry an owner slot names, and its replacement; CPython calls it on every slot of
/// this index when it frees a code object, empty ones included.
fn freeOwner(extra: ?*anyopaque) callconv(.c) void {
    const index = ownerEntry(@intFromPtr(extra)) orelse return;
    api.Py_DecRef(freeEntry(index));
}

/// The decision and replacement slots only describe or borrow; the owner slot releases.
fn freeNothing(_: ?*anyopaque) callconv(.c) void {}

/// Forgets the replacements decided in `layer` and releases their code objects. (Immediate
/// decisions of the layer hold nothing; they never match a later layer.)
pub fn clearLayer(layer: u32) void {
    std.debug.assert(layer != every_layer);
    // Collect first: releasing a replacement can free other code objects, which frees entries.
    var released: std.ArrayListUnmanaged(*PyObject) = .empty;
    defer released.deinit(std.heap.c_allocator);
    for (entries.items, 0..) |*entry, index| {
        const code = entry.code orelse continue;
        if (entry.layer != layer or entry.replacement == null) continue;
        released.ensureUnusedCapacity(std.heap.c_allocator, 1) catch break; // Out of memory: keep the rest.
        released.appendAssumeCapacity(holdReplacement(entry, null).?);
        slotsOf(code, code_extra_offset, .after_others).?.* = .{ 0, 0, ownerWord(@intCast(index), 0) };
    }
    for (released.items) |replacement| api.Py_DecRef(replacement);
}

/// Takes every decision made for a Dynamo off its code object, once the last Dynamo has ended,
/// and takes the co_extra block off too where nothing else is in it: from 3.14 CPython will not
/// share a function whose code has a block with another interpreter (`concurrent.interpreters`).
/// The blocks are kept for the next Dynamo's decisions (`spare_blocks`). pyframe's own code keeps
/// its every-layer decision.
pub fn releaseBlocks() void {
    var released: std.ArrayListUnmanaged(*PyObject) = .empty;
    defer released.deinit(std.heap.c_allocator);
    for (entries.items, 0..) |entry, index| {
        const code = entry.code orelse continue;
        if (entry.layer == every_layer) continue;
        released.ensureUnusedCapacity(std.heap.c_allocator, 1) catch break; // Out of memory: keep the rest.
        if (freeEntry(@intCast(index))) |replacement| released.appendAssumeCapacity(replacement);
        slotsOf(code, code_extra_offset, .after_others).?.* = @splat(0);
        const block = blockOf(code, code_extra_offset);
        if (isEmpty(block.*.?)) {
            keepSpareBlock(block.*.?);
            block.* = null;
        }
    }
    sortSpareBlocks();
    for (released.items) |replacement| api.Py_DecRef(replacement);
}

/// co_extra blocks taken off code objects when the last Dynamo ended, each large enough for the
/// slots and empty, sorted highest address first: the next Dynamo's decisions take them from the
/// lowest address up, in the order they are made. Given back to CPython's allocator instead, they
/// came back last freed first (and among other objects' freed memory), so the blocks of code called
/// in turn lay in no order, and a swapped frame, whose evaluator waits on the load of its block,
/// paid for the missed prefetch: `bench/hook_modes.ts` (which opens and ends a Dynamo per mode and
/// round), 2,000 small functions, 3.11.7-3.13.0 x Deno and Bun, a swapped frame took 11.3-14.8%
/// over pass-through (median), 5.1-8.2% with the blocks kept; a cached original 3.2-4.9%, then
/// 0.8-2.2%. CPython frees a block it finds on a code object as its own (`PyMem_Free`): these came
/// from its allocator.
var spare_blocks: std.ArrayListUnmanaged(*CodeExtra) = .empty;

/// At most this many blocks are kept (2 MiB of 32-byte blocks); the rest go back to CPython.
const max_spare_blocks = 1 << 16;

/// Keeps `block` for a later decision, or gives it back to CPython if it cannot be kept.
fn keepSpareBlock(block: *CodeExtra) void {
    if (spare_blocks.items.len >= max_spare_blocks) return api.PyMem_Free(block);
    spare_blocks.append(std.heap.c_allocator, block) catch api.PyMem_Free(block);
}

fn sortSpareBlocks() void {
    std.mem.sort(*CodeExtra, spare_blocks.items, {}, higherAddressFirst);
}

fn higherAddressFirst(_: void, a: *CodeExtra, b: *CodeExtra) bool {
    return @intFromPtr(a) > @intFromPtr(b);
}

/// Gives `code`, which has no co_extra block, the spare block with the lowest address, if any.
fn installSpareBlock(code: *PyObject) bool {
    const block = blockOf(code, code_extra_offset);
    if (block.* != null) return false;
    block.* = spare_blocks.pop() orelse return false;
    return true;
}

/// Whether no index of the block holds anything (another tool's slots included).
fn isEmpty(block: *const CodeExtra) bool {
    const extras: [*]const usize = &block.extras;
    for (extras[0..@intCast(block.size)]) |slot| if (slot != 0) return false;
    return true;
}

// Tests of the lookup the hot path makes, on stand-in code objects: plain memory laid out as
// CPython's (a co_extra pointer at a fixed offset), so they run without a Python.

const testing = std.testing;

/// A stand-in code object whose co_extra pointer sits at `fake_extra_offset`.
const FakeCode = struct {
    words: [8]usize = @splat(0),

    /// A stand-in with no co_extra block yet.
    fn fresh() FakeCode {
        decision_index = 0;
        return .{};
    }

    fn code(fake: *FakeCode) *PyObject {
        return @ptrCast(&fake.words);
    }

    fn lookup(fake: *FakeCode, layer: u32) Lookup {
        return find(fake.code(), layer, fake_extra_offset);
    }

    fn setExtra(fake: *FakeCode, block: ?*Block) void {
        fake.words[fake_extra_offset / @sizeOf(usize)] = @intFromPtr(block);
    }
};

/// A co_extra block with room for the slots (and two indices before them).
const Block = extern struct {
    size: isize = slot_count,
    extras: [slot_count + 2]usize = @splat(0),
};

const fake_extra_offset = 4 * @sizeOf(usize);

test "a code object with no co_extra block, one too short, or empty slots, is a miss" {
    var fake = FakeCode.fresh();
    try testing.expect(fake.lookup(3) == .miss);
    var short: Block = .{ .size = slot_count - 1, .extras = .{ immediate(3, .skip), 0, 0, 0, 0 } };
    fake.setExtra(&short);
    try testing.expect(fake.lookup(3) == .miss);
    var empty: Block = .{};
    fake.setExtra(&empty);
    try testing.expect(fake.lookup(3) == .miss);
}

test "slots after another tool's are found at their index, in blocks long enough only" {
    var fake = FakeCode.fresh();
    decision_index = 2;
    defer decision_index = 0;
    try testing.expectEqual(Placement.after_others, placement());
    var short: Block = .{ .size = 4, .extras = .{ 0, 0, immediate(3, .skip), 0, 0 } };
    fake.setExtra(&short);
    try testing.expect(fake.lookup(3) == .miss);
    var long: Block = .{ .size = 5, .extras = .{ 0, 0, immediate(3, .skip), 0, 0 } };
    fake.setExtra(&long);
    try testing.expectEqual(Lookup{ .decided = .skip }, fake.lookup(3));
    decision_index = 0;
    try testing.expectEqual(Placement.leading, placement());
    try testing.expectEqual(&long.extras[0], &slotsOf(fake.code(), fake_extra_offset, .leading).?[0]);
}

test "an immediate decision holds in its layer and in none other" {
    var fake = FakeCode.fresh();
    var block: Block = .{ .extras = .{ immediate(3, .skip), 0, 0, 0, 0 } };
    fake.setExtra(&block);
    try testing.expectEqual(Lookup{ .decided = .skip }, fake.lookup(3));
    try testing.expect(fake.lookup(4) == .miss);
    block.extras[0] = immediate(every_layer, .skip_tree);
    try testing.expectEqual(Lookup{ .decided = .skip_tree }, fake.lookup(9));
}

test "a replacement is read from the slots next to its decision, in its layer only" {
    var fake = FakeCode.fresh();
    var replacement = FakeCode{};
    var block: Block = .{ .extras = .{ immediate(5, .swap), @intFromPtr(replacement.code()), ownerWord(7, 12), 0, 0 } };
    fake.setExtra(&block);
    const expected: Replacement = .{ .code = replacement.code(), .locals = 12 };
    try testing.expectEqual(Lookup{ .swap = expected }, fake.lookup(5));
    try testing.expect(fake.lookup(6) == .miss);
    block.extras[0] = immediate(5, .swap_resized);
    try testing.expectEqual(Lookup{ .swap_resized = expected }, fake.lookup(5));
    block.extras[0] = immediate(5, .rebuild);
    try testing.expectEqual(Lookup{ .rebuild = expected }, fake.lookup(5));
}

test "the hot path's keys match their own layer's decision of their own kind only" {
    const keys = Keys.of(5);
    try testing.expectEqual(immediate(5, .original), keys.original);
    try testing.expectEqual(immediate(5, .swap), keys.swap);
    try testing.expectEqual(immediate(5, .swap_resized), keys.swap_resized);
    const others = Keys.of(6);
    for ([_]usize{ keys.original, keys.swap, keys.swap_resized }) |key| {
        for ([_]usize{ others.original, others.swap, others.swap_resized, Keys.of(every_layer).original, 0 }) |other| {
            try testing.expect(key != other);
        }
    }
    for ([_]Kind{ .skip, .skip_tree, .ask_again, .rebuild }) |kind| {
        const word = immediate(5, kind);
        try testing.expect(word != keys.original and word != keys.swap and word != keys.swap_resized);
    }
}

test "a decision marked for the general path reads the same there, and matches no hot-path key" {
    var fake = FakeCode.fresh();
    var replacement = FakeCode{};
    const keys = Keys.of(5);
    var block: Block = .{ .extras = .{ 0, @intFromPtr(replacement.code()), ownerWord(7, 12), 0, 0 } };
    fake.setExtra(&block);
    for ([_]Kind{ .original, .skip, .skip_tree, .ask_again }) |kind| {
        block.extras[0] = immediate(5, kind) | general_path_bit;
        try testing.expectEqual(Lookup{ .decided = kind }, fake.lookup(5));
        try testing.expect(fake.lookup(6) == .miss);
    }
    block.extras[0] = immediate(5, .swap) | general_path_bit;
    try testing.expectEqual(Lookup{ .swap = .{ .code = replacement.code(), .locals = 12 } }, fake.lookup(5));
    for ([_]Kind{ .original, .swap, .swap_resized }) |kind| {
        const word = immediate(5, kind) | general_path_bit;
        try testing.expect(word != keys.original and word != keys.swap and word != keys.swap_resized);
    }
}

test "a co_extra block is given back only when no index of it holds anything" {
    var block: Block = .{ .size = slot_count + 2 };
    try testing.expect(isEmpty(@ptrCast(&block)));
    for (0..slot_count + 2) |index| {
        block.extras[index] = 0x5eed0;
        try testing.expect(!isEmpty(@ptrCast(&block)));
        block.extras[index] = 0;
    }
}

test "blocks kept when the last Dynamo ended go to the next decisions lowest address first" {
    code_extra_offset = fake_extra_offset;
    defer spare_blocks.clearAndFree(std.heap.c_allocator);
    var blocks: [3]Block = .{ .{}, .{}, .{} };
    for ([_]usize{ 1, 2, 0 }) |index| keepSpareBlock(@ptrCast(&blocks[index]));
    sortSpareBlocks();
    var codes: [3]FakeCode = .{ FakeCode.fresh(), FakeCode.fresh(), FakeCode.fresh() };
    for (&codes, &blocks) |*fake, *block| {
        try testing.expect(installSpareBlock(fake.code()));
        try testing.expectEqual(@as(?*anyopaque, block), @as(?*anyopaque, blockOf(fake.code(), fake_extra_offset).*));
    }
    var another = FakeCode.fresh();
    try testing.expect(!installSpareBlock(another.code())); // None left: CPython makes one.
    keepSpareBlock(@ptrCast(&blocks[0]));
    var other_tools = FakeCode.fresh();
    var own: Block = .{};
    other_tools.setExtra(&own);
    try testing.expect(!installSpareBlock(other_tools.code())); // It has a block: CPython grows it.
    try testing.expectEqual(@as(usize, 1), spare_blocks.items.len);
}

test "the decision word keeps layer and kind apart; the owner word, entry and local count" {
    const value = immediate(0xfffffffe, .rebuild);
    try testing.expectEqual(@as(u32, 0xfffffffe), immediateLayer(value));
    try testing.expectEqual(Kind.rebuild, immediateKind(value));
    try testing.expect(value & immediate_tag != 0);
    for ([_]u32{ 0, 1, max_entries - 1 }) |entry| {
        const word = ownerWord(entry, 0);
        try testing.expect(word != 0);
        try testing.expectEqual(@as(?u32, entry), ownerEntry(word));
        try testing.expectEqual(@as(?u32, entry), ownerEntry(ownerWord(entry, std.math.maxInt(u32))));
    }
    try testing.expectEqual(@as(?u32, null), ownerEntry(0));
}
