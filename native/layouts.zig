//! Byte offsets into CPython's private structs, one declaration per supported minor version.
//! Read off each version's own headers (`Include/internal/pycore_frame.h`, `cpython/code.h`,
//! `cpython/pystate.h`, `cpython/initconfig.h`) with offsetof; the test suite exercises each on
//! every interpreter it finds (a wrong offset fails or crashes a test). Adding a version means
//! adding one value here, its minor in `src/ffi/supported_pythons.json`, and regenerating the AST
//! classes with that interpreter on the machine (`scripts/generate_ast.ts`).

pub const Layout = struct {
    minor: u32,

    // _PyInterpreterFrame
    frame_code: usize, // f_code (3.11, 3.12), f_executable (3.13+)
    frame_func: usize, // f_func (3.11), f_funcobj (3.12+)
    frame_obj: usize,
    /// f_locals: the mapping a class body or module code stores its names in (NULL for functions).
    frame_locals: usize,
    frame_instr: usize, // prev_instr (<= 3.12), instr_ptr (3.13+)
    /// prev_instr points one code unit before the next instruction; instr_ptr points at it.
    frame_instr_is_previous: bool,
    /// stacktop (<= 3.13): the value stack's top as an index into localsplus; stackpointer (3.14+):
    /// as a pointer.
    frame_stacktop: usize,
    frame_stacktop_is_pointer: bool,
    /// From 3.14, f_executable, f_funcobj and the local slots are `_PyStackRef`s: object pointers
    /// whose low bit, when set, says the frame owns no reference (the object is immortal, or the
    /// reference borrowed); an empty slot is that bit alone. Before, plain owned pointers or NULL.
    frame_stackrefs: bool,
    frame_owner: usize,
    frame_localsplus: usize,
    frame_specials_words: usize,

    // PyCodeObject
    code_flags: usize,
    code_argcount: usize,
    code_posonlyargcount: usize,
    code_kwonlyargcount: usize,
    code_stacksize: usize,
    code_nlocalsplus: usize,
    code_localsplusnames: usize,
    /// co_framesize exists from 3.12 and is what CPython pushes; 3.11 derives the size.
    code_framesize: ?usize,
    code_adaptive: usize,
    /// co_extra: a `_PyCodeObjectExtra` (size, then one pointer per index), read inline on the
    /// hot path instead of calling PyUnstable_Code_GetExtra.
    code_extra: usize,
    /// `_co_monitoring` (3.12+): null, or a `_PyCoMonitoringData` whose first member is the
    /// events sys.monitoring.set_local_events set on this code alone, one byte per event.
    code_monitoring: ?usize,
    /// How many bytes that member has (`_Py_LocalMonitors`: 15 in 3.12, 10 in 3.13, 11 in 3.14, 16
    /// in 3.15).
    code_local_events: usize,

    // PyThreadState
    tstate_datastack_top: usize,
    tstate_datastack_limit: usize,
    tstate_c_profilefunc: usize,
    tstate_c_tracefunc: usize,

    // PyInterpreterState
    /// `monitors`: one byte of active sys.monitoring tools per event, from 3.12.
    interp_monitors: ?usize,
    /// How many events that is (`_Py_GlobalMonitors`: 15 in 3.12 and 3.13, 16 from 3.14).
    interp_global_events: usize,

    // The evaluator
    /// Whether CPython guards the C stack itself, by address, as every evaluator entry checks
    /// the stack pointer against the thread's limits (3.14+; before, C recursion is counted, or
    /// not at all in 3.11). Where it does, pyframe leaves the guard to it (native/stack.zig).
    c_stack_checked: bool,
    /// 3.13's specialized call that enters a class's `__init__` without the eval-frame function,
    /// and what finding the frame it pushes beneath `__init__` takes (native/init_shortcut.zig).
    /// Null on versions without it.
    init_shortcut: ?InitShortcut,

    // PyConfig
    config_install_signal_handlers: usize,
    config_program_name: usize,
    config_home: usize,
    config_executable: usize,
    config_size: usize,
};

pub const InitShortcut = struct {
    /// PyThreadState's `current_frame`.
    tstate_current_frame: usize,
    /// _PyInterpreterFrame's `previous`.
    frame_previous: usize,
    /// The first opcode of the shim's code (EXIT_INIT_CHECK), which begins no compiled code.
    shim_first_opcode: u8,
    /// PyCodeObject's `co_name`.
    code_name: usize,
    /// CALL, and the specialized CALL_ALLOC_AND_ENTER_INIT.
    call_opcode: u8,
    init_call_opcode: u8,
};

pub const frame_owned_by_thread: u8 = 0;
pub const frame_owned_by_generator: u8 = 1;

pub const cpython_3_11 = Layout{
    .minor = 11,
    .frame_code = 32,
    .frame_func = 0,
    .frame_obj = 40,
    .frame_locals = 24,
    .frame_instr = 56,
    .frame_instr_is_previous = true,
    .frame_stacktop = 64,
    .frame_stacktop_is_pointer = false,
    .frame_stackrefs = false,
    .frame_owner = 69,
    .frame_localsplus = 72,
    .frame_specials_words = 9,
    .code_flags = 48,
    .code_argcount = 56,
    .code_posonlyargcount = 60,
    .code_kwonlyargcount = 64,
    .code_stacksize = 68,
    .code_nlocalsplus = 76,
    .code_localsplusnames = 96,
    .code_framesize = null,
    .code_adaptive = 184,
    .code_extra = 176,
    .code_monitoring = null,
    .code_local_events = 0,
    .tstate_datastack_top = 304,
    .tstate_datastack_limit = 312,
    .tstate_c_profilefunc = 64,
    .tstate_c_tracefunc = 72,
    .interp_monitors = null,
    .interp_global_events = 0,
    .c_stack_checked = false,
    .init_shortcut = null,
    .config_install_signal_handlers = 16,
    .config_program_name = 264,
    .config_home = 280,
    .config_executable = 328,
    .config_size = 424,
};

pub const cpython_3_12 = Layout{
    .minor = 12,
    .frame_code = 0,
    .frame_func = 16,
    .frame_obj = 48,
    .frame_locals = 40,
    .frame_instr = 56,
    .frame_instr_is_previous = true,
    .frame_stacktop = 64,
    .frame_stacktop_is_pointer = false,
    .frame_stackrefs = false,
    .frame_owner = 70,
    .frame_localsplus = 72,
    .frame_specials_words = 9,
    .code_flags = 48,
    .code_argcount = 52,
    .code_posonlyargcount = 56,
    .code_kwonlyargcount = 60,
    .code_stacksize = 64,
    .code_nlocalsplus = 72,
    .code_localsplusnames = 96,
    .code_framesize = 76,
    .code_adaptive = 192,
    .code_extra = 184,
    .code_monitoring = 168,
    .code_local_events = 15,
    .tstate_datastack_top = 240,
    .tstate_datastack_limit = 248,
    .tstate_c_profilefunc = 64,
    .tstate_c_tracefunc = 72,
    .interp_monitors = 381744,
    .interp_global_events = 15,
    .c_stack_checked = false,
    .init_shortcut = null,
    .config_install_signal_handlers = 16,
    .config_program_name = 272,
    .config_home = 288,
    .config_executable = 336,
    .config_size = 432,
};

pub const cpython_3_13 = Layout{
    .minor = 13,
    .frame_code = 0,
    .frame_func = 16,
    .frame_obj = 48,
    .frame_locals = 40,
    .frame_instr = 56,
    .frame_instr_is_previous = false,
    .frame_stacktop = 64,
    .frame_stacktop_is_pointer = false,
    .frame_stackrefs = false,
    .frame_owner = 70,
    .frame_localsplus = 72,
    .frame_specials_words = 9,
    .code_flags = 48,
    .code_argcount = 52,
    .code_posonlyargcount = 56,
    .code_kwonlyargcount = 60,
    .code_stacksize = 64,
    .code_nlocalsplus = 72,
    .code_localsplusnames = 96,
    .code_framesize = 76,
    .code_adaptive = 200,
    .code_extra = 192,
    .code_monitoring = 176,
    .code_local_events = 10,
    .tstate_datastack_top = 240,
    .tstate_datastack_limit = 248,
    .tstate_c_profilefunc = 80,
    .tstate_c_tracefunc = 88,
    .interp_monitors = 193136,
    .interp_global_events = 15,
    .c_stack_checked = false,
    .init_shortcut = .{
        .tstate_current_frame = 72,
        .frame_previous = 8,
        .shim_first_opcode = 13,
        .code_name = 120,
        .call_opcode = 53,
        .init_call_opcode = 162,
    },
    .config_install_signal_handlers = 16,
    .config_program_name = 280,
    .config_home = 296,
    .config_executable = 344,
    .config_size = 448,
};

pub const cpython_3_14 = Layout{
    .minor = 14,
    .frame_code = 0,
    .frame_func = 16,
    .frame_obj = 48,
    .frame_locals = 40,
    .frame_instr = 56,
    .frame_instr_is_previous = false,
    .frame_stacktop = 64,
    .frame_stacktop_is_pointer = true,
    .frame_stackrefs = true,
    .frame_owner = 74,
    .frame_localsplus = 80,
    .frame_specials_words = 10,
    .code_flags = 48,
    .code_argcount = 52,
    .code_posonlyargcount = 56,
    .code_kwonlyargcount = 60,
    .code_stacksize = 64,
    .code_nlocalsplus = 72,
    .code_localsplusnames = 96,
    .code_framesize = 76,
    .code_adaptive = 208,
    .code_extra = 200,
    .code_monitoring = 176,
    .code_local_events = 11,
    .tstate_datastack_top = 240,
    .tstate_datastack_limit = 248,
    .tstate_c_profilefunc = 80,
    .tstate_c_tracefunc = 88,
    .interp_monitors = 223240,
    .interp_global_events = 16,
    .c_stack_checked = true,
    .init_shortcut = null,
    .config_install_signal_handlers = 16,
    .config_program_name = 288,
    .config_home = 304,
    .config_executable = 352,
    .config_size = 456,
};

pub const cpython_3_15 = Layout{
    .minor = 15,
    .frame_code = 0,
    .frame_func = 16,
    .frame_obj = 48,
    .frame_locals = 40,
    .frame_instr = 56,
    .frame_instr_is_previous = false,
    .frame_stacktop = 64,
    .frame_stacktop_is_pointer = true,
    .frame_stackrefs = true,
    .frame_owner = 74,
    .frame_localsplus = 80,
    .frame_specials_words = 10,
    .code_flags = 48,
    .code_argcount = 52,
    .code_posonlyargcount = 56,
    .code_kwonlyargcount = 60,
    .code_stacksize = 64,
    .code_nlocalsplus = 72,
    .code_localsplusnames = 96,
    .code_framesize = 76,
    .code_adaptive = 208,
    .code_extra = 200,
    .code_monitoring = 176,
    .code_local_events = 16,
    .tstate_datastack_top = 264,
    .tstate_datastack_limit = 272,
    .tstate_c_profilefunc = 104,
    .tstate_c_tracefunc = 112,
    .interp_monitors = 223512,
    .interp_global_events = 16,
    .c_stack_checked = true,
    .init_shortcut = null,
    .config_install_signal_handlers = 16,
    .config_program_name = 288,
    .config_home = 304,
    .config_executable = 352,
    .config_size = 456,
};

pub const supported = [_]*const Layout{ &cpython_3_11, &cpython_3_12, &cpython_3_13, &cpython_3_14, &cpython_3_15 };

pub fn forMinor(minor: u32) ?*const Layout {
    for (supported) |layout| {
        if (layout.minor == minor) return layout;
    }
    return null;
}

/// The low bit of a `_PyStackRef` (3.14+, `frame_stackrefs`): the frame owns no reference.
pub const stackref_unowned: usize = 1;

/// The address of the object a frame slot holding `bits` refers to (0 for an empty slot).
pub inline fn objectAddress(layout: *const Layout, bits: usize) usize {
    return if (layout.frame_stackrefs) bits & ~stackref_unowned else bits;
}
