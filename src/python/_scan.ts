/**
 * Reading the plain items of a list, tuple or dict in one native call, for conversions to JS
 * (native.zig's `pyframe_sequence_scan` and `pyframe_dict_scan`): numbers, short strings, None,
 * True and False come back in arrays, which spares three or four native calls per item (in Deno
 * each also makes a bigint). The other items are left to the converter, by address. Callers hold
 * the GIL. Private to src/python.
 *
 * @module
 */

import { type Ptr, runtime } from "../ffi/mod.ts";
import type { Core } from "./_core.ts";
import type { JSValue } from "./convert.ts";
import { unitsToText } from "./_text.ts";

/** What the scan found an item to be (native.zig's ItemKind). */
const ItemKind = { other: 0, number: 1, none: 2, true: 3, false: 4, string: 5 } as const;

/** UTF-16 code units the scan may write per item, at most 4 Mi in all; strings beyond convert
 * one by one. */
const unitsPerItem = 32;
const unitsMax = 1 << 22;
/** Scans of up to this many items share one set of arrays (1.4 MiB at most, kept); longer ones
 * get arrays of their own, which the garbage collector takes back. */
const sharedItems = 1 << 14;
let shared = arraysFor(1024);

function arraysFor(items: number) {
  return {
    kinds: new Uint8Array(items),
    pointers: new BigUint64Array(items),
    numbers: new Float64Array(items),
    ends: new Uint32Array(items),
    units: new Uint16Array(Math.min(items * unitsPerItem, unitsMax)),
  };
}

type ScanArrays = ReturnType<typeof arraysFor>;

/** Arrays for scanning `items` items. The shared ones serve every scan in turn: each takes what it
 * needs from them (`take`) before its caller converts any nested value. */
function arraysForScan(items: number): ScanArrays {
  if (items > sharedItems) return arraysFor(items);
  if (shared.kinds.length < items) shared = arraysFor(Math.min(Math.max(items, shared.kinds.length * 2), sharedItems));
  return shared;
}

/** The items a scan left to the converter: their indices in the values, and their addresses. */
export interface Unscanned {
  indices: number[];
  addresses: Ptr[];
}

/**
 * Scans the first `length` items of a list or tuple: the plain ones are set in `values` at their
 * index, the others are returned.
 */
export function scanSequence(c: Core, sequence: Ptr, isTuple: boolean, length: number, values: JSValue[]): Unscanned {
  const arrays = arraysForScan(length);
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
  const arrays = arraysForScan(2 * size);
  const { kinds, pointers, numbers, ends, units } = arrays;
  const scanned = c.native.pyframe_dict_scan(dict, kinds, pointers, numbers, ends, size, units, units.length);
  return take(arrays, scanned, 2 * size, values);
}

/** Takes a scan's results out of the (maybe shared) arrays. */
function take(arrays: ScanArrays, scanned: number, count: number, values: JSValue[]): Unscanned {
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
