/**
 * Strings and bytes across the boundary, exactly: every code point survives both ways, lone
 * surrogates included (UTF-8 cannot carry them, so such strings travel as UTF-16 with
 * `surrogatepass`). Callers hold the GIL. Private to src/python.
 *
 * @module
 */

import { cString, type Ptr, type Python, runtime } from "../ffi/mod.ts";

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text, not a byte order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const sizeOut = new BigInt64Array(1);
const surrogatePass = cString("surrogatepass");
const utf16LittleEndian = cString("utf-16-le");
// -1: little-endian, and a leading U+FEFF stays a character instead of being read as a BOM.
const littleEndian = new Int32Array(1);
const chunkUnits = 8192;
let scratch = new Uint8Array(1024);

/** A new reference to a Python `str` with the same code units as `text`, or 0 with an error set. */
export function stringToPython(py: Python, text: string): Ptr {
  if (!text.isWellFormed()) return surrogatesToPython(py, text);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  const { written } = encoder.encodeInto(text, scratch);
  return py.PyUnicode_FromStringAndSize(scratch, written);
}

function surrogatesToPython(py: Python, text: string): Ptr {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  littleEndian[0] = -1;
  return py.PyUnicode_DecodeUTF16(units, units.byteLength, surrogatePass, littleEndian);
}

// Short strings are copied as code points into JS memory and built with fromCharCode: reading
// native memory through a view costs ~500 ns per string (an external ArrayBuffer each time),
// fromCharCode ~4 ns per character. Long strings take the view and TextDecoder.
const shortLength = 128;
const codePoints = new Uint32Array(shortLength);
const codeUnits = new Uint16Array(2 * shortLength);

/** The text of a `str` object (borrowed), or undefined with a Python error set. */
export function stringToJS(py: Python, object: Ptr): string | undefined {
  const length = Number(py.PyUnicode_GetLength(object));
  if (length < 0) return undefined;
  if (length <= shortLength) return shortStringToJS(py, object, length);
  const data = py.PyUnicode_AsUTF8AndSize(object, sizeOut);
  if (data) return decoder.decode(runtime.view(data, Number(sizeOut[0])));
  // UnicodeEncodeError: the string holds lone surrogates.
  py.PyErr_Clear();
  const encoded = py.PyUnicode_AsEncodedString(object, utf16LittleEndian, surrogatePass);
  if (!encoded) return undefined;
  try {
    const bytes = bytesToJS(py, encoded)!;
    return unitsToString(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
  } finally {
    py.Py_DecRef(encoded);
  }
}

function shortStringToJS(py: Python, object: Ptr, length: number): string | undefined {
  if (length === 0) return "";
  if (!py.PyUnicode_AsUCS4(object, codePoints, shortLength, 0)) return undefined;
  let units = 0;
  for (let i = 0; i < length; i++) {
    const point = codePoints[i];
    if (point < 0x10000) {
      codeUnits[units++] = point; // Lone surrogates stay lone surrogates.
    } else {
      codeUnits[units++] = 0xd800 + ((point - 0x10000) >> 10);
      codeUnits[units++] = 0xdc00 + ((point - 0x10000) & 0x3ff);
    }
  }
  return String.fromCharCode.apply(null, codeUnits.subarray(0, units) as unknown as number[]);
}

const utf16Decoder = new TextDecoder("utf-16le", { ignoreBOM: true });

/**
 * The string of UTF-16 code units `units`. The decoder is fastest, but replaces lone surrogates;
 * with `loneSurrogates` the units are copied as they are.
 */
export function unitsToText(units: Uint16Array, loneSurrogates: boolean): string {
  return loneSurrogates ? unitsToString(units) : utf16Decoder.decode(units);
}

function unitsToString(units: Uint16Array): string {
  let text = "";
  for (let start = 0; start < units.length; start += chunkUnits) {
    text += String.fromCharCode(...units.subarray(start, start + chunkUnits));
  }
  return text;
}

/** A copy of a `bytes` object's contents. */
export function bytesToJS(py: Python, object: Ptr): Uint8Array | undefined {
  const data = py.PyBytes_AsString(object);
  if (!data) return undefined;
  return runtime.view(data, Number(py.PyBytes_Size(object))).slice();
}

/** A copy of a `bytearray` object's contents. */
export function byteArrayToJS(py: Python, object: Ptr): Uint8Array {
  const size = Number(py.PyByteArray_Size(object));
  return size === 0 ? new Uint8Array(0) : runtime.view(py.PyByteArray_AsString(object), size).slice();
}

/** A new `bytes` object holding a copy of `bytes`. */
export function bytesToPython(py: Python, bytes: Uint8Array | Uint8ClampedArray): Ptr {
  return py.PyBytes_FromStringAndSize(bytes.length ? bytes : null, bytes.length);
}
