//! `zig build` makes zig-out/lib/libpyframe.so for the host (Debug keeps runtime safety on, which
//! the test suite uses); `zig build prebuilt` cross-builds every packaged target into zig-out/prebuilt;
//! `zig build test` runs the native unit tests (those needing no Python).

const std = @import("std");
const builtin = @import("builtin");

/// The one Zig this project builds with, installed by scripts/bootstrap.mjs from PyPI's ziglang.
const required_zig = "0.15.2";

comptime {
    if (!std.mem.eql(u8, builtin.zig_version_string, required_zig)) {
        @compileError("pyframe builds with Zig " ++ required_zig ++ ", found " ++ builtin.zig_version_string ++
            "; run `node scripts/bootstrap.mjs` to install the pinned one into .tools/");
    }
}

/// Targets shipped prebuilt in the npm/JSR package.
const prebuilt_targets = [_][]const u8{
    "x86_64-linux-gnu",
    "aarch64-linux-gnu",
    "x86_64-macos",
    "aarch64-macos",
};

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    b.installArtifact(library(b, target, optimize));

    const test_step = b.step("test", "Run the native unit tests");
    for ([_][]const u8{ "native/cache.zig", "native/ast_codec.zig", "native/stack.zig" }) |file| {
        const unit_tests = b.addTest(.{ .root_module = module(b, file, target, optimize) });
        test_step.dependOn(&b.addRunArtifact(unit_tests).step);
    }

    const prebuilt = b.step("prebuilt", "Cross-build the native library for every packaged target");
    for (prebuilt_targets) |triple| {
        const query = std.Target.Query.parse(.{ .arch_os_abi = triple }) catch @panic("bad target triple");
        const artifact = library(b, b.resolveTargetQuery(query), .ReleaseSafe);
        // Users download these: with debug information the x86_64 Linux one is 2.8 MB, not 108 KB.
        artifact.root_module.strip = true;
        const install = b.addInstallArtifact(artifact, .{
            .dest_dir = .{ .override = .{ .custom = b.fmt("prebuilt/{s}", .{triple}) } },
        });
        prebuilt.dependOn(&install.step);
    }
}

fn library(b: *std.Build, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Step.Compile {
    return b.addLibrary(.{
        .name = "pyframe",
        .linkage = .dynamic,
        .root_module = module(b, "native.zig", target, optimize),
    });
}

fn module(b: *std.Build, root: []const u8, target: std.Build.ResolvedTarget, optimize: std.builtin.OptimizeMode) *std.Build.Module {
    return b.createModule(.{
        .root_source_file = b.path(root),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        // The eval-frame function runs on every Python call: optimised builds skip the frame
        // pointer's push and pop there (Debug keeps it for stack traces).
        .omit_frame_pointer = optimize != .Debug,
    });
}
