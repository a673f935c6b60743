//! Containers' plain items across the boundary in one call each way (src/python/_bulk.ts): a list's,
//! tuple's or dict's numbers, short strings, None, True and False read into arrays for JS, with the
//! other items' addresses for TypeScript to convert one by one; and a new list filled from what
//! TypeScript read of an Array. Needs the GIL.

const cpython = @import("cpython.zig");
const engine = @import("engine.zig");
const field = engine.field;
const api = engine.boundApi;
const PyObject = cpython.PyObject;

/// `Py_TYPE(object)`, borrowed: one native call where `PyObject_Type` and the `Py_DecRef` of its
/// new reference take two (converting values reads every object's type).
pub fn typeOf(object: *PyObject) *PyObject {
    return field(*PyObject, object, object_type_offset).*;
}

/// `ob_type` follows the reference count in every object header (3.11-3.15, GIL builds).
const object_type_offset = 8;

/// What a scan found an item to be; src/python/_bulk.ts reads the same numbers.
const ItemKind = enum(u8) { other = 0, number = 1, none = 2, true = 3, false = 4, string = 5 };

/// Where the scans write what they read (arrays of an entry per item, and `units`).
pub const ScanOutput = struct {
    kinds: [*]u8,
    /// Each item's address, for TypeScript to convert the items of kind `other`: those hold a new
    /// reference, which TypeScript releases, as converting one may run Python code (a finalizer)
    /// that drops the item from its container.
    pointers: [*]usize,
    /// A number's value, or where a string's code units start in `units`.
    numbers: [*]f64,
    /// Where a string's code units end in `units`.
    ends: [*]u32,
    units: []u16,
    used: usize = 0,
    /// Whether a string had a lone surrogate (TypeScript's UTF-16 decoder would replace it).
    lone_surrogate: bool = false,

    fn scan(out: *ScanOutput, item: *PyObject, i: usize) void {
        out.pointers[i] = @intFromPtr(item);
        const kind = scanItem(item, i, out);
        if (kind == .other) api().Py_IncRef(item);
        out.kinds[i] = @intFromEnum(kind);
    }

    fn missing(out: *ScanOutput, i: usize) void {
        out.pointers[i] = 0;
        out.kinds[i] = @intFromEnum(ItemKind.other);
    }

    /// The code units written, plus 2^31 if a string had a lone surrogate.
    fn result(out: *const ScanOutput) u32 {
        return @as(u32, @intCast(out.used)) | (@as(u32, @intFromBool(out.lone_surrogate)) << 31);
    }
};

/// Longer strings are left to TypeScript, which decodes them from UTF-8 in one piece.
const scan_string_limit = 128;

/// Reads the first `count` items of a list or tuple in one call, for conversions to JS:
/// `kinds[i]` says what item i is, and `pointers[i]` where it is (a new reference for kind
/// `other`); a number (an exact int within ±(2^53 - 1), where a double holds it exactly, or an
/// exact float) has its value in `numbers[i]`; a short exact str has its UTF-16 code units (lone
/// surrogates kept) in `units`, from `numbers[i]` to `ends[i]`, while they fit. Other items are
/// left for TypeScript to convert one by one. Needs the GIL; `count` must not exceed the
/// sequence's length. Returns the code units written, plus 2^31 if a string had a lone surrogate.
pub fn scanSequence(sequence: *PyObject, is_tuple: bool, count: u32, out: *ScanOutput) u32 {
    const get_item = if (is_tuple) api().PyTuple_GetItem else api().PyList_GetItem;
    for (0..count) |i| {
        const item = get_item(sequence, @intCast(i)) orelse {
            api().PyErr_Clear();
            out.missing(i);
            continue;
        };
        out.scan(item, i);
    }
    return out.result();
}

/// `scanSequence` for a dict's first `count` entries, in order: entry j's key at 2j, its
/// value at 2j + 1 (the arrays hold `2 * count`). Entries the dict no longer has are of kind
/// `other` at address 0.
pub fn scanDict(dict: *PyObject, count: u32, out: *ScanOutput) u32 {
    var position: isize = 0;
    var key: ?*PyObject = null;
    var value: ?*PyObject = null;
    for (0..count) |j| {
        if (api().PyDict_Next(dict, &position, &key, &value) == 0) {
            out.missing(2 * j);
            out.missing(2 * j + 1);
            continue;
        }
        out.scan(key.?, 2 * j);
        out.scan(value.?, 2 * j + 1);
    }
    return out.result();
}

fn scanItem(item: *PyObject, i: usize, out: *ScanOutput) ItemKind {
    if (item == api()._Py_NoneStruct) return .none;
    if (item == api()._Py_TrueStruct) return .true;
    if (item == api()._Py_FalseStruct) return .false;
    const item_type = typeOf(item);
    if (item_type == api().PyFloat_Type) {
        out.numbers[i] = api().PyFloat_AsDouble(item);
        return .number;
    }
    if (item_type == api().PyUnicode_Type) return scanString(item, i, out);
    if (item_type != api().PyLong_Type) return .other;
    var overflow: c_int = 0;
    const value = api().PyLong_AsLongLongAndOverflow(item, &overflow);
    const safe: i64 = (1 << 53) - 1;
    if (overflow != 0 or value > safe or value < -safe) return .other; // A bigint, converted in TypeScript.
    out.numbers[i] = @floatFromInt(value);
    return .number;
}

fn scanString(item: *PyObject, i: usize, out: *ScanOutput) ItemKind {
    const length = api().PyUnicode_GetLength(item);
    // At most two code units per code point.
    if (length < 0 or length > scan_string_limit or out.used + 2 * @as(usize, @intCast(length)) > out.units.len) {
        if (length < 0) api().PyErr_Clear();
        return .other;
    }
    var points: [scan_string_limit]u32 = undefined;
    if (length > 0 and api().PyUnicode_AsUCS4(item, &points, scan_string_limit, 0) == null) {
        api().PyErr_Clear();
        return .other;
    }
    const start = out.used;
    for (points[0..@intCast(length)]) |point| {
        if (point < 0x10000) {
            out.units[out.used] = @intCast(point); // A lone surrogate stays one.
            out.used += 1;
            if (point >= 0xd800 and point < 0xe000) out.lone_surrogate = true;
        } else {
            out.units[out.used] = @intCast(0xd800 + ((point - 0x10000) >> 10));
            out.units[out.used + 1] = @intCast(0xdc00 + ((point - 0x10000) & 0x3ff));
            out.used += 2;
        }
    }
    out.numbers[i] = @floatFromInt(start);
    out.ends[i] = @intCast(out.used);
    return .string;
}

/// What TypeScript found an Array's item to be, for `fillList`; src/python/_bulk.ts writes the
/// same numbers.
const FillKind = enum(u8) { converted = 0, int = 1, none = 2, true = 3, false = 4, string = 5, float = 6, _ };

/// Sets the `count` items of `list` (new, its items still NULL) from what TypeScript read of a JS
/// Array: an int or float whose value is `numbers[i]`; a string whose UTF-16 code units (lone
/// surrogates kept) run in `units` from `numbers[i]` to `ends[i]`; None, True or False; or an item
/// TypeScript converted already, a new reference at `pointers[i]`, which the list takes. Returns
/// 0, or -1 with a Python exception set; then the converted items not yet in the list are
/// released, and the list keeps NULLs.
pub fn fillList(list: *PyObject, kinds: [*]const u8, numbers: [*]const f64, ends: [*]const u32, units: [*]const u16, pointers: [*]const usize, count: u32) i32 {
    for (0..count) |i| {
        const item = newItem(kinds[i], numbers[i], ends[i], units, pointers[i]) orelse {
            releaseConverted(kinds, pointers, i + 1, count);
            return -1;
        };
        _ = api().PyList_SetItem(list, @intCast(i), item); // Steals `item`; i is in range.
    }
    return 0;
}

fn newItem(kind: u8, number: f64, end: u32, units: [*]const u16, pointer: usize) ?*PyObject {
    return switch (@as(FillKind, @enumFromInt(kind))) {
        .converted => @ptrFromInt(pointer),
        .int => api().PyLong_FromLongLong(@intFromFloat(number)),
        .float => api().PyFloat_FromDouble(number),
        .string => string: {
            const start: usize = @intFromFloat(number);
            var little_endian: c_int = -1; // And a leading U+FEFF is a character, not a byte order mark.
            const bytes: [*]const u8 = @ptrCast(units + start);
            break :string api().PyUnicode_DecodeUTF16(bytes, @intCast(2 * (end - start)), "surrogatepass", &little_endian);
        },
        .none => newReference(api()._Py_NoneStruct),
        .true => newReference(api()._Py_TrueStruct),
        .false => newReference(api()._Py_FalseStruct),
        _ => unknown: {
            api().PyErr_SetString(api().PyExc_RuntimeError.*, "pyframe: fillList got an unknown item kind");
            break :unknown null;
        },
    };
}

fn newReference(object: *PyObject) *PyObject {
    api().Py_IncRef(object);
    return object;
}

fn releaseConverted(kinds: [*]const u8, pointers: [*]const usize, from: usize, count: u32) void {
    for (from..count) |i| {
        if (kinds[i] == @intFromEnum(FillKind.converted)) api().Py_DecRef(@ptrFromInt(pointers[i]));
    }
}
