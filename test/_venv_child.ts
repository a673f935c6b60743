/**
 * Test support, run as its own process by bridge_venv_test.ts with VIRTUAL_ENV set and
 * PYFRAME_PYTHON unset: reports what the embedded interpreter sees of the venv, and uses numpy
 * (a C extension installed only there) from TypeScript. Prints one JSON line.
 */
import { load } from "../src/ffi/mod.ts";
import { kw, python } from "../src/python/mod.ts";

using sys = python.import("sys");
using tomli = python.import("tomli_w");
using np = python.import("numpy");
using matrix = np.get("arange").call(6, kw({ dtype: "int64" })).callMethod("reshape", 2, 3);
using total = matrix.callMethod("sum");
using bytes = np.get("arange").call(4, kw({ dtype: "uint8" }));
using builtins = python.builtins;
using view = builtins.get("memoryview").call(bytes);
using fromJS = np.get("frombuffer").call(new Uint8Array([1, 2, 3]), kw({ dtype: "uint8" }));
using mean = fromJS.callMethod("mean");

console.log(JSON.stringify({
  executable: load().install.executable,
  prefix: sys.get("prefix").toJS(),
  basePrefix: sys.get("base_prefix").toJS(),
  path: sys.get("path").toJS(),
  tomliFile: tomli.get("__file__").toJS(),
  toml: tomli.get("dumps").call({ answer: 42 }).toJS(),
  numpyFile: np.get("__file__").toJS(),
  numpyVersion: np.get("__version__").toJS(),
  sum: total.callMethod("item").toJS(),
  sumType: total.typeName,
  matrix: matrix.callMethod("tolist").toJS(),
  view: Array.from(view.toJS() as Uint8Array),
  mean: builtins.get("float").call(mean).toJS(),
}));
