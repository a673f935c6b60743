//! The eval-frame function: decides natively when it can, asks JS once per code object otherwise,
//! and runs replacement code in the frame CPython already pushed.
//!
//! Replacement strategy: a fresh frame has only its argument slots filled (cells are made by
//! MAKE_CELL and free variables copied by COPY_FREE_VARS once the code starts). So the frame
//! CPython pushed is rebuilt in place for the replacement: code (and, for generator-like code,
//! function) swapped, the remaining local slots nulled, the instruction pointer reset, the frame
//! grown on the data stack when the replacement needs more words. CPython then runs, clears and
//! pops it exactly as it would the original, on every path, so no version-specific push/pop/clear
//! helper (unexported on 3.11/3.12) has to be reimplemented.

const std = @import("std");
const cpython = @import("cpython.zig");
const layouts = @import("layouts.zig");
const cache = @import("cache.zig");
const refs = @import("refs.zig");
const hot_path = @import("hot_path.zig");
const stack = @import("stack.zig");
const init_shortcut = @import("init_shortcut.zig");

const PyObject = cpython.PyObject;
const PyThreadState = cpython.PyThreadState;
const Frame = cpython.Frame;
const Layout = layouts.Layout;

pub const Mode = enum(u8) {
    /// Cached decisions, JS on a miss.
    normal = 0,
    /// Forward every frame untouched: the cost floor of having any eval-frame function installed.
    passthrough = 1,
    /// Cached decisions only; a miss runs the original code without calling JS.
    run_only = 2,
};

/// What JS answered (the callback's return value).
pub const Answer = enum(i32) {
    failed = -1,
    original = 0,
    replace = 1,
    skip = 2,
    skip_tree = 3,
    ask_again = 4,
    /// Ask again next time, and run the pending replacement this time.
    replace_once = 5,
    _,
};

pub const Callback = *const fn (*Frame) callconv(.c) i32;

/// Python levels a callback may use beyond the program's recursion limit (see `callWithHeadroom`):
/// reading a frame's source and compiling its rewrite take a few dozen.
const callback_recursion_headroom: c_int = 100;

/// Set for functions' code; a class body's and module code keep their names in f_locals.
const co_optimized: u32 = 0x01;
const co_varargs: u32 = 0x04;
const co_varkeywords: u32 = 0x08;
const co_generator: u32 = 0x20;
const co_coroutine: u32 = 0x80;
const co_iterable_coroutine: u32 = 0x100;
const co_async_generator: u32 = 0x200;
/// Code whose first run creates a generator object sized from the *function's* code.
const co_generator_like = co_generator | co_coroutine | co_iterable_coroutine | co_async_generator;

/// Everything the hook reads; owned by the JS thread.
pub const State = struct {
    api: *const cpython.Api,
    /// The only thread allowed to call JS.
    js_tstate: ?*PyThreadState = null,
    /// The thread whose frames may take a cached swap now: the JS thread while nothing in `quiet`
    /// holds, else none (so the hot path makes one comparison for both). Kept by `setQuiet`.
    swap_thread: ?*PyThreadState = null,
    /// Its interpreter's sys.monitoring events (3.12+): one byte per event (15 or 16, the
    /// layout's `interp_global_events`), read on every frame that may be rewritten.
    monitors: ?[*]const u8 = null,
    callback: ?Callback = null,
    previous: cpython.EvalFrameFn,
    /// Which Dynamo's decisions hold; change it with `setLayer`, which keeps `keys` in step.
    layer: u32 = 0,
    keys: cache.Keys = cache.Keys.of(0),
    mode: Mode = .normal,
    /// Change it only through `setQuiet`.
    quiet: Quiet = .{},
    /// Frames of this code run as they are: the copy `runByCall` calls (set while it runs).
    bypass_code: ?*PyObject = null,
    /// Replacement handed over by `pyframe_decide_replace` during the current callback.
    pending: ?*PyObject = null,
    /// Frames the JS thread starts below this stack position are refused with a RecursionError
    /// (0: the stack's end is unknown, or CPython guards it itself: `Layout.c_stack_checked`);
    /// other threads' frames below it are checked against their own stack. Set by
    /// `pyframe_hook_install`.
    c_floor: usize = 0,
    /// Below this stack position JS is not called (0: anywhere). Lowered by `pyframe_js_stack_mark`.
    js_floor: usize = 0,
    js_calls: u64 = 0,
    replaced_frames: u64 = 0,
    /// Frames that started too deep in the stack for JS, run as they are without asking it.
    too_deep_for_js: u64 = 0,
    /// Tests only: take the call fallback for every replacement.
    force_call_fallback: bool = false,
    /// Set in a child process forked from the JS host (fork.zig): only the forking thread survives
    /// a fork, the JS engine's do not, so JS is never called there.
    in_forked_child: bool = false,

    /// Sets `quiet`, keeping `swap_thread` in step (also after a change of `js_tstate`). Every
    /// change of `quiet` is undone in reverse order, so a saved value is restored as it was.
    pub fn setQuiet(s: *State, quiet: Quiet) void {
        s.quiet = quiet;
        s.swap_thread = if (quiet.any()) null else s.js_tstate;
    }
};

/// Why frames run unchanged whatever was decided for their code; all clear on the hot path, which
/// reads it as one word.
pub const Quiet = packed struct(u64) {
    /// Our callback is running: its Python (and the user's) runs unchanged.
    in_callback: bool = false,
    /// `runByCall` is running: frames of `bypass_code` run as they are.
    bypassing: bool = false,
    _unused: u30 = 0,
    /// Frames of skip_tree code on the stack.
    skip_depth: u32 = 0,

    inline fn any(quiet: Quiet) bool {
        return @as(u64, @bitCast(quiet)) != 0;
    }

    /// `quiet` with one field changed.
    fn with(quiet: Quiet, comptime name: []const u8, value: @FieldType(Quiet, name)) Quiet {
        var changed = quiet;
        @field(changed, name) = value;
        return changed;
    }
};

pub fn setLayer(layer: u32) void {
    state.layer = layer;
    state.keys = cache.Keys.of(layer);
}

pub var state: State = undefined;

/// The bound C API, for the native modules outside the hook (set by `pyframe_open`).
pub fn boundApi() *const cpython.Api {
    return state.api;
}

pub fn Engine(comptime layout: Layout) type {
    return struct {
        /// The eval-frame function for slots placed `where` in co_extra blocks (cache.Placement:
        /// when they lead, the hot paths read them without checking the block's size).
        pub fn evalFrame(comptime where: cache.Placement) cpython.EvalFrameFn {
            return struct {
                /// Every frame first passes the stack check (stack.zig: one comparison while the
                /// stack pointer is above the JS thread's floor). Then the hot paths, in as few
                /// instructions as they can take: a frame whose code was decided "original" runs
                /// as it is whatever else holds (another thread, tracing, a resumed generator:
                /// each would run it unchanged too); a frame decided "swap" takes its replacement
                /// when nothing asks for the default path. All else goes the general way.
                fn evalFrame(tstate: *PyThreadState, frame: *Frame, throwflag: c_int) callconv(.c) ?*PyObject {
                    @setRuntimeSafety(hot_path.safety);
                    if (stack.position() < state.c_floor) return nearStackEnd(tstate, frame, throwflag);
                    return evalCached(where, tstate, frame, throwflag);
                }
            }.evalFrame;
        }

        inline fn evalCached(comptime where: cache.Placement, tstate: *PyThreadState, frame: *Frame, throwflag: c_int) ?*PyObject {
            @setRuntimeSafety(hot_path.safety);
            const s = &state;
            if (s.mode == .passthrough) return s.previous(tstate, frame, throwflag);
            const code = frameCode(frame);
            if (cache.slotsOf(code, layout.code_extra, where)) |slots| {
                const decision = slots[0];
                if (decision == s.keys.original) return s.previous(tstate, frame, throwflag);
                if (decision == s.keys.swap and maySwap(tstate, frame, code)) {
                    return swapSameSize(tstate, frame, cache.replacementIn(slots).code, throwflag);
                }
                if (decision == s.keys.swap_resized and maySwap(tstate, frame, code)) {
                    const replacement = cache.replacementIn(slots);
                    return swapResized(tstate, frame, replacement.code, replacement.locals, throwflag);
                }
            }
            return evalGeneral(tstate, frame, throwflag);
        }

        /// Nothing asks for this frame of swap-decided code to run unchanged: the JS thread with
        /// nothing quiet (no callback, skipped tree or call fallback running: `swap_thread`), no
        /// tracing, and a frame the thread owns. Swaps are decided only where neither code is
        /// generator-like (`howToRun`), and CPython hands the eval-frame function a thread-owned
        /// frame of such code only from `_PyEval_Vector`: fresh, and never with the throw flag
        /// (only generators are thrown into). So ownership stands for `isFresh` here, and the flag
        /// is passed on as it came.
        inline fn maySwap(tstate: *PyThreadState, frame: *Frame, code: *PyObject) bool {
            @setRuntimeSafety(hot_path.safety);
            const s = &state;
            if (hot_path.safety) std.debug.assert(s.swap_thread == (if (s.quiet.any()) null else s.js_tstate));
            return tstate == s.swap_thread and
                field(u8, frame, layout.frame_owner).* == layouts.frame_owned_by_thread and !isTracing(tstate, code);
        }

        noinline fn evalGeneral(tstate: *PyThreadState, frame: *Frame, throwflag: c_int) ?*PyObject {
            const s = &state;
            const code = frameCode(frame);
            // 3.13 builds that keep their shortcut into `__init__` (init_shortcut.zig): every
            // `__init__` frame comes here, whatever was decided, to keep its call site generic.
            if (layout.init_shortcut != null and init_shortcut.isInitCode(code)) init_shortcut.keepCallerGeneric(tstate);
            if (s.mode == .passthrough or tstate != s.js_tstate or throwflag != 0 or s.quiet.in_callback or
                s.quiet.skip_depth != 0 or code == s.bypass_code or !isFresh(frame) or isTracing(tstate, code))
            {
                return s.previous(tstate, frame, throwflag);
            }
            switch (cache.find(code, s.layer, layout.code_extra)) {
                .miss => {},
                .decided => |kind| switch (kind) {
                    .original, .skip => return s.previous(tstate, frame, 0),
                    .skip_tree => return runSkippingTree(tstate, frame),
                    .ask_again => {},
                    .swap, .swap_resized, .rebuild => unreachable, // Replacements are their own lookups.
                },
                .swap => |replacement| return swapSameSize(tstate, frame, replacement.code, 0),
                .swap_resized => |replacement| return swapResized(tstate, frame, replacement.code, replacement.locals, 0),
                .rebuild => |replacement| return runReplacement(tstate, frame, replacement.code),
            }
            if (s.mode == .run_only) return s.previous(tstate, frame, 0);
            return decide(tstate, frame, code);
        }

        /// A frame CPython has just pushed and not started: owned by the thread, not a resumed
        /// generator or coroutine, instruction pointer at the first code unit.
        inline fn isFresh(frame: *Frame) bool {
            if (field(u8, frame, layout.frame_owner).* != layouts.frame_owned_by_thread) return false;
            const code = frameCode(frame);
            return field(usize, frame, layout.frame_instr).* == startInstr(code);
        }

        /// sys.settrace / sys.setprofile on this thread (3.11), or any sys.monitoring event on (3.12+,
        /// where settrace and setprofile are monitoring tools themselves): for every code object,
        /// or set on `code` alone (sys.monitoring.set_local_events, how debuggers set breakpoints).
        inline fn isTracing(tstate: *PyThreadState, code: *PyObject) bool {
            @setRuntimeSafety(hot_path.safety);
            if (layout.code_monitoring) |monitoring| {
                const local = field(?[*]const u8, code, monitoring).*;
                return anyEvent(layout.interp_global_events, state.monitors.?) or (local != null and anyEvent(layout.code_local_events, local.?));
            }
            // One test for both (no short circuit: both words share a line of the thread state).
            const tracefunc = @intFromPtr(field(?*anyopaque, tstate, layout.tstate_c_tracefunc).*);
            return tracefunc | @intFromPtr(field(?*anyopaque, tstate, layout.tstate_c_profilefunc).*) != 0;
        }

        /// Whether any of `count` (8 to 16) bytes, one per event, names a tool: read as two words
        /// that overlap where `count` is under 16, as the bytes after them belong to another field.
        inline fn anyEvent(comptime count: usize, events: [*]const u8) bool {
            @setRuntimeSafety(hot_path.safety);
            comptime std.debug.assert(count >= 8 and count <= 16);
            return std.mem.readInt(u64, events[0..8], .little) | std.mem.readInt(u64, events[count - 8 ..][0..8], .little) != 0;
        }

        /// A frame started below the JS thread's stack floor: on the JS thread, or on another
        /// thread (whose stack lies elsewhere) below that thread's own floor, too little C stack is
        /// left to run it and unwind. A RecursionError, as CPython raises when Python code recurses
        /// past its own limit. (A frame thrown into keeps its exception and runs.)
        noinline fn nearStackEnd(tstate: *PyThreadState, frame: *Frame, throwflag: c_int) ?*PyObject {
            const near_end = tstate == state.js_tstate or stack.position() < stack.cachedFloorOfThisThread();
            if (!near_end or throwflag != 0) return evalCached(.after_others, tstate, frame, throwflag);
            state.api.PyErr_SetString(
                state.api.PyExc_RecursionError.*,
                "maximum recursion depth exceeded: the C stack is nearly full (with pyframe's eval-frame " ++
                    "function installed, every Python call uses it; lower sys.setrecursionlimit to fit)",
            );
            return unwind(tstate, frame);
        }

        /// The callback, with the recursion limit raised by `callback_recursion_headroom` while
        /// it runs: its Python (pyframe's helpers reading the frame, compiling a rewrite) runs on
        /// the program's stack, and a frame started just under the program's limit (CPython's
        /// test.support.infinite_recursion sets it a few levels above the current depth) must not
        /// fail for pyframe's own frames. The C stack keeps its own checks. The limit is put back
        /// unless the callback set another.
        fn callWithHeadroom(frame: *Frame) i32 {
            const api = state.api;
            const limit = api.Py_GetRecursionLimit();
            const raised = limit +| callback_recursion_headroom;
            api.Py_SetRecursionLimit(raised);
            defer if (api.Py_GetRecursionLimit() == raised) api.Py_SetRecursionLimit(limit);
            return state.callback.?(frame);
        }

        noinline fn decide(tstate: *PyThreadState, frame: *Frame, code: *PyObject) ?*PyObject {
            const s = &state;
            if (layout.init_shortcut != null) init_shortcut.keepSitesOf(code);
            if (stack.position() < s.js_floor) {
                // JS cannot be entered this deep (see stack.zig). Not cached: a frame of this code
                // started higher up asks JS as usual.
                s.too_deep_for_js += 1;
                return s.previous(tstate, frame, 0);
            }
            // Code first met in a forked child runs as it is (cached decisions still apply).
            if (s.in_forked_child) return s.previous(tstate, frame, 0);
            std.debug.assert(s.pending == null);
            // The callback may open or close Dynamos: its answer belongs to the layer it was asked in.
            const layer = s.layer;
            // The frame in hand was pushed before any decision; measure it before the code grows.
            const pushed_words = frameWords(code);
            const outer_quiet = s.quiet;
            s.setQuiet(outer_quiet.with("in_callback", true));
            s.js_calls += 1;
            const answer: Answer = @enumFromInt(callWithHeadroom(frame));
            s.setQuiet(outer_quiet);
            const pending = s.pending;
            s.pending = null;
            switch (answer) {
                .original, .skip, .skip_tree, .ask_again => {
                    s.api.Py_DecRef(pending);
                    const kind: cache.Kind = switch (answer) {
                        .original => .original,
                        .skip => .skip,
                        .skip_tree => .skip_tree,
                        else => .ask_again,
                    };
                    _ = cache.storeDecision(code, layer, kind);
                    if (answer == .skip_tree) return runSkippingTree(tstate, frame);
                    return s.previous(tstate, frame, 0);
                },
                .replace, .replace_once => {
                    const replacement = pending orelse return fail(tstate, frame, "pyframe: the callback answered 'replace' without handing over a code object");
                    // Later frames of this code are pushed large enough for the replacement, so
                    // they never need to grow on the data stack.
                    reserveWords(code, frameWords(replacement));
                    if (answer == .replace_once) {
                        _ = cache.storeDecision(code, layer, .ask_again);
                        defer s.api.Py_DecRef(replacement);
                        return runReplacementSized(tstate, frame, replacement, pushed_words);
                    }
                    // The cache owns the replacement from here; the frame takes its own reference.
                    if (!cache.storeReplacement(code, layer, withLocals(replacement), howToRun(code, replacement))) {
                        return fail(tstate, frame, "pyframe: out of memory while caching a decision");
                    }
                    return runReplacementSized(tstate, frame, replacement, pushed_words);
                },
                .failed => {
                    s.api.Py_DecRef(pending);
                    if (s.api.PyErr_Occurred() == null) {
                        return fail(tstate, frame, stack.js_error_escaped);
                    }
                    return unwind(tstate, frame);
                },
                _ => {
                    s.api.Py_DecRef(pending);
                    return fail(tstate, frame, "pyframe: the frame callback returned an unknown answer");
                },
            }
        }

        /// A replacement with its local slot count, as the cache keeps it.
        fn withLocals(replacement: *PyObject) cache.Replacement {
            return .{ .code = replacement, .locals = @intCast(codeInt(i32, replacement, layout.code_nlocalsplus)) };
        }

        /// How later frames of `code` take `replacement`: by a swap on the hot path (one that
        /// leaves the frame's local slots as they are when the counts match), unless either code
        /// is generator-like (its function is copied, and its frames are resumed), either is
        /// immortal (3.12+: the hot path counts references without looking), or tests force the
        /// call fallback.
        fn howToRun(code: *PyObject, replacement: *PyObject) cache.Kind {
            if (state.force_call_fallback) return .rebuild;
            const flags = codeInt(u32, code, layout.code_flags) | codeInt(u32, replacement, layout.code_flags);
            if (flags & co_generator_like != 0) return .rebuild;
            if (refs.isImmortal(code) or refs.isImmortal(replacement)) return .rebuild;
            const same_size = codeInt(i32, code, layout.code_nlocalsplus) == codeInt(i32, replacement, layout.code_nlocalsplus);
            return if (same_size) .swap else .swap_resized;
        }

        /// Swaps `replacement`, which has as many local slots, into a fresh frame of the code it
        /// replaces (pushed large enough: `reserveWords` ran when the decision was made).
        inline fn swapSameSize(tstate: *PyThreadState, frame: *Frame, replacement: *PyObject, throwflag: c_int) ?*PyObject {
            @setRuntimeSafety(hot_path.safety);
            swapInPlace(frame, replacement, .mortal);
            return state.previous(tstate, frame, throwflag);
        }

        /// `swapSameSize` for a replacement with another local count, which comes from the cache:
        /// reading it off the code object would touch a line nothing else reads here. (Arguments
        /// in registers, so that the hot path calls it as its last act, saving no registers.)
        noinline fn swapResized(tstate: *PyThreadState, frame: *Frame, replacement: *PyObject, locals: usize, throwflag: c_int) ?*PyObject {
            @setRuntimeSafety(hot_path.safety);
            resizeLocals(frame, locals);
            swapInPlace(frame, replacement, .mortal);
            return state.previous(tstate, frame, throwflag);
        }

        /// Gives a fresh frame `locals` local slots: those beyond the original's nulled, the
        /// value stack starting above them.
        inline fn resizeLocals(frame: *Frame, locals: usize) void {
            @setRuntimeSafety(hot_path.safety);
            // CPython pushes a fresh frame with its stack top at the code's local count.
            const from = stackTop(frame);
            if (hot_path.safety) std.debug.assert(from == codeInt(u32, frameCode(frame), layout.code_nlocalsplus));
            if (locals > from) @memset(localsplus(frame)[from..locals], empty_slot);
            setStackTop(frame, locals);
        }

        /// The value stack's top, as a count of slots above localsplus.
        inline fn stackTop(frame: *Frame) usize {
            @setRuntimeSafety(hot_path.safety);
            if (!layout.frame_stacktop_is_pointer) return @intCast(field(c_int, frame, layout.frame_stacktop).*);
            return (field(usize, frame, layout.frame_stacktop).* - @intFromPtr(localsplus(frame))) / @sizeOf(usize);
        }

        inline fn setStackTop(frame: *Frame, slots: usize) void {
            @setRuntimeSafety(hot_path.safety);
            if (!layout.frame_stacktop_is_pointer) {
                field(c_int, frame, layout.frame_stacktop).* = @intCast(slots);
            } else {
                field(usize, frame, layout.frame_stacktop).* = @intFromPtr(localsplus(frame) + slots);
            }
        }

        /// What is known of the two code objects' references when one is swapped for the other.
        const Counts = enum {
            /// Neither is immortal (`howToRun` made sure), and the frame's function holds the
            /// original, so the frame's reference is never its last: the hot path's swaps.
            mortal,
            /// Either may be immortal; the frame's function holds the original.
            held_elsewhere,
            /// Either may be immortal; maybe nobody else holds the original (the frame's function
            /// was swapped for a copy).
            maybe_last,
        };

        /// Swaps the replacement into the frame (its local slots already fitted by `resizeLocals`
        /// where the counts differ): code and instruction pointer.
        inline fn swapInPlace(frame: *Frame, replacement: *PyObject, counts: Counts) void {
            @setRuntimeSafety(hot_path.safety);
            const code_slot = field(usize, frame, layout.frame_code);
            const original = frameCode(frame);
            if (hot_path.safety) {
                std.debug.assert(frameWords(original) >= frameWords(replacement));
                std.debug.assert(stackTop(frame) == codeInt(u32, replacement, layout.code_nlocalsplus));
            }
            switch (counts) {
                .mortal => {
                    // Both mortal: the frame's references are plain pointers on every version.
                    if (hot_path.safety) std.debug.assert(code_slot.* == @intFromPtr(original));
                    refs.increfMortal(replacement);
                    code_slot.* = @intFromPtr(replacement);
                    refs.decrefMortalNotLast(original);
                },
                .held_elsewhere, .maybe_last => {
                    const owned_original = ownsReference(code_slot.*);
                    code_slot.* = newReference(replacement);
                    if (owned_original) switch (counts) {
                        .held_elsewhere => refs.decrefNotLast(original),
                        else => refs.decref(state.api, original),
                    };
                },
            }
            field(usize, frame, layout.frame_instr).* = startInstr(replacement);
            state.replaced_frames += 1;
        }

        noinline fn runSkippingTree(tstate: *PyThreadState, frame: *Frame) ?*PyObject {
            const s = &state;
            const outer_quiet = s.quiet;
            s.setQuiet(outer_quiet.with("skip_depth", outer_quiet.skip_depth + 1));
            defer s.setQuiet(outer_quiet);
            return s.previous(tstate, frame, 0);
        }

        noinline fn runReplacement(tstate: *PyThreadState, frame: *Frame, replacement: *PyObject) ?*PyObject {
            const code = frameCode(frame);
            return runReplacementSized(tstate, frame, replacement, frameWords(code));
        }

        /// Rebuilds the fresh `frame` (pushed with `pushed_words` words) for `replacement`, whose
        /// arguments and free variables the TypeScript side checked against the original's.
        fn runReplacementSized(tstate: *PyThreadState, frame: *Frame, replacement: *PyObject, pushed_words: usize) ?*PyObject {
            const s = &state;
            const api = s.api;
            std.debug.assert(field(?*anyopaque, frame, layout.frame_obj).* == null);
            const needed_words = frameWords(replacement);
            if (s.force_call_fallback or (needed_words > pushed_words and !grow(tstate, frame, pushed_words, needed_words))) {
                return runByCall(tstate, frame, replacement);
            }
            const function_copied = codeInt(u32, replacement, layout.code_flags) & co_generator_like != 0;
            if (function_copied) {
                const original = frameFunction(frame);
                const copy = functionWithCode(original, replacement) orelse return unwind(tstate, frame);
                const function_slot = field(usize, frame, layout.frame_func);
                const owned_original = ownsReference(function_slot.*);
                function_slot.* = @intFromPtr(copy); // a new function: mortal, its reference ours
                if (owned_original) api.Py_DecRef(original);
            }
            resizeLocals(frame, withLocals(replacement).locals);
            swapInPlace(frame, replacement, if (function_copied) .maybe_last else .held_elsewhere);
            return s.previous(tstate, frame, 0);
        }

        /// The rare path for a frame that cannot grow in place (its data-stack chunk is full):
        /// call a copy of the function running `replacement` with the arguments read back from
        /// the frame's slots (positional-only and positional first, then keyword-only by name,
        /// then *args and **kwargs, which binds every slot as before), and discard the frame
        /// unrun. Also used by tests, through `force_call_fallback`.
        fn runByCall(tstate: *PyThreadState, frame: *Frame, replacement: *PyObject) ?*PyObject {
            const s = &state;
            const api = s.api;
            const call = ByCall.prepare(frame, replacement) orelse return unwind(tstate, frame);
            defer call.release();
            // The replacement's frame runs as it is, without asking JS (and so does any other
            // frame of the replacement code meanwhile: a code object may serve several functions).
            const outer_code = s.bypass_code;
            const outer_quiet = s.quiet;
            s.bypass_code = replacement;
            s.setQuiet(outer_quiet.with("bypassing", true));
            const result = call.run(replacement);
            s.bypass_code = outer_code;
            s.setQuiet(outer_quiet);
            s.replaced_frames += 1;
            if (result == null) return unwind(tstate, frame);
            // Discard the unrun frame through CPython's own unwinding, then drop that exception.
            api.PyErr_SetString(api.PyExc_RuntimeError.*, "pyframe: discarding a frame whose replacement ran by call");
            std.debug.assert(unwind(tstate, frame) == null);
            api.PyErr_Clear();
            return result;
        }

        /// How `runByCall` runs a replacement in a frame of its own.
        const ByCall = union(enum) {
            /// A function's: a copy of the function, called with the frame's arguments.
            function: struct { copy: *PyObject, arguments: Arguments },
            /// A class body's or module code's (no CO_OPTIMIZED): their names go to the frame's
            /// f_locals, which a call of a function would replace with its globals (the class
            /// would come out empty). Evaluated with the frame's globals, locals and closure.
            namespace: struct { globals: *PyObject, locals: ?*PyObject, closure: ?*PyObject },

            fn prepare(frame: *Frame, replacement: *PyObject) ?ByCall {
                const api = state.api;
                const function = frameFunction(frame);
                const code = frameCode(frame);
                if (codeInt(u32, code, layout.code_flags) & co_optimized == 0) return .{ .namespace = .{
                    .globals = api.PyFunction_GetGlobals(function),
                    .locals = field(?*PyObject, frame, layout.frame_locals).*,
                    .closure = api.PyFunction_GetClosure(function),
                } };
                const copy = functionWithCode(function, replacement) orelse return null;
                const arguments = argumentsFromSlots(frame) orelse {
                    api.Py_DecRef(copy);
                    return null;
                };
                return .{ .function = .{ .copy = copy, .arguments = arguments } };
            }

            fn run(call: ByCall, replacement: *PyObject) ?*PyObject {
                const api = state.api;
                return switch (call) {
                    .function => |f| api.PyObject_Call(f.copy, f.arguments.positional, f.arguments.keywords),
                    .namespace => |n| api.PyEval_EvalCodeEx(replacement, n.globals, n.locals, null, 0, null, 0, null, 0, null, n.closure),
                };
            }

            fn release(call: ByCall) void {
                switch (call) {
                    .function => |f| {
                        state.api.Py_DecRef(f.copy);
                        _ = drop(f.arguments);
                    },
                    .namespace => {}, // all borrowed from the frame
                }
            }
        };

        const Arguments = struct { positional: *PyObject, keywords: *PyObject };

        fn argumentsFromSlots(frame: *Frame) ?Arguments {
            const api = state.api;
            const code = frameCode(frame);
            const locals = SlotObjects{ .slots = localsplus(frame) };
            const names = field(*PyObject, code, layout.code_localsplusnames).*;
            const flags = codeInt(u32, code, layout.code_flags);
            const positional_count: usize = @intCast(codeInt(i32, code, layout.code_argcount));
            const keyword_count: usize = @intCast(codeInt(i32, code, layout.code_kwonlyargcount));
            var next_slot = positional_count + keyword_count;
            const varargs: ?*PyObject = if (flags & co_varargs != 0) blk: {
                next_slot += 1;
                break :blk locals.at(next_slot - 1);
            } else null;
            const varkeywords: ?*PyObject = if (flags & co_varkeywords != 0) locals.at(next_slot) else null;
            const extra_count: usize = if (varargs) |tuple| @intCast(api.PyTuple_Size(tuple)) else 0;
            const positional = api.PyTuple_New(@intCast(positional_count + extra_count)) orelse return null;
            const keywords = api.PyDict_New() orelse {
                api.Py_DecRef(positional);
                return null;
            };
            const arguments = Arguments{ .positional = positional, .keywords = keywords };
            for (0..positional_count) |slot| setTupleItem(positional, slot, locals.at(slot).?);
            for (0..extra_count) |index| setTupleItem(positional, positional_count + index, api.PyTuple_GetItem(varargs.?, @intCast(index)).?);
            for (positional_count..positional_count + keyword_count) |slot| {
                if (api.PyDict_SetItem(keywords, api.PyTuple_GetItem(names, @intCast(slot)).?, locals.at(slot).?) != 0) return drop(arguments);
            }
            if (varkeywords) |dict| {
                if (api.PyDict_Update(keywords, dict) != 0) return drop(arguments);
            }
            return arguments;
        }

        fn setTupleItem(tuple: *PyObject, index: usize, item: *PyObject) void {
            state.api.Py_IncRef(item); // PyTuple_SetItem steals a reference.
            std.debug.assert(state.api.PyTuple_SetItem(tuple, @intCast(index), item) == 0);
        }

        fn drop(arguments: Arguments) ?Arguments {
            state.api.Py_DecRef(arguments.positional);
            state.api.Py_DecRef(arguments.keywords);
            return null;
        }

        /// Grows the frame at the top of the data stack; false when the current chunk is full or
        /// the frame is not the topmost (nothing may move).
        fn grow(tstate: *PyThreadState, frame: *Frame, pushed_words: usize, needed_words: usize) bool {
            const top = field(usize, tstate, layout.tstate_datastack_top);
            const limit = field(usize, tstate, layout.tstate_datastack_limit).*;
            const frame_end = @intFromPtr(frame) + pushed_words * @sizeOf(usize);
            const new_end = @intFromPtr(frame) + needed_words * @sizeOf(usize);
            if (top.* != frame_end or new_end > limit) return false;
            top.* = new_end;
            return true;
        }

        /// Makes every later frame of `code` at least `words` long (co_stacksize, and
        /// co_framesize from 3.12): a larger stack is never read beyond what the code pushes.
        fn reserveWords(code: *PyObject, words: usize) void {
            const have = frameWords(code);
            if (words <= have) return;
            const extra: i32 = @intCast(words - have);
            field(i32, code, layout.code_stacksize).* += extra;
            if (layout.code_framesize) |offset| field(i32, code, offset).* += extra;
            std.debug.assert(frameWords(code) == words);
        }

        fn frameWords(code: *PyObject) usize {
            if (layout.code_framesize) |offset| return @intCast(field(i32, code, offset).*);
            const locals: usize = @intCast(codeInt(i32, code, layout.code_nlocalsplus));
            const value_stack: usize = @intCast(codeInt(i32, code, layout.code_stacksize));
            return locals + value_stack + layout.frame_specials_words;
        }

        inline fn startInstr(code: *PyObject) usize {
            @setRuntimeSafety(hot_path.safety);
            const first = @intFromPtr(code) + layout.code_adaptive;
            return if (layout.frame_instr_is_previous) first - 2 else first;
        }

        /// The frame's local slots, as words: object references, as `frame_stackrefs` says.
        inline fn localsplus(frame: *Frame) [*]usize {
            @setRuntimeSafety(hot_path.safety);
            return @ptrFromInt(@intFromPtr(frame) + layout.frame_localsplus);
        }

        const SlotObjects = struct {
            slots: [*]usize,
            fn at(objects: SlotObjects, index: usize) ?*PyObject {
                return @ptrFromInt(layouts.objectAddress(&layout, objects.slots[index]));
            }
        };

        /// An empty local slot.
        const empty_slot: usize = if (layout.frame_stackrefs) layouts.stackref_unowned else 0;

        inline fn frameCode(frame: *Frame) *PyObject {
            @setRuntimeSafety(hot_path.safety);
            return @ptrFromInt(layouts.objectAddress(&layout, field(usize, frame, layout.frame_code).*));
        }

        fn frameFunction(frame: *Frame) *PyObject {
            return @ptrFromInt(layouts.objectAddress(&layout, field(usize, frame, layout.frame_func).*));
        }

        /// Whether the frame owns the reference in a slot holding `bits` (else the object is
        /// immortal or the reference borrowed: nothing to release).
        inline fn ownsReference(bits: usize) bool {
            return !layout.frame_stackrefs or bits & layouts.stackref_unowned == 0;
        }

        /// A new reference to `object`, as a frame slot holds one: counted, or from 3.14, for an
        /// immortal object, marked unowned and not counted (as CPython's PyStackRef_FromPyObjectNew
        /// does: the frame's release of an owned reference would count an immortal one down).
        fn newReference(object: *PyObject) usize {
            if (layout.frame_stackrefs and refs.isImmortal(object)) return @intFromPtr(object) | layouts.stackref_unowned;
            refs.incref(object);
            return @intFromPtr(object);
        }

        inline fn codeInt(comptime T: type, code: *PyObject, offset: usize) T {
            return field(T, code, offset).*;
        }

        /// Sets a RuntimeError and unwinds the frame.
        fn fail(tstate: *PyThreadState, frame: *Frame, message: [*:0]const u8) ?*PyObject {
            state.api.PyErr_SetString(state.api.PyExc_RuntimeError.*, message);
            return unwind(tstate, frame);
        }

        /// Unwinds a fresh frame with the pending exception: CPython's evaluator, entered with the
        /// throw flag, finds no handler before the first instruction, so it clears and pops the
        /// frame exactly as each version expects and returns NULL.
        fn unwind(tstate: *PyThreadState, frame: *Frame) ?*PyObject {
            std.debug.assert(state.api.PyErr_Occurred() != null);
            markUnstarted(frame);
            return state.api._PyEval_EvalFrameDefault(tstate, frame, 1);
        }

        /// Makes a fresh frame read as not started, so the exception unwinding it adds no
        /// traceback entry for code that never ran. 3.11 and 3.12 see a fresh frame that way
        /// (prev_instr before the first instruction); 3.13 counts a frame as started once
        /// instr_ptr reaches its first traceable instruction, which for most code is the first.
        fn markUnstarted(frame: *Frame) void {
            if (layout.frame_instr_is_previous) return;
            const instr = field(usize, frame, layout.frame_instr);
            if (instr.* == startInstr(frameCode(frame))) instr.* -= 2;
        }
    };
}

/// `func_builtins` in a PyFunctionObject: after PyObject_HEAD and func_globals (3.11-3.15).
const function_builtins = 3 * @sizeOf(usize);

/// Gives `copy` the builtins `function` has. A new function takes them from its globals'
/// `__builtins__`, else from the frame running: a function made with globals lacking them
/// (types.FunctionType(code, {})) captured its maker's builtins, and the copy would get its caller's.
fn keepBuiltins(copy: *PyObject, function: *PyObject) void {
    const own = field(*PyObject, function, function_builtins).*;
    const slot = field(*PyObject, copy, function_builtins);
    state.api.Py_IncRef(own);
    state.api.Py_DecRef(slot.*);
    slot.* = own;
}

/// A new function like `function` (globals, builtins, names, defaults, closure) running `code`.
/// Generator objects take their size, code and names from the function that creates them.
fn functionWithCode(function: *PyObject, code: *PyObject) ?*PyObject {
    const api = state.api;
    const qualname = api.PyObject_GetAttrString(function, "__qualname__") orelse return null;
    defer api.Py_DecRef(qualname);
    const name = api.PyObject_GetAttrString(function, "__name__") orelse return null;
    defer api.Py_DecRef(name);
    const copy = api.PyFunction_NewWithQualName(code, api.PyFunction_GetGlobals(function), qualname) orelse return null;
    keepBuiltins(copy, function);
    if (api.PyObject_SetAttrString(copy, "__name__", name) != 0) {
        api.Py_DecRef(copy);
        return null;
    }
    // The setters reject NULL (3.11 dereferences it); a new function already has none.
    const failed = blk: {
        if (api.PyFunction_GetDefaults(function)) |defaults| {
            if (api.PyFunction_SetDefaults(copy, defaults) != 0) break :blk true;
        }
        if (api.PyFunction_GetKwDefaults(function)) |kwdefaults| {
            if (api.PyFunction_SetKwDefaults(copy, kwdefaults) != 0) break :blk true;
        }
        if (api.PyFunction_GetClosure(function)) |closure| {
            if (api.PyFunction_SetClosure(copy, closure) != 0) break :blk true;
        }
        break :blk false;
    };
    if (failed) {
        api.Py_DecRef(copy);
        return null;
    }
    return copy;
}

pub inline fn field(comptime T: type, base: anytype, offset: usize) *T {
    @setRuntimeSafety(hot_path.safety);
    return @ptrFromInt(@intFromPtr(base) + offset);
}
