/**
 * Conversions between Python objects and JS values.
 *
 * Python → JS: int → number (bigint beyond 2^53), float → number, str → string, bool → boolean,
 * None → null, list/tuple → Array, dict → Map, anything else → PyObject.
 * JS → Python: number → int when integral and safe, else float; bigint → int; string → str;
 * boolean → bool; null/undefined → None; Array → list; Map and plain objects → dict;
 * PyObject → itself.
 *
 * @module
 */

import { cString, type Ptr } from "../ffi/mod.ts";
import { check, checkStatus, open, readString } from "./_core.ts";
import { PyObject } from "./object.ts";

/** What {@link toJS} can return. */
export type JSValue = null | boolean | number | bigint | string | JSValue[] | Map<JSValue, JSValue> | PyObject;

const overflowOut = new Int32Array(1);
const encoder = new TextEncoder();

/** Converts a Python object (borrowed) to a JS value. */
export function toJS(object: Ptr): JSValue {
  const c = open();
  const { py, types } = c;
  if (object === c.none) return null;
  if (object === c.true) return true;
  if (object === c.false) return false;
  const type = check(py.PyObject_Type(object));
  py.Py_DecRef(type); // Types of these objects outlive them; only the address is compared.
  switch (type) {
    case types.int:
      return intToJS(object);
    case types.float:
      return py.PyFloat_AsDouble(object);
    case types.str:
      return readString(object);
    case types.list:
      return sequenceToJS(object, py.PyList_Size(object), py.PyList_GetItem);
    case types.tuple:
      return sequenceToJS(object, py.PyTuple_Size(object), py.PyTuple_GetItem);
    case types.dict:
      return dictToJS(object);
    default:
      return PyObject.borrowed(object);
  }
}

function intToJS(object: Ptr): number | bigint {
  const { py } = open();
  const value = py.PyLong_AsLongLongAndOverflow(object, overflowOut);
  if (overflowOut[0] !== 0) return BigInt(new PyObject(check(py.PyObject_Str(object))).toString());
  if (value === -1 && py.PyErr_Occurred()) check(0);
  // Deno answers i64 with a bigint, Bun with a number when it fits: normalise to the documented rule.
  const asNumber = Number(value);
  if (Number.isSafeInteger(asNumber)) return asNumber;
  return typeof value === "bigint" ? value : BigInt(new PyObject(check(py.PyObject_Str(object))).toString());
}

function sequenceToJS(object: Ptr, size: number | bigint, item: (object: Ptr, index: number) => Ptr): JSValue[] {
  const length = Number(size);
  const result: JSValue[] = new Array(length);
  for (let i = 0; i < length; i++) result[i] = toJS(check(item(object, i)));
  return result;
}

function dictToJS(object: Ptr): Map<JSValue, JSValue> {
  const { py } = open();
  const position = new BigInt64Array(1), key = new BigUint64Array(1), value = new BigUint64Array(1);
  const result = new Map<JSValue, JSValue>();
  while (py.PyDict_Next(object, position, key, value)) result.set(toJS(Number(key[0])), toJS(Number(value[0])));
  return result;
}

/** Converts a JS value to a new reference to a Python object. */
export function toPython(value: unknown): Ptr {
  const c = open();
  const { py } = c;
  switch (typeof value) {
    case "undefined":
      py.Py_IncRef(c.none);
      return c.none;
    case "boolean":
      return check(py.PyBool_FromLong(value ? 1 : 0));
    case "number":
      return check(Number.isSafeInteger(value) ? py.PyLong_FromLongLong(value) : py.PyFloat_FromDouble(value));
    case "bigint":
      return check(py.PyLong_FromString(cString(value.toString()), 0, 10));
    case "string": {
      const bytes = encoder.encode(value);
      return check(py.PyUnicode_FromStringAndSize(bytes, bytes.length));
    }
  }
  if (value === null) {
    py.Py_IncRef(c.none);
    return c.none;
  }
  if (value instanceof PyObject) {
    py.Py_IncRef(value.pointer);
    return value.pointer;
  }
  if (Array.isArray(value)) return listToPython(value);
  if (value instanceof Map) return dictToPython(value.entries());
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    return dictToPython(Object.entries(value as Record<string, unknown>));
  }
  throw new TypeError(
    `pyframe: cannot convert ${Object.prototype.toString.call(value)} to Python; ` +
      "pass a number, bigint, string, boolean, null, Array, Map, plain object or PyObject",
  );
}

function listToPython(values: unknown[]): Ptr {
  const { py } = open();
  const list = check(py.PyList_New(values.length));
  try {
    values.forEach((item, i) => py.PyList_SetItem(list, i, toPython(item)));
  } catch (error) {
    py.Py_DecRef(list);
    throw error;
  }
  return list;
}

function dictToPython(entries: Iterable<[unknown, unknown]>): Ptr {
  const { py } = open();
  const dict = check(py.PyDict_New());
  try {
    for (const [key, item] of entries) {
      const k = toPython(key), v = toPython(item);
      const status = py.PyDict_SetItem(dict, k, v);
      py.Py_DecRef(k);
      py.Py_DecRef(v);
      checkStatus(status);
    }
  } catch (error) {
    py.Py_DecRef(dict);
    throw error;
  }
  return dict;
}
