/**
 * Containers' plain items across the boundary in one native call each way (native/bulk.zig),
 * which spares two to four native calls per item (in Deno each also makes a bigint). To JS: a
 * list's, tuple's or dict's numbers, short strings, None, True and False come back in arrays, and
 * the other items are left to the converter, by address. To Python: an Array's numbers, strings,
 * null, undefined and booleans go in arrays, with the items the converter made, and fill the new
 * list. Callers hold the GIL. Private to src/python.
 *
 * @module
 */

import { type Ptr, runtime } from "../ffi/mod.ts";
import { check, type Core, isExactInt } from "./_core.ts";
import type { JSValue } from "./convert.ts";
import { stringToPython, unitsToText } from "./_text.ts";

/** What the scan found an item to be (native.zig's ItemKind). */
const ItemKind = { other: 0, number: 1, none: 2, true: 3, false: 4, string: 5 } as const;

/** UTF-16 code units a scan or fill may take per item, at most 4 Mi in all; strings beyond convert
 * one by one. */
const unitsPerItem = 32;
const unitsMax = 1 << 22;
/** Scans and fills of up to this many items share one set of arrays (1.4 MiB at most, kept);
 * longer ones get arrays of their own, which the garbage collector takes back. */
const sharedItems = 1 << 14;
let shared = newArrays(1024);

function newArrays(items: number) {
  return {
    kinds: new Uint8Array(items),
    pointers: new BigUint64Array(items),
    numbers: new Float64Array(items),
    ends: new Uint32Array(items),
    units: new Uint16Array(Math.min(items * unitsPerItem, unitsMax)),
  };
}

type BulkArrays = ReturnType<typeof newArrays>;

/** Arrays for `items` items. The shared ones serve every scan and fill in turn: a scan's results
 * are taken out (`take`) before its caller converts any nested value, and a fill's arrays are
 * written after the items it does not take are converted. */
function arraysFor(items: number): BulkArrays {
  if (items > sharedItems) return newArrays(items);
  if (shared.kinds.length < items) shared = newArrays(Math.min(Math.max(items, shared.kinds.length * 2), sharedItems));
  return shared;
}

/** The items a scan left to the converter: their indices in the values, and their addresses, each
 * a new reference the converter releases. */
export interface Unscanned {
  indices: number[];
  addresses: Ptr[];
}

/**
 * Scans the first `length` items of a list or tuple: the plain ones are set in `values` at their
 * index, the others are returned.
 */
export function scanSequence(c: Core, sequence: Ptr, isTuple: boolean, length: number, values: JSValue[]): Unscanned {
  const arrays = arraysFor(length);
  const { kinds, pointers, numbers, ends, units } = arrays;
  const scanned = c.native.pyframe_sequence_scan(
    sequence,
    isTuple ? 1 : 0,
    kinds,
    pointers,
    numbers,
    ends,
    length,
    units,
    units.length,
  );
  return take(arrays, scanned, length, values);
}

/**
 * Scans the first `size` entries of a dict: entry j's key goes to `values[2j]`, its value to
 * `values[2j + 1]` when plain; the others are returned.
 */
export function scanDict(c: Core, dict: Ptr, size: number, values: JSValue[]): Unscanned {
  const arrays = arraysFor(2 * size);
  const { kinds, pointers, numbers, ends, units } = arrays;
  const scanned = c.native.pyframe_dict_scan(dict, kinds, pointers, numbers, ends, size, units, units.length);
  return take(arrays, scanned, 2 * size, values);
}

/** Takes a scan's results out of the (maybe shared) arrays. */
function take(arrays: BulkArrays, scanned: number, count: number, values: JSValue[]): Unscanned {
  const { kinds, pointers, numbers, ends, units } = arrays;
  // All the strings' code units decoded at once, then sliced: far cheaper than one decode each.
  const text = unitsToText(units.subarray(0, scanned & 0x7fffffff), scanned >>> 31 === 1);
  const indices: number[] = [], addresses: Ptr[] = [];
  for (let i = 0; i < count; i++) {
    switch (kinds[i]) {
      case ItemKind.number:
        values[i] = numbers[i];
        break;
      case ItemKind.string:
        values[i] = text.slice(numbers[i], ends[i]);
        break;
      case ItemKind.none:
        values[i] = null;
        break;
      case ItemKind.true:
        values[i] = true;
        break;
      case ItemKind.false:
        values[i] = false;
        break;
      default:
        indices.push(i);
        addresses.push(runtime.pointer(pointers[i]));
    }
  }
  return { indices, addresses };
}

/** What an Array's item is, for `pyframe_list_fill` (native/bulk.zig's FillKind). */
const FillKind = { converted: 0, int: 1, none: 2, true: 3, false: 4, string: 5, float: 6 } as const;

/** Whether `fillList` takes `value` itself (else the caller converts it first). */
export function isFillable(value: unknown): boolean {
  const type = typeof value;
  return type === "number" || type === "string" || type === "boolean" || value === undefined || value === null;
}

/** An Array's length, checked: a Proxy's can be anything. */
export function countOf(values: readonly unknown[]): number {
  const length: unknown = values.length;
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw new TypeError(`pyframe: cannot convert an Array whose length is ${String(length)}, not a count of items`);
  }
  return length;
}

/** Throws if the Array's length is no longer `length` (a getter or Proxy changed it midway). */
export function refuseChangedLength(values: readonly unknown[], length: number): void {
  if (values.length !== length) throw arrayChanged();
}

function arrayChanged(): Error {
  return new Error("pyframe: the Array changed while it was converted");
}

/**
 * Sets every item of `list` (new, of `length` NULL items) from the first `length` of `values`:
 * each item that `isFillable` takes from the Array, the others from `converted`, new references
 * at their index which this call owns from the start (the list takes them, or they are released
 * if it throws).
 */
export function fillList(c: Core, list: Ptr, values: readonly unknown[], length: number, converted: Ptr[]): void {
  const { kinds, numbers, ends, pointers, units } = arraysFor(length);
  let written = 0;
  try {
    for (let i = 0; i < length; i++) {
      const value = values[i];
      if (converted[i] !== undefined) {
        kinds[i] = FillKind.converted;
        pointers[i] = BigInt(converted[i]);
        continue;
      }
      switch (typeof value) {
        case "number":
          kinds[i] = isExactInt(value) ? FillKind.int : FillKind.float;
          numbers[i] = value;
          break;
        case "string": {
          if (written + value.length > units.length) {
            converted[i] = check(stringToPython(c.py, value)); // No room left: made on its own.
            kinds[i] = FillKind.converted;
            pointers[i] = BigInt(converted[i]);
            break;
          }
          // Code units as they are (lone surrogates too): the native side decodes them with surrogatepass.
          for (let k = 0; k < value.length; k++) units[written + k] = value.charCodeAt(k);
          kinds[i] = FillKind.string;
          numbers[i] = written;
          ends[i] = written += value.length;
          break;
        }
        case "boolean":
          kinds[i] = value ? FillKind.true : FillKind.false;
          break;
        default:
          // A getter or Proxy can answer otherwise than when the caller looked (isFillable).
          if (value !== null && value !== undefined) {
            throw arrayChanged();
          }
          kinds[i] = FillKind.none;
      }
    }
    refuseChangedLength(values, length);
  } catch (error) {
    for (const item of converted) if (item !== undefined) c.py.Py_DecRef(item);
    throw error;
  }
  // From here the native side owns the converted items: in the list, or released on failure.
  if (c.native.pyframe_list_fill(list, kinds, numbers, ends, units, pointers, length) !== 0) check(0);
}
