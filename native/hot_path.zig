//! Safety on the per-frame path. Zig's runtime checks and our asserts hold there in Debug builds
//! (the test suite's) and are off in optimised builds, ReleaseSafe (the prebuilt packages')
//! included: on the path every Python call takes, they cost more than the path itself (a
//! ReleaseSafe build's cached replacement, over pass-through, bench/native_modes.py: 5.4-12.2%
//! with them, 3.4-7.5% without; they also made it save six registers on every frame). The rest
//! of the library keeps the build mode's checks.

const builtin = @import("builtin");

/// For `@setRuntimeSafety` at the top of each function on the per-frame path, and for
/// `if (hot_path.safety) std.debug.assert(...)` there (a plain assert's argument would still be
/// computed, with the checks of whatever it calls).
pub const safety = builtin.mode == .Debug;
