//! Python ast trees → the compact bytes src/ast/_decode_native.ts reads, walked natively: the
//! TypeScript side of pyframe's ast gets a parsed tree for a few bytes per node, without running
//! any Python per node (a Python-level walk costs as much as the transform it serves).
//!
//! A dump is a header, then the tree's value. The header is how many snapshot entries the tree
//! makes on the TypeScript side (src/ast/_session.ts: two per node with fields or attributes, one
//! per field or attribute, one more per list item), as a varint padded to 5 bytes, so the snapshot
//! is allocated once. Nodes without fields or attributes are not listed (see `node`).
//!
//! A value is a tag byte and its payload; integers in payloads are LEB128 varints:
//!
//!   0 None   1 True   2 False   3 int: zigzag varint (fits in 64 bits)
//!   4 int: varint length, then its hex digits in ASCII, "-" first when negative (any size)
//!   5 float: 8 bytes, little-endian IEEE 754
//!   6 str: varint length, then UTF-8 (lone surrogates as 3 bytes each, Python's "surrogatepass");
//!     each str gets the next index of the string table
//!   7 str seen before: varint index in the string table (the same object: identifiers are interned)
//!   8 bytes: varint length, then the bytes
//!   9 list: varint count, then the items
//!   10 node: varint class index, then one value per name the class was given at `init`
//!   11 missing: the node has no such field or attribute
//!   12 complex: two floats (real, imaginary)   13 Ellipsis
//!   14 tuple, 15 frozenset: varint count, then the items
//!   18 location: the four location attributes of a node (lineno, col_offset, end_lineno,
//!     end_col_offset) as four zigzag varints, written for them instead of four values when all
//!     four are ints that fit in 64 bits (a parsed tree's always are)
//!
//! The other direction (native/ast_load.zig builds Python trees from what src/ast/_encode.ts
//! writes) uses the same values, and two more:
//!
//!   16 identifier: as 6, and the str is interned (as Python's parser interns names)
//!   17 original node: varint index in the list of nodes of the tree being patched
//!
//! Every entry point runs on the thread that holds the GIL.

const std = @import("std");
const cpython = @import("cpython.zig");
const stack = @import("stack.zig");

const PyObject = cpython.PyObject;

pub const Tag = enum(u8) {
    none = 0,
    true_ = 1,
    false_ = 2,
    int = 3,
    big_int = 4,
    float = 5,
    string = 6,
    string_seen = 7,
    bytes = 8,
    list = 9,
    node = 10,
    missing = 11,
    complex = 12,
    ellipsis = 13,
    tuple = 14,
    frozenset = 15,
    identifier = 16,
    original = 17,
    location = 18,
    _,
};

/// Trees deeper than this are taken to hold a cycle.
const depth_max: u32 = 100_000;

/// Whether a value `depth` levels down is too deep to visit, in either direction (this file and
/// ast_load.zig recurse once or more per level): past `depth_max`, or so deep that the thread's
/// stack is nearly spent (`stack.pastFloorOfThisThread`). A tree built by hand, or by Python code
/// rather than its parser, reaches that: 4,000 levels overflowed Bun's stack, 8,000 Deno's.
pub fn tooDeep(depth: u32) bool {
    return depth > depth_max or stack.pastFloorOfThisThread();
}

/// The constants and builtin types `init` was given, compared by address (the node classes are
/// in `class_indexes` and `class_names`).
pub const Table = struct {
    none: *PyObject,
    true_: *PyObject,
    false_: *PyObject,
    ellipsis: *PyObject,
    int_type: *PyObject,
    float_type: *PyObject,
    complex_type: *PyObject,
    str_type: *PyObject,
    bytes_type: *PyObject,
    list_type: *PyObject,
    tuple_type: *PyObject,
    frozenset_type: *PyObject,
};

var api: *const cpython.Api = undefined;
var table: ?Table = null;
/// Node type address → class index, for the classes of `init` and the subclasses met since.
var class_indexes: std.AutoHashMapUnmanaged(usize, u32) = .empty;
var output: std.ArrayList(u8) = .empty;
/// The format spec "x": big ints travel as hex, which no size limit on int-to-text applies to.
var hex_spec: ?*PyObject = null;
/// Per class index, the field and attribute names `init` was given, in order.
var class_names: []const []const *PyObject = &.{};
/// Per class index, whether its names end with the four location attributes (written as one
/// `location` value when they can be).
var class_located: []const bool = &.{};
/// Per class index, the node class (null where the running Python lacks it).
var class_objects: []const ?*PyObject = &.{};
/// The list `dump` appends each node to, when asked for one.
var node_list: ?*PyObject = null;
/// str object address → string table index, for one `dump`.
var strings: std.AutoHashMapUnmanaged(usize, u32) = .empty;
/// The snapshot entries of the tree being dumped (see the header above).
var entries: u64 = 0;
const header_bytes = 5;
const allocator = std.heap.c_allocator;

pub const Error = error{ OutOfMemory, PythonError };

/// Takes the constants and classes the encoding refers to: `description` is a tuple of
/// (None, True, False, Ellipsis, int, float, complex, str, bytes, list, tuple, frozenset) and a
/// tuple of (node class or None, tuple of field and attribute names), the class index being the
/// position. Once per process: later calls keep the first description.
pub fn init(bound_api: *const cpython.Api, description: *PyObject) Error!void {
    if (table != null) return;
    api = bound_api;
    const constants = try tupleItem(description, 0);
    const classes = try tupleItem(description, 1);
    var found: Table = undefined;
    inline for (@typeInfo(Table).@"struct".fields, 0..) |entry, i| {
        @field(found, entry.name) = try tupleItem(constants, i);
    }
    class_indexes.clearRetainingCapacity();
    const count = api.PyTuple_Size(classes);
    std.debug.assert(count >= 0);
    const names = try allocator.alloc([]const *PyObject, @intCast(count));
    const objects = try allocator.alloc(?*PyObject, @intCast(count));
    const located = try allocator.alloc(bool, @intCast(count));
    var index: u32 = 0;
    while (index < count) : (index += 1) {
        const pair = try tupleItem(classes, index);
        const class = try tupleItem(pair, 0);
        objects[index] = if (class != found.none) class else null;
        if (class != found.none) try class_indexes.put(allocator, @intFromPtr(class), index);
        names[index] = try namesOf(try tupleItem(pair, 1));
        located[index] = endsWithLocation(names[index]);
    }
    class_names = names;
    class_located = located;
    class_objects = objects;
    if (hex_spec == null) hex_spec = api.PyUnicode_FromString("x") orelse return error.PythonError;
    api.Py_IncRef(description); // Holds every object the table points to.
    table = found;
}

/// What native/ast_load.zig needs of `init`'s description.
pub const Description = struct {
    table: *const Table,
    class_names: []const []const *PyObject,
    class_objects: []const ?*PyObject,
};

/// The description `init` was given, or null before `init`.
pub fn given() ?Description {
    if (table == null) return null;
    return .{ .table = &table.?, .class_names = class_names, .class_objects = class_objects };
}

/// Encodes `tree` into the pending output and returns its length; with `nodes` (a list), also
/// appends every node with fields or attributes to it in the order they are written (the decoder
/// meets them in the same order, so a node's position there is its index on both sides). Returns
/// null with a Python exception set on failure.
pub fn dump(tree: *PyObject, nodes: ?*PyObject) ?usize {
    const known = table orelse {
        _ = fail("pyframe's ast codec was not given its classes (call init first)");
        return null;
    };
    output.clearRetainingCapacity();
    strings.clearRetainingCapacity();
    entries = 0;
    node_list = nodes;
    defer node_list = null;
    output.appendNTimes(allocator, 0, header_bytes) catch {
        _ = fail("out of memory encoding an ast tree");
        return null;
    };
    value(&known, tree, 0) catch |err| switch (err) {
        error.OutOfMemory => {
            _ = fail("out of memory encoding an ast tree");
            return null;
        },
        error.PythonError => return null,
    };
    writePaddedVarint(output.items[0..header_bytes], entries);
    return output.items.len;
}

/// Parses `source` (UTF-8) as `ast.parse(source, filename, mode, type_comments)` does, with the
/// running Python's grammar: `start` is the mode's start symbol (`Py_file_input`, ...), `flags`
/// the compile flags (PyCF_ONLY_AST among them). Then encodes the tree as `dump(tree, nodes)`
/// does. Returns null with a Python exception set (a SyntaxError for bad source) on failure.
pub fn parse(source: [*:0]const u8, filename: []const u8, start: c_int, flags: c_int, nodes: *PyObject) ?usize {
    const name = api.PyUnicode_FromStringAndSize(if (filename.len == 0) "" else filename.ptr, @intCast(filename.len)) orelse return null;
    defer api.Py_DecRef(name);
    const version: c_ulong = api.Py_Version.*;
    var compiler_flags: cpython.CompilerFlags = .{ .cf_flags = flags, .cf_feature_version = @intCast((version >> 16) & 0xff) };
    const tree = api.Py_CompileStringObject(source, name, start, &compiler_flags, -1) orelse return null;
    defer api.Py_DecRef(tree);
    return dump(tree, nodes);
}

/// Copies the pending output of the last `dump` into `buffer` (as much as fits) and returns its
/// whole length.
pub fn copyOutput(buffer: []u8) usize {
    const length = @min(buffer.len, output.items.len);
    @memcpy(buffer[0..length], output.items[0..length]);
    return output.items.len;
}

const location_names = [_][]const u8{ "lineno", "col_offset", "end_lineno", "end_col_offset" };

fn endsWithLocation(names: []const *PyObject) bool {
    if (names.len < location_names.len) return false;
    for (names[names.len - location_names.len ..], location_names) |name, expected| {
        var size: isize = 0;
        const text = api.PyUnicode_AsUTF8AndSize(name, &size) orelse {
            api.PyErr_Clear();
            return false;
        };
        if (!std.mem.eql(u8, text[0..@intCast(size)], expected)) return false;
    }
    return true;
}

/// The names of a tuple as a slice (borrowed: the description holds them), read once at `init`
/// instead of through the C API for every node.
fn namesOf(tuple: *PyObject) Error![]const *PyObject {
    const names = try allocator.alloc(*PyObject, @intCast(api.PyTuple_Size(tuple)));
    for (names, 0..) |*name, position| name.* = try tupleItem(tuple, @intCast(position));
    return names;
}

fn fail(message: [*:0]const u8) ?*PyObject {
    api.PyErr_SetString(api.PyExc_TypeError.*, message);
    return null;
}

fn raise(message: [*:0]const u8) Error {
    api.PyErr_SetString(api.PyExc_TypeError.*, message);
    return error.PythonError;
}

fn tupleItem(tuple: *PyObject, index: isize) Error!*PyObject {
    return api.PyTuple_GetItem(tuple, index) orelse error.PythonError;
}

fn typeOf(object: *PyObject) *PyObject {
    // Py_TYPE: ob_type follows ob_refcnt in every default (GIL) build of 3.11-3.15.
    const words: [*]const *PyObject = @ptrCast(@alignCast(object));
    return words[1];
}

fn value(known: *const Table, object: *PyObject, depth: u32) Error!void {
    if (tooDeep(depth)) {
        api.PyErr_SetString(
            api.PyExc_RecursionError.*,
            "pyframe: the ast tree nests too deeply to send to TypeScript (or holds a cycle); split its deepest expression",
        );
        return error.PythonError;
    }
    if (object == known.none) return tag(.none);
    if (object == known.true_) return tag(.true_);
    if (object == known.false_) return tag(.false_);
    if (object == known.ellipsis) return tag(.ellipsis);
    const kind = typeOf(object);
    if (kind == known.str_type) return string(object);
    if (kind == known.int_type) return integer(object);
    if (kind == known.list_type) return sequence(known, .list, object, depth);
    if (kind == known.float_type) return float(api.PyFloat_AsDouble(object));
    if (kind == known.bytes_type) return bytes(object);
    if (kind == known.tuple_type) return sequence(known, .tuple, object, depth);
    if (kind == known.complex_type) return complex(object);
    if (kind == known.frozenset_type) return frozenset(known, object, depth);
    const index = try classIndex(kind) orelse return refuse(object);
    return node(known, object, index, depth);
}

/// Raises the TypeError for a value no ast field holds, showing it as its repr shows it (as
/// Python's own compile does: "but got <class 'ast.Add'>"), cut short at a character's start.
fn refuse(object: *PyObject) Error {
    const repr = api.PyObject_Repr(object) orelse return error.PythonError;
    defer api.Py_DecRef(repr);
    var size: isize = 0;
    const text = api.PyUnicode_AsUTF8AndSize(repr, &size) orelse return error.PythonError;
    const limit = 200;
    var shown: usize = @intCast(size);
    if (shown > limit) {
        shown = limit;
        while (shown > 0 and text[shown] & 0xc0 == 0x80) shown -= 1;
    }
    var buffer: [limit + 256]u8 = undefined;
    const message = std.fmt.bufPrintZ(&buffer, "pyframe.ast cannot send {s}{s} to TypeScript: expected an ast " ++
        "node, a list, None, bool, int, float, complex, str, bytes, Ellipsis, tuple or frozenset", .{
        text[0..shown],
        if (shown < size) "..." else "",
    }) catch unreachable; // The buffer holds the longest text shown and the words around it.
    return raise(message);
}

/// A varint in exactly `slot.len` bytes (continuation bits on all but the last), which any varint
/// reader reads.
fn writePaddedVarint(slot: []u8, number: u64) void {
    var rest = number;
    for (slot, 0..) |*byte, position| {
        const last = position == slot.len - 1;
        byte.* = @as(u8, @truncate(rest & 0x7f)) | (if (last) @as(u8, 0) else 0x80);
        rest >>= 7;
    }
    std.debug.assert(rest == 0);
}

/// Room for `count` more bytes, checked inline: the common case is one comparison, not a call.
inline fn reserve(count: usize) Error!void {
    if (output.capacity - output.items.len < count) try output.ensureUnusedCapacity(allocator, count);
}

fn tag(which: Tag) Error!void {
    try reserve(1);
    output.appendAssumeCapacity(@intFromEnum(which));
}

fn varint(number: u64) Error!void {
    try reserve(10); // The most a u64 takes.
    var rest = number;
    while (rest >= 0x80) : (rest >>= 7) output.appendAssumeCapacity(@as(u8, @truncate(rest)) | 0x80);
    output.appendAssumeCapacity(@truncate(rest));
}

/// Zigzag: small magnitudes of either sign make small varints.
fn zigzag(number: i64) u64 {
    return @bitCast((number << 1) ^ (number >> 63));
}

fn string(object: *PyObject) Error!void {
    const seen = try strings.getOrPut(allocator, @intFromPtr(object));
    if (seen.found_existing) {
        try tag(.string_seen);
        return varint(seen.value_ptr.*);
    }
    seen.value_ptr.* = @intCast(strings.count() - 1);
    try tag(.string);
    var size: isize = 0;
    if (api.PyUnicode_AsUTF8AndSize(object, &size)) |utf8| return sized(utf8[0..@intCast(size)]);
    // UTF-8 refuses lone surrogates: write them as "surrogatepass" does.
    api.PyErr_Clear();
    const encoded = api.PyUnicode_AsEncodedString(object, "utf-8", "surrogatepass") orelse return error.PythonError;
    defer api.Py_DecRef(encoded);
    return bytesPayload(encoded);
}

fn bytes(object: *PyObject) Error!void {
    try tag(.bytes);
    return bytesPayload(object);
}

fn bytesPayload(object: *PyObject) Error!void {
    var data: [*]const u8 = undefined;
    var size: isize = 0;
    if (api.PyBytes_AsStringAndSize(object, &data, &size) != 0) return error.PythonError;
    return sized(data[0..@intCast(size)]);
}

fn sized(data: []const u8) Error!void {
    try varint(data.len);
    try output.appendSlice(allocator, data);
}

fn integer(object: *PyObject) Error!void {
    var overflow: c_int = 0;
    const number = api.PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow == 0) {
        if (number == -1 and api.PyErr_Occurred() != null) return error.PythonError;
        try tag(.int);
        return varint(zigzag(number));
    }
    const hex = api.PyObject_Format(object, hex_spec.?) orelse return error.PythonError;
    defer api.Py_DecRef(hex);
    var size: isize = 0;
    const digits = api.PyUnicode_AsUTF8AndSize(hex, &size) orelse return error.PythonError;
    try tag(.big_int);
    return sized(digits[0..@intCast(size)]);
}

fn float(number: f64) Error!void {
    if (number == -1.0 and api.PyErr_Occurred() != null) return error.PythonError;
    try tag(.float);
    try output.appendSlice(allocator, std.mem.asBytes(&std.mem.nativeToLittle(u64, @bitCast(number))));
}

fn complex(object: *PyObject) Error!void {
    try tag(.complex);
    for ([_]f64{ api.PyComplex_RealAsDouble(object), api.PyComplex_ImagAsDouble(object) }) |part| {
        try output.appendSlice(allocator, std.mem.asBytes(&std.mem.nativeToLittle(u64, @bitCast(part))));
    }
}

fn sequence(known: *const Table, which: Tag, object: *PyObject, depth: u32) Error!void {
    try tag(which);
    return items(known, object, which == .list, depth);
}

fn frozenset(known: *const Table, object: *PyObject, depth: u32) Error!void {
    const members = api.PySequence_Tuple(object) orelse return error.PythonError;
    defer api.Py_DecRef(members);
    try tag(.frozenset);
    return items(known, members, false, depth);
}

/// The count, then each item, of a list or a tuple.
fn items(known: *const Table, object: *PyObject, is_list: bool, depth: u32) Error!void {
    const count = if (is_list) api.PyList_Size(object) else api.PyTuple_Size(object);
    if (count < 0) return error.PythonError;
    try varint(@intCast(count));
    var index: isize = 0;
    while (index < count) : (index += 1) {
        const item = (if (is_list) api.PyList_GetItem(object, index) else api.PyTuple_GetItem(object, index)) orelse
            return error.PythonError;
        try value(known, item, depth + 1);
    }
}

/// The node class `kind` travels as, or null when it is no ast node's class.
fn classIndex(kind: *PyObject) Error!?u32 {
    if (class_indexes.get(@intFromPtr(kind))) |index| return index;
    // A subclass (a user's, or ast.py's deprecated aliases) travels as the first node class of its
    // method resolution order.
    const mro = api.PyObject_GetAttrString(kind, "__mro__") orelse return error.PythonError;
    defer api.Py_DecRef(mro);
    const count = api.PyTuple_Size(mro);
    var position: isize = 1;
    while (position < count) : (position += 1) {
        const base = try tupleItem(mro, position);
        const index = class_indexes.get(@intFromPtr(base)) orelse continue;
        api.Py_IncRef(kind); // Its address stays a key: the type must outlive the entry.
        try class_indexes.put(allocator, @intFromPtr(kind), index);
        return index;
    }
    return null;
}

fn node(known: *const Table, object: *PyObject, index: u32, depth: u32) Error!void {
    try tag(.node);
    try varint(index);
    // A node without fields or attributes (Load(), Add()) is one of Python's shared instances: the
    // TypeScript side shares one too, and nothing of it is ever patched, so it is not listed.
    if (class_names[index].len == 0) return;
    const state = api.PyObject_GenericGetDict(object, null) orelse return error.PythonError;
    defer api.Py_DecRef(state);
    if (node_list) |list| if (api.PyList_Append(list, object) != 0) return error.PythonError;
    const names = class_names[index];
    entries += 2 + names.len;
    const field_count = if (class_located[index]) names.len - location_names.len else names.len;
    var cursor = DictCursor.start(state);
    for (names[0..field_count]) |name| try namedValue(known, try cursor.find(state, name), depth);
    if (field_count < names.len) try location(known, state, &cursor, names[field_count..], depth);
}

/// A field or attribute's value, or `missing` when the node has none.
fn namedValue(known: *const Table, found: ?*PyObject, depth: u32) Error!void {
    const object = found orelse return tag(.missing);
    if (typeOf(object) == known.list_type) entries += @intCast(api.PyList_Size(object));
    return value(known, object, depth + 1);
}

/// The four location attributes: one `location` value when all are ints that fit in 64 bits,
/// else each as a value of its own.
fn location(known: *const Table, state: *PyObject, cursor: *DictCursor, names: []const *PyObject, depth: u32) Error!void {
    var attributes: [location_names.len]?*PyObject = undefined;
    var numbers: [location_names.len]i64 = undefined;
    var compact = true;
    for (names, &attributes, &numbers) |name, *found, *number| {
        found.* = try cursor.find(state, name);
        const small = if (found.*) |object| smallInt(known, object) else null;
        number.* = small orelse 0;
        compact = compact and small != null;
    }
    if (!compact) {
        for (attributes) |found| try namedValue(known, found, depth);
        return;
    }
    try tag(.location);
    for (numbers) |number| try varint(zigzag(number));
}

/// An exact int that fits in 64 bits, else null (with no Python error left set).
fn smallInt(known: *const Table, object: *PyObject) ?i64 {
    if (typeOf(object) != known.int_type) return null;
    var overflow: c_int = 0;
    const number = api.PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow != 0) return null;
    if (number == -1 and api.PyErr_Occurred() != null) {
        api.PyErr_Clear();
        return null;
    }
    return number;
}

/// A dict's items in insertion order, taken one by one while their keys are the ones expected.
const DictCursor = struct {
    dict: *PyObject,
    position: isize = 0,
    key: ?*PyObject = null,
    item: ?*PyObject = null,

    fn start(dict: *PyObject) DictCursor {
        var cursor: DictCursor = .{ .dict = dict };
        cursor.advance();
        return cursor;
    }

    fn advance(cursor: *DictCursor) void {
        if (api.PyDict_Next(cursor.dict, &cursor.position, &cursor.key, &cursor.item) == 0) cursor.key = null;
    }

    fn take(cursor: *DictCursor, name: *PyObject) ?*PyObject {
        if (cursor.key != name) return null;
        const found = cursor.item;
        cursor.advance();
        return found;
    }

    /// The value of `name`: the next item when its key is `name` (the order Python's parser
    /// sets them in), else looked up. Null when the node has none.
    fn find(cursor: *DictCursor, state: *PyObject, name: *PyObject) Error!?*PyObject {
        if (cursor.take(name) orelse api.PyDict_GetItemWithError(state, name)) |found| return found;
        if (api.PyErr_Occurred() != null) return error.PythonError;
        return null;
    }
};

test "a padded varint reads as the number" {
    var header: [header_bytes]u8 = undefined;
    for ([_]u64{ 0, 1, 127, 128, 300, 1 << 34 }) |number| {
        writePaddedVarint(&header, number);
        var read: u64 = 0;
        var shift: u6 = 0;
        for (header) |byte| {
            read |= @as(u64, byte & 0x7f) << shift;
            shift += 7;
        }
        try std.testing.expectEqual(number, read);
        try std.testing.expect(header[header_bytes - 1] & 0x80 == 0);
    }
}
