"""Release stage 0, the preflight: the machine has what the release needs, or one line says what not.

It takes seconds and runs before anything is compiled; the one line names what is missing and the
command that provides it.

Usage: python scripts/preflight.py [--python TAG]... [--allow-untested KIND]... [--arch MACHINE]...

For this machine's targets in wheels.toml (scripts/release_matrix.py):
- tools: Rust (cargo, at least Cargo.toml's rust-version), git and uv; maturin, zig and the audit
  tools come with the release's dependency groups, which `uv run noxfile.py -s release` installs;
- disk: room for the builds (target/) and for provisioned interpreters (CACHE_DIR);
- interpreters: for every wheel kind, the one that builds it where its tags need it (PyPy: the ABI
  tag names the PyPy release series), and every one it serves, to test it (only those named with
  --python, if given). Missing ones are provided first (scripts/provision_interpreters.py: `uv
  python install`, else Debian's archive). What still is missing stops the release with the command
  that provides it, unless --allow-untested names the interpreter kind, or nothing can provide it on
  this machine at all (free-threaded CPython where uv cannot download: Debian builds none): then its
  cells read "untested here" with the reason, loudly, and the hosted workflow tests them.
With --arch MACHINE (aarch64), also for wheels.toml's targets of that architecture that this machine
builds under emulation: QEMU registered for its programs (scripts/emulation.py), a Rust that
cross-compiles for it (scripts/cross_toolchain.py), and its interpreters (provided the same way, for
that architecture). A kind of wheel whose builder is missing there is named by the wheels stage.
Exit codes: 0 ready; 19 something is missing (PreflightError: the one line names it and its remedy).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cross_toolchain
from cross_toolchain import CrossToolchain
from emulation import Qemu, registered_qemu
from interpreters import HOST_MACHINE, discover
from project import CACHE_DIR, REPO, run_tool
from provision_interpreters import Unprovided, provide
from release_errors import PreflightError, run_main
from release_matrix import InterpreterKind, Target, WheelKind, matrix

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

GIB = 1 << 30
# Four LTO builds keep about 1 GiB of cargo output each; a Debian root with interpreters about 1 GiB.
FREE_FOR_BUILDS = 6 * GIB
FREE_FOR_INTERPRETERS = 2 * GIB
RUSTUP = "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"
VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass
class Readiness:
    """What the preflight found: the kinds whose cells will read "untested here", and why."""

    untested: dict[str, str] = field(default_factory=dict)  # interpreter tag -> reason
    provided: list[str] = field(default_factory=list)  # what was provisioned just now
    emulated: dict[str, EmulatedReadiness] = field(default_factory=dict)  # by architecture

    def line(self) -> str:
        """One line for the report."""
        untested = f"; untested here: {', '.join(self.untested)}" if self.untested else ""
        provided = f"; provided {', '.join(self.provided)}" if self.provided else ""
        emulated = "".join(f"; {arch}: {ready.line()}" for arch, ready in self.emulated.items())
        return f"tools, disk and interpreters ready{provided}{untested}{emulated}"


@dataclass
class EmulatedReadiness:
    """What builds and tests one other architecture's wheels here."""

    qemu: Qemu
    toolchain: CrossToolchain
    interpreters: Readiness  # its interpreters: those untested, and those provided just now

    def line(self) -> str:
        """One part of the report's line."""
        untested = self.interpreters.untested
        return f"{self.qemu.line()}, {self.toolchain.description}" + (
            f", untested here: {', '.join(untested)}" if untested else ""
        )


def needs_builder(kind: WheelKind) -> bool:
    """Whether KIND can only be built by its own interpreter: a PyPy wheel's ABI tag names the PyPy series."""
    return kind.is_pypy


def rust_version_floor() -> tuple[int, int]:
    """The oldest Rust the crate builds with: Cargo.toml's [workspace.package] rust-version."""
    manifest = tomllib.loads((REPO / "Cargo.toml").read_text(encoding="utf-8"))
    match = VERSION.match(manifest["workspace"]["package"]["rust-version"])
    if match is None:
        raise PreflightError("Cargo.toml's rust-version is not a version: fix [workspace.package] rust-version")
    return int(match[1]), int(match[2])


def check_tools() -> None:
    """Rust (new enough), git and uv are installed; PreflightError names the first one missing."""
    if shutil.which("cargo") is None:
        raise PreflightError(f"Rust is not installed (no cargo on PATH): install it with {RUSTUP}")
    cargo = run_tool(["cargo", "--version"])
    found = VERSION.search(cargo.stdout)
    floor = rust_version_floor()
    if found is None or (int(found[1]), int(found[2])) < floor:
        raise PreflightError(
            f"{cargo.stdout.strip() or 'cargo'} is older than Rust {floor[0]}.{floor[1]}: run `rustup update`"
        )
    for tool, remedy in (("git", "apt-get install git"), ("uv", "pip install uv")):
        if shutil.which(tool) is None:
            raise PreflightError(f"{tool} is not installed: {remedy}")


def check_disk(path: Path, needed: int, what: str) -> None:
    """PATH's filesystem has NEEDED bytes free; PreflightError otherwise."""
    existing = next(parent for parent in [path, *path.parents] if parent.exists())
    free = shutil.disk_usage(existing).free
    if free < needed:
        raise PreflightError(
            f"{existing} has {free / GIB:.1f} GiB free, and {what} need {needed / GIB:.0f} GiB: free some space"
        )


def required_interpreters(
    tested: Sequence[str], targets: Sequence[Target], *, builders_required: bool = True
) -> tuple[dict[InterpreterKind, str], set[InterpreterKind]]:
    """What TARGETS need: each interpreter with why, and those of them needed to build a wheel.

    Without BUILDERS_REQUIRED, a missing builder only leaves its wheel unbuilt (the wheels stage names it).
    """
    data = matrix()
    needs: dict[InterpreterKind, str] = {}
    builders: set[InterpreterKind] = set()
    for kind in data.kinds_of(targets):
        if needs_builder(kind) and builders_required:
            builder = InterpreterKind(kind.build)
            builders.add(builder)
            needs[builder] = f"builds the {kind.name} wheel"
        for interpreter in data.served_by(kind):
            if not tested or interpreter.tag in tested:
                needs.setdefault(interpreter, f"tests the {kind.name} wheel")
    return needs, builders


def refusal(item: Unprovided, why_needed: str) -> str:
    """The one line for an interpreter the release needs and this machine cannot provide by itself."""
    remedy = item.remedy or f"install {item.kind.description} ({item.kind.executable} on PATH)"
    return f"{item.kind.tag} ({item.kind.description}) {why_needed} and is missing: {item.reason}; provide it: {remedy}"


def check_interpreters(
    tested: Sequence[str], allowed_untested: Sequence[str], machine: str = HOST_MACHINE
) -> Readiness:
    """Provide the interpreters the release needs on MACHINE; PreflightError for one that cannot be had."""
    data = matrix()
    if machine == HOST_MACHINE:
        needs, builders = required_interpreters(tested, data.selected(local_only=True))
    else:
        needs, builders = required_interpreters(tested, data.emulated_targets(machine), builders_required=False)
    before = {interpreter.tag for interpreter in discover(machine=machine)}
    if missing := [kind for kind in needs if kind.tag not in before]:
        check_disk(CACHE_DIR, FREE_FOR_INTERPRETERS, "interpreters provided offline")
    unprovided = provide(missing, machine=machine) if missing else []
    readiness = Readiness(provided=sorted({i.tag for i in discover(machine=machine)} - before))
    for item in unprovided:
        # Nothing here provides it, and it only tests: loud, and left to the hosted workflow.
        unobtainable = item.remedy is None and item.kind not in builders
        if item.kind in builders or not (item.kind.tag in allowed_untested or unobtainable):
            raise PreflightError(refusal(item, needs[item.kind]))
        allowed = " (allowed by --allow-untested)" if item.kind.tag in allowed_untested else ""
        readiness.untested[item.kind.tag] = f"{item.reason}{allowed}; the hosted workflow tests it"
    return readiness


def check_emulation(machine: str, tested: Sequence[str], allowed_untested: Sequence[str]) -> EmulatedReadiness:
    """QEMU, a cross-compiling Rust and the interpreters for MACHINE's wheels; PreflightError if one is missing."""
    if not matrix().emulated_targets(machine):
        archs = ", ".join(matrix().emulated_archs()) or "none"
        raise PreflightError(f"--arch {machine}: wheels.toml has no emulated target of that architecture ({archs})")
    qemu = registered_qemu(machine)
    interpreters = check_interpreters(tested, allowed_untested, machine)
    return EmulatedReadiness(qemu, cross_toolchain.provide(machine), interpreters)


def preflight(
    tested: Sequence[str] = (), allowed_untested: Sequence[str] = (), emulated: Sequence[str] = ()
) -> Readiness:
    """Everything the release needs on this machine, provided or named; PreflightError if not.

    EMULATED names the other architectures whose wheels are built and tested here too, under QEMU.
    """
    supported = {kind.tag for kind in matrix().interpreters}
    if unknown := sorted({*tested, *allowed_untested} - supported):
        raise PreflightError(f"{', '.join(unknown)}: not an interpreter wheels.toml lists ({', '.join(supported)})")
    check_tools()
    check_disk(REPO / "target", FREE_FOR_BUILDS, "the wheel builds")
    readiness = check_interpreters(tested, allowed_untested)
    for machine in dict.fromkeys(emulated):
        readiness.emulated[machine] = check_emulation(machine, tested, allowed_untested)
    return readiness


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", action="append", default=[], metavar="TAG", help="test only these interpreters")
    parser.add_argument(
        "--allow-untested", action="append", default=[], metavar="TAG", help="this interpreter may be missing"
    )
    parser.add_argument(
        "--arch", action="append", default=[], metavar="MACHINE", help="also this architecture, under emulation"
    )
    args = parser.parse_args()
    return run_main(lambda: print(preflight(args.python, args.allow_untested, args.arch).line()))


if __name__ == "__main__":
    sys.exit(main())
