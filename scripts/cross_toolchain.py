"""Rust that builds another architecture's wheels on this machine, cross-compiling (linked by zig).

Usage: python scripts/cross_toolchain.py [--arch MACHINE]

The release builds each Linux aarch64 wheel with the pinned toolchain (rust-toolchain.toml) on an
aarch64 runner. Here, on x86_64, the toolchain for --arch aarch64 is, in this order:
1. the pinned toolchain, if it has the target's standard library or rustup can add it
   (`rustup target add aarch64-unknown-linux-gnu`: what anyone online gets);
2. else Debian trixie's Rust: rustc and cargo from a cached root filesystem of this machine's
   architecture (debootstrap), patched to run on the host like the provisioned interpreters, with
   the target's standard library from the same Debian release's aarch64 root filesystem (the one
   scripts/provision_interpreters.py --arch aarch64 makes; libstd-rust-dev, Multi-Arch: same) linked
   into that rustc's sysroot. Its version (1.85) is the crate's rust-version, so the crate builds
   with it; the report names it, since the release itself builds with the pinned one.
maturin links with zig (--zig), for manylinux_2_28, as for this machine's own wheels.

Prints the toolchain, or one line naming what is missing and the command that provides it.
Exit codes: 0 ready; 19 not (PreflightError); 3 bad argument.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import debian_roots
from debian_roots import ARCHITECTURES, Architecture
from interpreters import HOST_MACHINE
from project import CACHE_DIR, REPO, last_line, run_tool
from provision_interpreters import EMULATED_SUITE, emulated_root, run_on_host
from release_errors import PreflightError, UsageError, run_main

RUST_PACKAGES = ("rustc", "cargo", "libc6-dev")  # debootstrap leaves rustc's `libc-dev` alternative unresolved
TARGET_STD_PACKAGE = "libstd-rust-dev"


@dataclass(frozen=True)
class CrossToolchain:
    """The Rust that builds wheels for rust_target here, and how a build runs it."""

    rust_target: str  # aarch64-unknown-linux-gnu
    description: str  # for the report
    bin_dir: Path | None  # holds its cargo and rustc, first on PATH; None: the pinned toolchain

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """BASE with this toolchain's cargo and rustc first on PATH."""
        if self.bin_dir is None:
            return dict(base)
        return {
            **base,
            "PATH": os.pathsep.join([str(self.bin_dir), base.get("PATH", "")]),
            "CARGO": str(self.bin_dir / "cargo"),
            "RUSTC": str(self.bin_dir / "rustc"),
        }


def pinned_toolchain(architecture: Architecture) -> tuple[CrossToolchain | None, str]:
    """The pinned toolchain, if it has (or rustup can add) the target's standard library; else why not."""
    if shutil.which("rustup") is None:
        return None, "rustup is not installed"
    target = architecture.rust_target
    installed = run_tool(["rustup", "target", "list", "--installed"], cwd=REPO)
    if target not in installed.stdout.split():
        added = run_tool(["rustup", "target", "add", target], cwd=REPO, timeout=600)
        if added.returncode != 0:
            errors = [line for line in added.stderr.splitlines() if line.startswith("error:")]
            reason = errors[0].removeprefix("error:").strip() if errors else last_line(added.stderr)
            return None, f"`rustup target add {target}` failed: {reason}"
    version = run_tool(["rustc", "--version"], cwd=REPO).stdout.strip()
    return CrossToolchain(target, f"{version}, the pinned toolchain", None), ""


def package_version(root: Path, package: str) -> str | None:
    """The version of PACKAGE installed in the root filesystem ROOT (from dpkg's status file)."""
    status = (root / "var/lib/dpkg/status").read_text(encoding="utf-8")
    for paragraph in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in paragraph.splitlines() if ": " in line and line[0] != " ")
        if fields.get("Package") == package and "installed" in fields.get("Status", ""):
            return fields.get("Version")
    return None


def debian_toolchain(architecture: Architecture, why_not_pinned: str) -> CrossToolchain:
    """Debian's rustc and cargo for this machine with Debian's standard library for ARCHITECTURE."""
    if remedy := debian_roots.missing_tools():
        raise PreflightError(f"no Rust for {architecture.rust_target} here ({why_not_pinned}); {remedy}")
    host = debian_roots.build(f"debian-{EMULATED_SUITE}-rust", EMULATED_SUITE, RUST_PACKAGES)
    target = emulated_root(architecture.machine, [TARGET_STD_PACKAGE])
    host_root, target_root = host.path, target.path
    # The aarch64 root holds interpreters too; only the standard library matters here.
    if host_root is None or target_root is None or host.absent or TARGET_STD_PACKAGE in target.absent:
        failed = host if host_root is None or host.absent else target
        failure = failed.failure or f"Debian {EMULATED_SUITE} lacks {', '.join(sorted(failed.absent))}"
        raise PreflightError(f"cannot provide Debian's Rust for {architecture.rust_target}: {failure}")
    rustc, std = package_version(host_root, "rustc"), package_version(target_root, TARGET_STD_PACKAGE)
    if rustc is None or rustc != std:
        raise PreflightError(
            f"Debian's rustc {rustc} and {TARGET_STD_PACKAGE}:{architecture.debian} {std} differ (one root "
            f"filesystem is older): remove {host_root} and run again"
        )
    # rustc looks for each target's standard library in its own sysroot, <root>/usr/lib/rustlib/TARGET.
    sysroot_std = host_root / "usr/lib/rustlib" / architecture.rust_target
    if not sysroot_std.is_symlink():
        sysroot_std.symlink_to(target_root / "usr/lib/rustlib" / architecture.rust_target)
    bin_dir = CACHE_DIR / f"rust-{EMULATED_SUITE}"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for program in ("cargo", "rustc"):
        binary = host_root / "usr/bin" / program
        run_on_host(host_root, binary)
        link = bin_dir / program
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
    version = rustc.split("+")[0]
    description = f"Debian {EMULATED_SUITE}'s Rust {version} ({why_not_pinned})"
    return CrossToolchain(architecture.rust_target, description, bin_dir)


def provide(machine: str) -> CrossToolchain:
    """The Rust that builds MACHINE's wheels here; PreflightError if none can be had."""
    if machine not in ARCHITECTURES or machine == HOST_MACHINE:
        others = ", ".join(name for name in ARCHITECTURES if name != HOST_MACHINE)
        raise UsageError(f"--arch {machine}: not another architecture this machine builds for ({others})")
    architecture = ARCHITECTURES[machine]
    toolchain, why_not = pinned_toolchain(architecture)
    return toolchain or debian_toolchain(architecture, why_not)


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="aarch64", metavar="MACHINE", help="the architecture (%(default)s)")
    args = parser.parse_args()
    return run_main(lambda: print(provide(args.arch).description))


if __name__ == "__main__":
    sys.exit(main())
