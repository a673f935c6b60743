/**
 * `Frame`: what a Dynamo callback sees of a Python frame about to run. Fields are read from the
 * frame only when asked, and only during the callback (the frame belongs to CPython).
 *
 * @module
 */

import { cName, load, type Ptr } from "../ffi/mod.ts";
import {
  check,
  helperFunction,
  type JSValue,
  PyObject,
  PythonError,
  readString,
  toJS,
  withPython,
} from "../python/mod.ts";

const invalidate = Symbol("invalidate");
/** Only pyframe holds it, so only pyframe makes Frames: a made-up address would crash the process. */
const maker = Symbol("maker");
const withCode = Symbol("withCode");
const withFunction = Symbol("withFunction");
/** The key under which a Frame keeps what its code runs when it is no function's (`isFunction`). */
const nonFunctionCode = Symbol("nonFunctionCode");

/** Lets go of what the frames `error` went through held: the function, when no source was found. */
function releaseFrames(error: PyObject): void {
  using release = helperFunction("release_frames");
  release.call(error).dispose();
}

/** What `code` runs when it is not a def's or a lambda's (a str), else None. */
function describeNonFunction(code: PyObject): PyObject {
  using describe = helperFunction("non_function_code");
  return describe.call(code);
}

/**
 * A Python frame, passed to a {@link Dynamo} callback before its first instruction runs.
 *
 * @example
 * ```ts
 * import { Dynamo, python } from "@pyframe/dynamo";
 * python.exec("def greet(name):\n    return 'hi ' + name\n");
 * using _ = new Dynamo((frame) => {
 *   if (frame.name === "greet") console.log(frame.qualname, frame.locals.get("name"));
 * });
 * python.eval("greet('ada')"); // logs: greet ada
 * ```
 */
export class Frame {
  #address: Ptr;
  #code?: PyObject;
  #function?: PyObject;
  #locals?: Map<string, JSValue>;
  #source?: string;
  /** The code's fields read so far; made at the first (most callbacks see frames they ignore). */
  #attributes?: Map<string | typeof nonFunctionCode, JSValue>;

  /** @internal Made by the Dynamo trampoline (`frameAt`); `new Frame` throws. */
  constructor(address: Ptr, key?: symbol) {
    if (key !== maker) {
      throw new TypeError("pyframe: Frames are made by pyframe for Dynamo callbacks; a Frame cannot be constructed");
    }
    this.#address = address;
  }

  /** The code object about to run. */
  get code(): PyObject {
    return this.#code ??= PyObject.borrowed(load().native.pyframe_frame_code(this.#live("code")));
  }

  /** The function object being called. */
  get function(): PyObject {
    return this.#function ??= PyObject.borrowed(load().native.pyframe_frame_function(this.#live("function")));
  }

  /** `co_name`: the function's name. */
  get name(): string {
    return this.#codeAttribute("co_name", "name", readString) as string;
  }

  /** `co_qualname`: the dotted name, e.g. `Class.method` or `outer.<locals>.inner`. */
  get qualname(): string {
    return this.#codeAttribute("co_qualname", "qualname", readString) as string;
  }

  /** `co_filename`. */
  get filename(): string {
    return this.#codeAttribute("co_filename", "filename", readString) as string;
  }

  /** `co_firstlineno`: the line of the `def` (or of its first decorator). */
  get firstLineNo(): number {
    return this.#codeAttribute("co_firstlineno", "firstLineNo") as number;
  }

  /**
   * The function's source, dedented so it parses on its own (`inspect.getsource`; lines inside
   * multi-line strings keep their spaces). A module's top-level frame gives the module's whole text,
   * a class body's the class statement, a lambda's its own text when its lines do not parse alone;
   * code evaluating type parameters or a type alias's value (3.12+) gives the def, class or `type`
   * statement declaring them, and a comprehension or generator expression the statement at its
   * first line. Throws PythonError (OSError) when Python has no source for it, e.g. code built at
   * run time, and when the def at its lines is another function's: other arguments, or for a
   * nested function another qualified name (code claiming another function's lines, as
   * hypothesis's wrappers do, or a file edited since it was imported).
   */
  get source(): string {
    if (this.#source === undefined) {
      using codeSource = helperFunction("code_source");
      this.#source = this.#withCode("source", (code) =>
        this[withFunction]((fn) => {
          try {
            using text = codeSource.call(code, fn);
            return text.toString();
          } catch (error) {
            if (error instanceof PythonError && error.value) {
              void error.traceback; // formatted while the frames it names are still there
              releaseFrames(error.value);
            }
            throw error;
          }
        }));
    }
    return this.#source;
  }

  /**
   * Whether the frame runs a def's or a lambda's code: the code `ast.compile(tree, frame)` makes a
   * replacement for. False for a module's top-level code, a class body, a comprehension (3.11),
   * and code CPython makes of a statement's parts: setting up a generic's type parameters or
   * evaluating a type parameter's bound or default or a type alias's value (3.12+), and
   * evaluating annotations (3.14+: the `__annotate__` of a def, class or module, met whenever
   * annotations are read, by dataclasses or `typing.get_type_hints` too).
   *
   * @example
   * ```ts
   * import { ast, Dynamo, python } from "@pyframe/dynamo";
   * using _ = new Dynamo((frame) => {
   *   if (!frame.isFunction || frame.name !== "area") return;
   *   return ast.compile(ast.parse(frame.source), frame); // an identity rewrite
   * });
   * python.exec("def area(w: float, h: float) -> float:\n    return w * h\n");
   * python.eval("area(2, 3)"); // 6
   * ```
   */
  get isFunction(): boolean {
    return this.#codeAttribute(nonFunctionCode, "isFunction") === null;
  }

  /** The arguments by name, converted to JS values when first read. */
  get locals(): Map<string, JSValue> {
    if (this.#locals) return this.#locals;
    const address = this.#live("locals");
    const names = this.#argumentNames();
    const { native } = load();
    this.#locals = new Map(names.map((name, slot) => [name, valueOf(native.pyframe_frame_slot(address, slot))]));
    return this.#locals;
  }

  #argumentNames(): string[] {
    const names = this.#codeAttribute("co_varnames", "locals") as string[];
    const flags = this.#codeAttribute("co_flags", "locals") as number;
    const count = (this.#codeAttribute("co_argcount", "locals") as number) +
      (this.#codeAttribute("co_kwonlyargcount", "locals") as number) +
      (flags & 0x4 ? 1 : 0) + (flags & 0x8 ? 1 : 0);
    return names.slice(0, count);
  }

  /**
   * Runs `read` on the frame's code. Unless the user took `frame.code` (theirs to keep), the
   * reference is released at once: reading a field must not keep the code, and with it the
   * decision cached on it, alive until the JS garbage collector finalizes this Frame.
   */
  #withCode<T>(what: string, read: (code: PyObject) => T): T {
    if (this.#code) return read(this.#code);
    using code = PyObject.borrowed(load().native.pyframe_frame_code(this.#live(what)));
    return read(code);
  }

  /**
   * `name` of the frame's code (or what `nonFunctionCode` says of it), read once and converted by
   * `convert` (given a borrowed reference); `what` is the public field asked for, for errors.
   */
  #codeAttribute(
    name: string | typeof nonFunctionCode,
    what: string,
    convert: (value: Ptr) => JSValue = toJS,
  ): JSValue {
    this.#attributes ??= new Map();
    if (!this.#attributes.has(name)) {
      this.#attributes.set(
        name,
        name === nonFunctionCode
          ? this.#withCode(what, (code) => {
            using value = describeNonFunction(code);
            return value.toJS();
          })
          : this.#readCodeAttribute(name, what, convert),
      );
    }
    return this.#attributes.get(name)!;
  }

  /**
   * Attribute `name` of the frame's code, converted. With references held by hand, not PyObjects:
   * callbacks read `name`, `qualname` or `filename` of nearly every frame they see, and the two
   * PyObjects made for it (each registered with the JS garbage collector, then disposed) made
   * reading one cost six times the bare callback (Deno: 1.7 us against 0.28; now 0.5).
   */
  #readCodeAttribute(name: string, what: string, convert: (value: Ptr) => JSValue): JSValue {
    if (this.#code) {
      using value = this.#code.get(name); // The user's own code object: read after the callback too.
      return convert(value.pointer);
    }
    const address = this.#live(what);
    return withPython(({ py, native }) => {
      // Borrowed: the frame holds its code while the callback runs.
      const value = check(py.PyObject_GetAttrString(native.pyframe_frame_code(address), cName(name)));
      try {
        return convert(value);
      } finally {
        py.Py_DecRef(value);
      }
    });
  }

  #live(what: string): Ptr {
    if (!this.#address) {
      throw new ReferenceError(
        `pyframe: frame.${what} was first read after the Dynamo callback returned; ` +
          "read it inside the callback (the frame belongs to CPython once the callback ends)",
      );
    }
    return this.#address;
  }

  /** Shown by console.log in Deno: `Frame(Greeter.greet at /app/greet.py:12)`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  /** Shown by console.log in Bun (and Node). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  /** Never throws. After the callback only what was read during it can be shown. */
  #describe(): string {
    const over = this.#address ? "" : ", after its callback";
    try {
      if (!this.#address && !this.#attributes?.has("co_qualname")) return "Frame(<after its callback>)";
      return `Frame(${this.qualname} at ${this.#place()}${over})`;
    } catch (error) {
      return `Frame(<unreadable: ${error instanceof Error ? error.message : String(error)}>)`;
    }
  }

  /** `file:line`, from what can still be read. */
  #place(): string {
    if (this.#address) return `${this.filename}:${this.firstLineNo}`;
    const file = this.#attributes?.get("co_filename") ?? "?";
    const line = this.#attributes?.get("co_firstlineno") ?? "?";
    return `${file}:${line}`;
  }

  /** @internal Called by the trampoline when the callback returns. */
  [invalidate](): void {
    this.#address = 0;
  }

  /** @internal For the trampoline's own reads of the code (see #withCode). */
  [withCode]<T>(read: (code: PyObject) => T): T {
    return this.#withCode("code", read);
  }

  /** @internal For the trampoline's own reads of the function: like #withCode, kept only if the user took it. */
  [withFunction]<T>(read: (fn: PyObject) => T): T {
    if (this.#function) return read(this.#function);
    using fn = PyObject.borrowed(load().native.pyframe_frame_function(this.#live("function")));
    return read(fn);
  }
}

/** @internal */
export const invalidateFrame = (frame: Frame): void => frame[invalidate]();

/** @internal The Frame for a live `_PyInterpreterFrame` at `address`, for the Dynamo trampoline. */
export const frameAt = (address: Ptr): Frame => new Frame(address, maker);

/** @internal Runs `read` on the frame's code without the Frame keeping a reference to it. */
export const withFrameCode = <T>(frame: Frame, read: (code: PyObject) => T): T => frame[withCode](read);

/** @internal Runs `read` on the frame's function without the Frame keeping a reference to it. */
export const withFrameFunction = <T>(frame: Frame, read: (fn: PyObject) => T): T => frame[withFunction](read);

/** A slot is NULL only for an argument the frame has not bound (never for a fresh call). */
function valueOf(slot: Ptr): JSValue {
  return slot ? toJS(slot) : null;
}
