//! The bytes src/ast/_encode.ts writes → a Python ast tree, built natively: nodes are made as
//! Python's unpickler would make them (the class's `__new__`, then the instance dict), without
//! running any Python per node. The values are those of native/ast_codec.zig (described there).
//!
//! A stream is the tree's value, then the patches of the tree being patched: a varint count, then
//! per patch the varint index of a node in the node list, a varint field count, and per field its
//! name (an identifier) and its value, or `missing` to delete it. The string table starts empty
//! for the tree and again for the patches.
//!
//! Bytes come from our own encoder, but are read defensively: a malformed stream is a Python
//! TypeError, never a crash.
//!
//! Every entry point runs on the thread that holds the GIL.

const std = @import("std");
const cpython = @import("cpython.zig");
const codec = @import("ast_codec.zig");

const PyObject = cpython.PyObject;
const Tag = codec.Tag;

var api: *const cpython.Api = undefined;
var empty_tuple: ?*PyObject = null;
const allocator = std.heap.c_allocator;

const Error = error{ OutOfMemory, PythonError, Malformed };

/// A new reference to the tree `data` holds, patches applied to the nodes of `nodes` (a list, or
/// null when the stream refers to no original node); null with a Python exception set on failure.
pub fn load(bound_api: *const cpython.Api, data: []const u8, nodes: ?*PyObject) ?*PyObject {
    api = bound_api;
    const known = codec.given() orelse return fail("pyframe's ast codec was not given its classes (call init first)");
    if (empty_tuple == null) empty_tuple = api.PyTuple_New(0) orelse return null;
    var reader: Reader = .{ .data = data, .known = known, .nodes = nodes };
    defer reader.deinit();
    const tree = reader.object(0) catch |err| return failWith(err);
    reader.patches() catch |err| {
        api.Py_DecRef(tree);
        return failWith(err);
    };
    if (reader.position != data.len) {
        api.Py_DecRef(tree);
        return failWith(error.Malformed);
    }
    return tree;
}

fn fail(message: [*:0]const u8) ?*PyObject {
    api.PyErr_SetString(api.PyExc_TypeError.*, message);
    return null;
}

fn failWith(err: Error) ?*PyObject {
    return switch (err) {
        error.PythonError => null,
        error.OutOfMemory => fail("pyframe: out of memory building an ast tree"),
        // A Python error met on the way is the better report.
        error.Malformed => if (api.PyErr_Occurred() != null) null else fail(
            "pyframe: malformed ast tree stream (src/ast and the native library disagree: rebuild it, npm run build)",
        ),
    };
}

/// What `value` returns for `missing`: no object (a node field left unset, a field to delete).
const missing: *PyObject = @ptrFromInt(std.mem.alignBackward(usize, std.math.maxInt(usize), 16));

const Reader = struct {
    data: []const u8,
    position: usize = 0,
    known: codec.Description,
    nodes: ?*PyObject,
    /// The strs read so far (strong references), by index.
    strings: std.ArrayList(*PyObject) = .empty,
    /// One instance per class without fields or attributes (Load(), Add()), shared as CPython's
    /// parser shares them.
    singletons: std.AutoHashMapUnmanaged(u32, *PyObject) = .empty,

    fn deinit(reader: *Reader) void {
        reader.forgetStrings();
        reader.strings.deinit(allocator);
        var singletons = reader.singletons.valueIterator();
        while (singletons.next()) |singleton| api.Py_DecRef(singleton.*);
        reader.singletons.deinit(allocator);
    }

    fn forgetStrings(reader: *Reader) void {
        for (reader.strings.items) |string| api.Py_DecRef(string);
        reader.strings.clearRetainingCapacity();
    }

    fn byte(reader: *Reader) Error!u8 {
        if (reader.position >= reader.data.len) return error.Malformed;
        defer reader.position += 1;
        return reader.data[reader.position];
    }

    fn bytes(reader: *Reader, length: usize) Error![]const u8 {
        if (length > reader.data.len - reader.position) return error.Malformed;
        defer reader.position += length;
        return reader.data[reader.position..][0..length];
    }

    fn varint(reader: *Reader) Error!u64 {
        var result: u64 = 0;
        var shift: u7 = 0;
        while (shift < 64) : (shift += 7) {
            const next = try reader.byte();
            result |= @as(u64, next & 0x7f) << @intCast(shift);
            if (next < 0x80) return result;
        }
        return error.Malformed;
    }

    fn count(reader: *Reader) Error!usize {
        const number = try reader.varint();
        // Every item takes at least one byte: a larger count cannot be honest.
        if (number > reader.data.len - reader.position) return error.Malformed;
        return @intCast(number);
    }

    fn float(reader: *Reader) Error!f64 {
        const raw = try reader.bytes(8);
        return @bitCast(std.mem.readInt(u64, raw[0..8], .little));
    }

    /// A new reference to the next value, or `missing`.
    fn value(reader: *Reader, depth: u32) Error!*PyObject {
        if (codec.tooDeep(depth)) {
            api.PyErr_SetString(
                api.PyExc_RecursionError.*,
                "pyframe: the ast tree nests too deeply to send to Python (or holds a cycle); split its deepest expression",
            );
            return error.PythonError;
        }
        const table = reader.known.table;
        const tag: Tag = @enumFromInt(try reader.byte());
        return switch (tag) {
            .none => borrowed(table.none),
            .true_ => borrowed(table.true_),
            .false_ => borrowed(table.false_),
            .ellipsis => borrowed(table.ellipsis),
            .missing => missing,
            .int => made(api.PyLong_FromLongLong(unzigzag(try reader.varint()))),
            .big_int => reader.bigInt(),
            .float => made(api.PyFloat_FromDouble(try reader.float())),
            .complex => made(api.PyComplex_FromDoubles(try reader.float(), try reader.float())),
            .string, .identifier => reader.text(tag == .identifier),
            .string_seen => {
                const index = try reader.varint();
                if (index >= reader.strings.items.len) return error.Malformed;
                return borrowed(reader.strings.items[@intCast(index)]);
            },
            .bytes => {
                const content = try reader.bytes(try reader.count());
                return made(api.PyBytes_FromStringAndSize(content.ptr, @intCast(content.len)));
            },
            .list => reader.sequence(.list, depth),
            .tuple => reader.sequence(.tuple, depth),
            .frozenset => {
                const members = try reader.sequence(.tuple, depth);
                defer api.Py_DecRef(members);
                return made(api.PyFrozenSet_New(members));
            },
            .node => reader.node(depth),
            .original => {
                const nodes = reader.nodes orelse return error.Malformed;
                const index = try reader.varint();
                if (index >= api.PyList_Size(nodes)) return error.Malformed;
                return borrowed(api.PyList_GetItem(nodes, @intCast(index)) orelse return error.PythonError);
            },
            // Only the dump writes locations; src/ast/_encode.ts writes each attribute.
            .location, _ => error.Malformed,
        };
    }

    /// A value where only objects are allowed (a list item, a constant's part).
    fn object(reader: *Reader, depth: u32) Error!*PyObject {
        const found = try reader.value(depth);
        return if (found == missing) error.Malformed else found;
    }

    fn bigInt(reader: *Reader) Error!*PyObject {
        const digits = try reader.bytes(try reader.count());
        // PyLong_FromString reads a NUL-terminated string.
        const terminated = try allocator.dupeZ(u8, digits);
        defer allocator.free(terminated);
        return made(api.PyLong_FromString(terminated.ptr, null, 16));
    }

    fn text(reader: *Reader, interned: bool) Error!*PyObject {
        const utf8 = try reader.bytes(try reader.count());
        var made_text: ?*PyObject = api.PyUnicode_DecodeUTF8(utf8.ptr, @intCast(utf8.len), "surrogatepass");
        if (made_text == null) return error.PythonError;
        if (interned) api.PyUnicode_InternInPlace(&made_text);
        const result = made_text orelse return error.PythonError;
        try reader.strings.append(allocator, result);
        api.Py_IncRef(result); // One for the table, one for the caller.
        return result;
    }

    fn sequence(reader: *Reader, comptime which: enum { list, tuple }, depth: u32) Error!*PyObject {
        const length = try reader.count();
        const result = (if (which == .list) api.PyList_New(@intCast(length)) else api.PyTuple_New(@intCast(length))) orelse
            return error.PythonError;
        errdefer api.Py_DecRef(result); // Unset items are NULL, which both deallocate fine.
        for (0..length) |index| {
            const item = try reader.object(depth + 1);
            // Both steal the item's reference.
            const status = if (which == .list) api.PyList_SetItem(result, @intCast(index), item) else api.PyTuple_SetItem(result, @intCast(index), item);
            if (status != 0) return error.PythonError;
        }
        return result;
    }

    fn node(reader: *Reader, depth: u32) Error!*PyObject {
        const index = try reader.varint();
        if (index >= reader.known.class_objects.len) return error.Malformed;
        const class_index: u32 = @intCast(index);
        const class = reader.known.class_objects[class_index] orelse return error.Malformed;
        const names = reader.known.class_names[class_index];
        if (names.len == 0) {
            if (reader.singletons.get(class_index)) |shared| return borrowed(shared);
        }
        const instance = api.PyType_GenericNew(class, empty_tuple.?, null) orelse return error.PythonError;
        errdefer api.Py_DecRef(instance);
        const state = api.PyObject_GenericGetDict(instance, null) orelse return error.PythonError;
        defer api.Py_DecRef(state);
        for (names) |name| {
            const item = try reader.value(depth + 1);
            if (item == missing) continue;
            defer api.Py_DecRef(item);
            if (api.PyDict_SetItem(state, name, item) != 0) return error.PythonError;
        }
        if (names.len == 0) {
            try reader.singletons.put(allocator, class_index, instance);
            api.Py_IncRef(instance); // One for the table, one for the caller.
        }
        return instance;
    }

    /// Applies the patch section to the nodes of the tree being patched.
    fn patches(reader: *Reader) Error!void {
        reader.forgetStrings();
        const patch_count = try reader.count();
        if (patch_count == 0) return;
        const nodes = reader.nodes orelse return error.Malformed;
        for (0..patch_count) |_| {
            const index = try reader.varint();
            if (index >= api.PyList_Size(nodes)) return error.Malformed;
            const target = api.PyList_GetItem(nodes, @intCast(index)) orelse return error.PythonError;
            const state = api.PyObject_GenericGetDict(target, null) orelse return error.PythonError;
            defer api.Py_DecRef(state);
            const field_count = try reader.count();
            for (0..field_count) |_| try reader.patchField(state);
        }
    }

    fn patchField(reader: *Reader, state: *PyObject) Error!void {
        const name = try reader.object(0);
        defer api.Py_DecRef(name);
        const item = try reader.value(0);
        if (item == missing) {
            if (api.PyDict_DelItem(state, name) != 0) api.PyErr_Clear(); // Absent already: nothing to delete.
            return;
        }
        defer api.Py_DecRef(item);
        if (api.PyDict_SetItem(state, name, item) != 0) return error.PythonError;
    }
};

fn borrowed(object: *PyObject) *PyObject {
    api.Py_IncRef(object);
    return object;
}

fn made(object: ?*PyObject) Error!*PyObject {
    return object orelse error.PythonError;
}

fn unzigzag(zigzag: u64) i64 {
    const magnitude: i64 = @bitCast(zigzag >> 1);
    return if (zigzag & 1 == 0) magnitude else -magnitude - 1;
}
