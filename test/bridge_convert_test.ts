import { test } from "uvu";
import * as assert from "uvu/assert";
import { type JSValue, PyObject, python, PythonError, toJS } from "../src/python/mod.ts";

python.exec(`
def kind(x):
    return type(x).__name__ + ":" + repr(x)

def identity(x):
    return x
`);
const main = python.import("__main__");
const kind = main.get("kind");
const identity = main.get("identity");

/** JS → Python → JS. */
function roundTrip(value: unknown): JSValue {
  using result = identity.call(value);
  return result.toJS();
}

function pythonKind(value: unknown): string {
  using result = kind.call(value);
  return result.toJS() as string;
}

test("integers are exact both ways: number within 2^53, bigint beyond, no digit limit", () => {
  for (const value of [0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789]) {
    assert.is(roundTrip(value), value);
    assert.is(pythonKind(value), `int:${value}`);
  }
  assert.is(python.eval("2**53"), 2n ** 53n);
  assert.is(python.eval("-(2**53)"), -(2n ** 53n));
  assert.is(python.eval("2**53 + 1"), 2n ** 53n + 1n);
  assert.is(python.eval("2**63"), 2n ** 63n);
  assert.is(python.eval("-(2**64) - 1"), -(2n ** 64n) - 1n);
  const huge = 7n ** 20000n; // 16,900 decimal digits: beyond Python's int/str digit limit
  assert.is(roundTrip(huge), huge);
  assert.is(roundTrip(-huge), -huge);
  using isHuge = python.eval("lambda x: x == 7**20000") as PyObject;
  assert.is(isHuge.call(huge).toJS(), true, "Python sees the same integer");
  assert.is(pythonKind(5n), "int:5");
  assert.is(roundTrip(5n), 5, "a small bigint comes back as a number");
});

test("floats stay floats: fractions, unsafe integers, -0, infinities and NaN", () => {
  assert.is(pythonKind(0.1), "float:0.1");
  assert.is(roundTrip(0.1), 0.1);
  assert.is(pythonKind(2 ** 60), "float:1.152921504606847e+18");
  assert.ok(Object.is(roundTrip(-0), -0));
  assert.is(pythonKind(-0), "float:-0.0");
  assert.is(roundTrip(Infinity), Infinity);
  assert.is(roundTrip(-Infinity), -Infinity);
  assert.ok(Number.isNaN(roundTrip(NaN)));
  assert.is(python.eval("1e308 * 10"), Infinity);
  assert.is(python.eval("2.0"), 2);
});

test("long lists and tuples (read in one native scan) convert item by item as short ones do", () => {
  // Lists of 8 or more items take the scan: every kind it reads, and every kind it leaves to the
  // item-by-item conversion, in one list and one tuple, with items shared and nested.
  python.exec(`
import enum
class Level(enum.IntEnum):
    HIGH = 3
shared = [1]
every_kind = [0, -0.0, 1.5, 2**53 - 1, -(2**53 - 1), 2**53, -(2**64), True, False, None,
              float("nan"), float("inf"), Level.HIGH, "text", shared, shared, (2,), 1e308,
              "", "é日本", "😀 emoji", "\\ud800 lone", "x" * 200]
`);
  for (const expression of ["every_kind", "tuple(every_kind)"]) {
    const converted = python.eval(expression) as JSValue[];
    assert.is(converted.length, 23);
    assert.equal(converted.slice(0, 5), [0, -0, 1.5, 2 ** 53 - 1, -(2 ** 53 - 1)]);
    assert.ok(Object.is(converted[1], -0), "-0.0 stays -0");
    assert.equal(converted.slice(5, 10), [2n ** 53n, -(2n ** 64n), true, false, null]);
    assert.ok(Number.isNaN(converted[10]));
    assert.is(converted[11], Infinity);
    assert.instance(converted[12], PyObject, "an IntEnum stays a PyObject");
    assert.is((converted[12] as PyObject).repr(), "<Level.HIGH: 3>");
    assert.equal(converted.slice(13, 18), ["text", [1], [1], [2], 1e308]);
    assert.equal(converted.slice(18), ["", "é日本", "😀 emoji", "\ud800 lone", "x".repeat(200)]);
    assert.is(converted[14], converted[15], "shared stays shared");
  }
  // A leading U+FEFF is text, not a byte order mark to drop; strings beyond the scan's space for
  // code units convert one by one.
  assert.equal(python.eval("['\\ufeffa', 'b'] * 4"), ["\ufeffa", "b", "\ufeffa", "b", "\ufeffa", "b", "\ufeffa", "b"]);
  const many = python.eval("[str(i) * 50 for i in range(3000)]") as string[];
  assert.ok(many.every((text, i) => text === String(i).repeat(50)));
  // The scans hold each item they leave to the converter until it is converted, then release it.
  python.exec("import sys\ninner = [1]\nouter = [inner] * 20 + [{'k': inner, 'j': 2}] * 5 + [2**70, (inner,) * 9]");
  const references = () => python.eval("(sys.getrefcount(inner), sys.getrefcount(outer))");
  const referencesBefore = references();
  for (let i = 0; i < 100; i++) python.eval("outer");
  assert.equal(references(), referencesBefore);
  const ints = python.eval("list(range(-5, 100_000))") as number[];
  assert.is(ints.length, 100_005);
  assert.ok(ints.every((value, i) => value === i - 5));
});

test("long Arrays (filled in one native call) convert as short ones do; a failure part-way leaks nothing", () => {
  const values = [
    0,
    -0,
    1.5,
    2 ** 53,
    -(2 ** 53 - 1),
    5n,
    null,
    undefined,
    true,
    false,
    NaN,
    -Infinity,
    "",
    "é日本",
    "😀",
    "\ud800 lone",
    "x".repeat(300),
    [1, 2],
    new Map([["k", [3]]]),
    { o: 4 },
    new Uint8Array([7]),
  ];
  using list = python.toPython(values);
  assert.is(
    list.repr(),
    "[0, -0.0, 1.5, 9007199254740992.0, -9007199254740991, 5, None, None, True, False, nan, -inf, '', 'é日本', " +
      `'😀', '\\ud800 lone', '${"x".repeat(300)}', [1, 2], {'k': [3]}, {'o': 4}, b'\\x07']`,
  );
  // A value that cannot convert, after containers that did: what was made is released.
  python.exec("import gc\ndef tracked():\n    gc.collect()\n    return len(gc.get_objects())\n");
  const tracked = () => main.get("tracked").call().toJS() as number;
  const failing = [[1], { a: [2] }, ...Array.from({ length: 10 }, (_, i) => [i]), Symbol("no"), [3]];
  const before = tracked();
  for (let i = 0; i < 50; i++) assert.throws(() => python.toPython(failing), /cannot convert a symbol/);
  assert.ok(tracked() - before < 10, `${tracked() - before} objects more`);
  // An item that reads as a number, then as an object (a Proxy or getter), is an error, not None.
  let reads = 0;
  const changing = new Proxy(Array.from({ length: 10 }, (_, i) => [i]), {
    get: (target, key, receiver) =>
      key === "3" ? (reads++ % 2 ? { late: true } : 3) : Reflect.get(target, key, receiver),
  });
  assert.throws(() => python.toPython(changing), /pyframe: the Array changed while it was converted/);
});

// The list was made for the length read first and its loop read the length again: an item's
// getter that shortened the Array left NULL items (a segfault when read), one that grew it left
// an IndexError pending for the next call; a Proxy's odd length reached PyList_New or BigInt.
test("an Array whose length changes while it converts is refused, short or long", () => {
  for (const size of [3, 40]) {
    for (const change of ["shrink", "grow"]) {
      const values: unknown[] = Array.from({ length: size }, (_, i) => i);
      Object.defineProperty(values, 0, {
        get() {
          if (change === "shrink") values.length = 1;
          else values.push(size);
          return "x";
        },
      });
      assert.throws(
        () => python.toPython(values),
        /pyframe: the Array changed while it was converted/,
        `${change} ${size}`,
      );
      assert.is(python.eval("len([1, 2])"), 2, "no Python error is left pending");
    }
  }
  for (const length of [-1, Number.NaN, 1.5, "2"]) {
    const odd = new Proxy([1, 2], { get: (t, key, r) => key === "length" ? length : Reflect.get(t, key, r) });
    assert.throws(
      () => python.toPython(odd),
      /pyframe: cannot convert an Array whose length is .*, not a count of items/,
    );
  }
});

test("Maps and objects convert key by key; an unhashable key releases what was made", () => {
  using shared = python.toPython([2]);
  const map = new Map<unknown, unknown>([[1, "one"], [2.5, [1, 2]], ["s", null], [-0, "float key"], [5n, shared], [
    "\ud800",
    { nested: undefined },
  ]]);
  assert.is(
    python.toPython(map).repr(),
    "{1: 'one', 2.5: [1, 2], 's': None, 0: 'float key', 5: [2], '\\ud800': {'nested': None}}", // A Map keeps -0 as 0.
  );
  assert.is(
    python.toPython({ a: 1, b: "x", c: [1], d: { e: true } }).repr(),
    "{'a': 1, 'b': 'x', 'c': [1], 'd': {'e': True}}",
  );
  python.exec("import sys\nunhashable = [1]\nheld = [2]");
  using unhashable = main.get("unhashable");
  using held = main.get("held");
  const references = () => python.eval("(sys.getrefcount(unhashable), sys.getrefcount(held))");
  const before = references();
  for (let i = 0; i < 20; i++) {
    assert.throws(
      () => python.toPython(new Map<unknown, unknown>([["a", held], [unhashable, held], ["c", held]])),
      (e: unknown) => e instanceof PythonError && e.type === "TypeError" && /unhashable type: 'list'/.test(e.message),
    );
  }
  assert.equal(references(), before);
});

test("keys and set items distinct on one side but equal on the other are refused, never merged", () => {
  // Python → JS: two NaN floats are two keys in Python (NaN != NaN) and one in a Map (SameValueZero);
  // a str holding a surrogate pair and one holding the same character are two strs and one string.
  python.exec(`
nan_keys = {float("nan"): 1, float("nan"): 2}
pair_keys = {"\\ud83d\\ude00": 1, "\\U0001F600": 2, "other": 3}
nan_items = {float("nan"), float("nan")}
pair_items = frozenset({"\\ud83d\\ude00", "\\U0001F600"})
nested = [1, {"a": [nan_keys]}]
`);
  const refused = (name: string, what: RegExp) =>
    assert.throws(
      () => main.get(name).toJS(),
      (e: unknown) => e instanceof TypeError && what.test(e.message) && /distinct in Python/.test(e.message),
      name,
    );
  refused("nan_keys", /two keys of a dict are one key in JS, NaN: .*list\(d\.items\(\)\)/);
  refused("pair_keys", /two keys of a dict are one key in JS, "😀"/);
  refused("nan_items", /two items of a set are one item in JS, NaN: .*list\(s\)/);
  refused("pair_items", /two items of a set are one item in JS, "😀"/);
  refused("nested", /two keys of a dict are one key in JS, NaN/);
  // What the message suggests keeps both.
  assert.is((python.eval("list(nan_keys.items())") as unknown[]).length, 2);
  python.exec("import sys");
  const references = () => python.eval("sys.getrefcount(nan_keys), sys.getrefcount(nested)");
  const before = references();
  for (let i = 0; i < 20; i++) assert.throws(() => python.eval("nested"), /one key in JS/);
  assert.equal(references(), before);

  // JS → Python: True == 1 and 1 == 1n in Python, and equal bytes are one key.
  using one = python.toPython(1);
  python.exec("held = [2]");
  using held = main.get("held");
  const merged = (value: unknown, what: RegExp) =>
    assert.throws(
      () => python.toPython(value),
      (e: unknown) => e instanceof TypeError && what.test(e.message) && /distinct in JS/.test(e.message),
      String(what),
    );
  const heldCount = () => python.eval("sys.getrefcount(held)");
  const heldBefore = heldCount();
  merged(new Map<unknown, unknown>([[1, held], [true, held]]), /two keys of a Map, 1 and true, are one key in Python/);
  merged(new Map<unknown, unknown>([["x", held], [0, held], [false, held]]), /keys of a Map, 0 and false,/);
  merged(new Map<unknown, unknown>([[2, held], [2n, held]]), /keys of a Map, 2 and 2n,/);
  merged(new Map<unknown, unknown>([[one, held], [1.0, held]]), /keys of a Map, PyObject\(1\) and 1,/);
  merged(
    new Map<unknown, unknown>([[new Uint8Array([1]), held], [new Uint8Array([1]), held]]),
    /keys of a Map, Uint8Array\(1\) and Uint8Array\(1\),/,
  );
  merged(new Set([1, true]), /two items of a Set, 1 and true, are one item in Python/);
  merged([new Set(["a", 5, 5n])], /items of a Set, 5 and 5n,/);
  assert.equal(heldCount(), heldBefore);
  // Keys Python keeps apart convert as before.
  assert.is(
    python.toPython(new Map<unknown, unknown>([[1, "a"], ["1", "b"], [1.5, "c"]])).repr(),
    "{1: 'a', '1': 'b', 1.5: 'c'}",
  );
});

test("strings keep every code point: non-ASCII, emoji, NUL, lone surrogates", () => {
  const samples = ["", "ascii", "é", "日本語", "😀 emoji", "a\0b", "\ud800", "x\udfffy", "\ud83d", "\ufeffbom first"];
  for (const text of samples) {
    assert.is(roundTrip(text), text, JSON.stringify(text));
  }
  assert.is(python.eval("len('😀')"), 1);
  using length = python.builtins.get("len");
  assert.is(length.call("😀").toJS(), 1, "an astral character is one code point in Python");
  assert.is(length.call("\ud800x").toJS(), 2, "a lone surrogate is one code point in Python");
  assert.is(python.eval("hex(ord('\\ud800'))"), "0xd800");
  assert.is(python.eval("'\\udc80abc'"), "\udc80abc");
  const long = "é😀".repeat(100_000);
  assert.is(roundTrip(long), long);
  const longSurrogates = "\ud800a".repeat(50_000);
  assert.is(roundTrip(longSurrogates), longSurrogates);
});

test("bytes, bytearray and memoryview become Uint8Array; Uint8Array and ArrayBuffer become bytes", () => {
  assert.equal(python.eval("b'\\x00\\xffab'"), new Uint8Array([0, 255, 97, 98]));
  assert.equal(python.eval("bytearray(b'xy')"), new Uint8Array([120, 121]));
  assert.equal(python.eval("memoryview(b'abcdef')[1:3]"), new Uint8Array([98, 99]));
  assert.equal(python.eval("b''"), new Uint8Array(0));
  assert.is(pythonKind(new Uint8Array([1, 2])), "bytes:b'\\x01\\x02'");
  assert.is(pythonKind(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), "bytes:b'\\x02\\x03'");
  assert.is(pythonKind(new Uint8Array([7]).buffer), "bytes:b'\\x07'");
  assert.is(pythonKind(new Uint8Array(0)), "bytes:b''");
  const large = new Uint8Array(1 << 20).map((_, i) => i % 251);
  assert.equal(roundTrip(large), large);
});

test("containers: list/tuple ↔ Array, dict ↔ Map (and plain objects), set ↔ Set, None ↔ null", () => {
  assert.equal(python.eval("[1, (2, 'b'), []]"), [1, [2, "b"], []]);
  assert.equal(python.eval("{'a': 1, 2: [None]}"), new Map<JSValue, JSValue>([["a", 1], [2, [null]]]));
  assert.equal(python.eval("{1, 2}"), new Set([1, 2]));
  assert.equal(python.eval("frozenset({'x'})"), new Set(["x"]));
  assert.is(pythonKind([1, "a"]), "list:[1, 'a']");
  assert.is(pythonKind(new Map<unknown, unknown>([[1, "x"], ["k", null]])), "dict:{1: 'x', 'k': None}");
  assert.is(pythonKind({ a: { b: [true, false] } }), "dict:{'a': {'b': [True, False]}}");
  assert.is(pythonKind(Object.assign(Object.create(null), { bare: 1 })), "dict:{'bare': 1}");
  assert.is(pythonKind(new Set([3])), "set:{3}");
  assert.is(pythonKind(null), "NoneType:None");
  assert.is(pythonKind(undefined), "NoneType:None");
  assert.is(pythonKind(true), "bool:True");
  assert.is(roundTrip(false), false);
});

test("instances of subclasses and other objects stay PyObjects, nothing lost", () => {
  python.exec("import collections, enum\nclass Color(enum.IntEnum):\n    RED = 1\n");
  for (const expression of ["Color.RED", "collections.OrderedDict(a=1)", "object()", "1j", "range(3)"]) {
    const value = python.eval(expression);
    assert.instance(value, PyObject, expression);
    (value as PyObject).dispose();
  }
  using red = python.eval("Color.RED") as PyObject;
  assert.is(red.typeName, "Color");
  assert.is(pythonKind(red), "Color:<Color.RED: 1>");
});

test("cycles and shared references survive in both directions", () => {
  const cyclic = python.eval("(lambda a: (a.append(a), a)[1])([1])") as JSValue[];
  assert.is(cyclic.length, 2);
  assert.is(cyclic[1], cyclic, "a list containing itself becomes an Array containing itself");
  const shared = python.eval("(lambda x: [x, x])([0])") as JSValue[][];
  assert.is(shared[0], shared[1], "the same list twice becomes the same Array twice");
  const dict = python.eval("(lambda d: (d.__setitem__('me', d), d)[1])({})") as Map<JSValue, JSValue>;
  assert.is(dict.get("me"), dict);
  // Long enough for the scans (8 list items, 2 dict entries): cycles and sharing across both.
  python.exec("d = {'n': 1, 's': 'x', 'inner': [0] * 7}\nd['me'] = d\nd['inner'].append(d)\nd['again'] = d['inner']");
  const scanned = python.eval("d") as Map<JSValue, JSValue>;
  assert.equal([...scanned.keys()], ["n", "s", "inner", "me", "again"]);
  assert.is(scanned.get("me"), scanned);
  assert.is((scanned.get("inner") as JSValue[])[7], scanned);
  assert.is(scanned.get("again"), scanned.get("inner"));
  assert.equal((scanned.get("inner") as JSValue[]).slice(0, 7), [0, 0, 0, 0, 0, 0, 0]);

  const array: unknown[] = [1];
  array.push(array);
  assert.is(python.toPython(array).repr(), "[1, [...]]");
  python.exec("def is_cycle(a):\n    return a[1] is a\n");
  assert.is(main.get("is_cycle").call(array).toJS(), true);
  const object: Record<string, unknown> = {};
  object.self = object;
  assert.is(python.toPython(object).repr(), "{'self': {...}}");
  const leaf = [1];
  python.exec("def same(a):\n    return a[0] is a[1]\n");
  assert.is(main.get("same").call([leaf, leaf]).toJS(), true);
});

test("deep nesting converts up to the depth limit and refuses beyond it with a RangeError", () => {
  python.exec("def nested(n):\n    x = []\n    for _ in range(n):\n        x = [x]\n    return x\n");
  using deep = main.get("nested").call(900);
  let value = deep.toJS() as JSValue[];
  for (let i = 0; i < 900; i++) value = value[0] as JSValue[];
  assert.equal(value, []);
  using tooDeep = main.get("nested").call(1500);
  assert.throws(
    () => tooDeep.toJS(),
    (e: unknown) => e instanceof RangeError && /more than 1000 levels deep; pass \{ depth \}/.test(e.message),
  );
  assert.ok(Array.isArray(tooDeep.toJS({ depth: 2000 })));
  assert.throws(() => deep.toJS({ depth: 10 }), RangeError);

  let js: unknown[] = [];
  for (let i = 0; i < 1500; i++) js = [js];
  assert.throws(() => python.toPython(js), RangeError);
  using converted = python.toPython(js, { depth: 2000 });
  assert.is(converted.len(), 1);
});

test("nesting deeper than the JS stack, under depth Infinity, is a RangeError saying so; nothing leaks", () => {
  // It was the engine's bare "Maximum call stack size exceeded".
  const stackError = (e: unknown) =>
    e instanceof RangeError &&
    /^pyframe: the value nests containers deeper than the JS stack can follow \(depth Infinity/.test(e.message);
  const levels = 300_000; // Deno's stack gives out near 3,000 levels, Bun's near 10,000.
  python.exec("import gc, sys\ndeep = []\nfor _ in range(300_000):\n    deep = [deep]\n");
  const census = () => python.eval("(gc.collect(), len(gc.get_objects()), sys.getrefcount(deep))") as number[];
  const [, objectsBefore, referencesBefore] = census();
  using deep = main.get("deep");
  assert.throws(() => deep.toJS({ depth: Infinity }), stackError);
  let js: unknown[] = [];
  for (let i = 0; i < levels; i++) js = [js];
  assert.throws(() => python.toPython(js, { depth: Infinity }), stackError);
  // The lists made before the overflow are released on the way out.
  const [, objectsAfter, referencesAfter] = census();
  assert.ok(Math.abs(objectsAfter - objectsBefore) < 10, `${objectsAfter - objectsBefore} objects more`);
  assert.is(referencesAfter, referencesBefore + 1, "the wrapper's reference only");
  python.exec("del deep");
});

test("depth is a whole number of levels or Infinity; anything else is refused, not coerced", () => {
  using nested = python.toPython([[1, [2]]]);
  assert.equal(nested.toJS({ depth: Infinity }), [[1, [2]]]);
  assert.equal(nested.toJS({ depth: 3 }), [[1, [2]]]);
  assert.throws(() => nested.toJS({ depth: 2 }), /more than 2 levels deep/);
  // Compared as numbers, "5" and true passed, and "" meant 0.
  for (const depth of ["5", "", true, null, 3n]) {
    assert.throws(
      () => nested.toJS({ depth: depth as never }),
      (e: unknown) => e instanceof TypeError && /depth takes a number of levels, got /.test(e.message),
      String(depth),
    );
    assert.throws(() => python.toPython([1], { depth: depth as never }), TypeError, String(depth));
  }
  for (const depth of [-1, 1.5, NaN, -Infinity]) {
    assert.throws(
      () => nested.toJS({ depth }),
      (e: unknown) =>
        e instanceof RangeError && /whole number of levels \(0 or more, or Infinity\), got /.test(e.message),
      String(depth),
    );
  }
});

test("values that have no Python equivalent are refused with a message saying what to pass", () => {
  assert.throws(() => python.toPython(new Date()), /cannot convert a Date to Python; pass a number/);
  assert.throws(() => python.toPython(Symbol("s")), /cannot convert a symbol/);
  assert.throws(() => python.toPython(Promise.resolve(1)), /cannot convert a Promise to Python; await it/);
  assert.throws(() => python.toPython(new Float64Array(2)), /cannot convert a Float64Array/);
  class Point {}
  assert.throws(() => python.toPython([1, new Point()]), /cannot convert a Point/);
  // A generator's constructor has an empty name: the message said "cannot convert a  to Python".
  assert.throws(() => python.toPython((function* () {})()), /cannot convert a Generator to Python/);
  assert.throws(() => python.toPython(Object.create(Object.create(null))), /cannot convert an Object to Python/);
  // A container as a Map key or Set item: Python said only "unhashable type: 'list'".
  assert.throws(
    () => python.toPython(new Map([[[1, 2], "pair"]])),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === "pyframe: a Map key cannot be an Array: it would become a list, which Python cannot use as a " +
          "dict key; use a string, number, bigint, boolean or null, or a PyObject of a tuple",
  );
  assert.throws(() => python.toPython(new Set([{ a: 1 }])), /a Set item cannot be an Object: it would become a dict/);
  assert.throws(() => python.toPython(new Map([[new Set(), 1]])), /a Map key cannot be a Set: it would become a set/);
  using tuple = python.builtins.get("tuple").call([1, 2]);
  assert.is(python.toPython(new Map([[tuple, "pair"]])).repr(), "{(1, 2): 'pair'}");
  // A buffer transferred away (postMessage, structuredClone's transfer) holds no bytes any more:
  // Deno said "Cannot perform Construct on a detached ArrayBuffer", Bun "Buffer is already
  // detached", and a view on one became b'' as if it had been empty.
  const transferred = new ArrayBuffer(4);
  const view = new Uint8Array(transferred, 1, 2);
  structuredClone(transferred, { transfer: [transferred] });
  for (const value of [transferred, view, [view]]) {
    assert.throws(
      () => python.toPython(value),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message === "pyframe: cannot convert a detached ArrayBuffer (or a view of one) to Python: its bytes " +
            "went with a transfer (postMessage, structuredClone); convert it before transferring, or a copy of it",
    );
  }
});

test("toJS on a raw pointer converts a borrowed reference", () => {
  using list = python.toPython([1, [2, 3]]);
  assert.equal(toJS(list.pointer), [1, [2, 3]]);
});

test.run();
