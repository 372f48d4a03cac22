"""Provide the interpreters a runner (or this machine) tests with, cached outside the repository.

Usage: python scripts/provision_interpreters.py [--runner LABEL] [--no-uv] [--suite SUITE]

Which interpreters: those that the wheels of wheels.toml's targets serve (scripts/release_matrix.py),
the targets of --runner LABEL (a GitHub runner of the release workflow), or by default those this
machine builds (`local = true`). For every one that discovery (scripts/interpreters.py) does not find:
1. `uv python install` — how anyone with internet access gets CPython, free-threaded CPython
   and PyPy. Skipped with --no-uv, or when uv cannot download.
2. Otherwise, offline from Debian's archive: a minimal Debian root filesystem (debootstrap, suite
   "sid" by default) carrying the Debian builds of the missing CPython and PyPy versions that the
   suite has. Its interpreters are patched (patchelf) to load the root filesystem's own dynamic
   loader and libraries, so they run directly on the host, and are linked into CACHE_DIR/bin, where
   discovery finds them. Needs root, debootstrap and patchelf (`apt-get install debootstrap patchelf`).
Free-threaded CPython has no offline source (Debian builds none): it is reported, not faked.

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
from interpreters import PROVISIONED_BIN, discover, forget, missing_kinds
from project import last_line, run_tool
from release_errors import run_main
from release_matrix import InterpreterKind, matrix

LOADER = "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
LIBRARY_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")
DEFAULT_SUITE = "sid"


@dataclass(frozen=True)
class Unprovided:
    """A kind of interpreter that could not be provided here, why, and what would provide it."""

    kind: InterpreterKind
    reason: str
    remedy: str | None  # a command that provides it on this machine; None if nothing here can


def wanted_kinds(runner: str | None) -> tuple[InterpreterKind, ...]:
    """The interpreters RUNNER's wheels (default: this machine's) are tested with."""
    data = matrix()
    targets = data.tested_on(runner) if runner else data.selected(local_only=True)
    return data.interpreters_for(targets)


def missing_of(kinds: Iterable[InterpreterKind]) -> list[InterpreterKind]:
    """Those of KINDS that discovery does not find."""
    present = {interpreter.tag for interpreter in discover()}
    return [kind for kind in kinds if kind.tag not in present]


def install_with_uv(kinds: list[InterpreterKind]) -> str | None:
    """Ask uv for each kind; None if uv got them all, else why it could not (uv missing, offline)."""
    uv = shutil.which("uv")
    if uv is None:
        return "uv is not installed"
    for kind in kinds:
        result = run_tool([uv, "python", "install", kind.uv_request], timeout=600)
        if result.returncode != 0:
            # Almost always "cannot download here"; asking again for each kind would only repeat it.
            # The reason is given for every kind still missing: it names uv, then the one request it tried.
            failed = f"`uv python install {kind.uv_request}` failed: {last_line(result.stderr)}"
            print(f"{failed}; not asking uv for the other kinds", flush=True)
            return f"uv cannot provide interpreters here ({failed})"
        print(f"uv python install {kind.uv_request}: installed", flush=True)
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


def run_on_host(root: Path, binary: Path) -> None:
    """Make a root-filesystem binary run on the host with the root filesystem's loader and libraries."""
    loader = str(root / LOADER)
    current = run_tool(["patchelf", "--print-interpreter", str(binary)])
    if current.stdout.strip() == loader:
        return
    rpath = ":".join(str(root / directory) for directory in LIBRARY_DIRS)
    # DT_RPATH (not RUNPATH) also applies to the libraries the interpreter loads later on.
    subprocess.run(
        ["patchelf", "--set-interpreter", loader, "--force-rpath", "--set-rpath", rpath, str(binary)], check=True
    )


def provide_from_debian(kinds: list[InterpreterKind], suite: str) -> list[Unprovided]:
    """Link the Debian builds of KINDS into PROVISIONED_BIN; what could not be provided, and why."""
    carried = {kind: found for kind in kinds if (found := debian_packages(kind)) is not None}
    unprovided = [
        Unprovided(kind, f"Debian builds no {kind.description}", None) for kind in kinds if kind not in carried
    ]
    if not carried:
        return unprovided
    if remedy := debian_roots.missing_tools():
        reason = "the offline route (a Debian root filesystem) needs debootstrap, patchelf and root"
        return unprovided + [Unprovided(kind, reason, remedy) for kind in carried]
    built = debian_roots.build(f"debian-{suite}", suite, [name for names, _ in carried.values() for name in names])
    root, absent = built.path, built.absent
    PROVISIONED_BIN.mkdir(parents=True, exist_ok=True)
    for kind, (packages, path) in carried.items():
        if absent & set(packages):
            unprovided.append(Unprovided(kind, f"Debian {suite} has no {' '.join(packages)}", None))
            continue
        if root is None:
            unprovided.append(Unprovided(kind, f"debootstrap of Debian {suite} failed: {built.failure}", None))
            continue
        binary = (root / path).resolve()
        if not binary.exists():
            unprovided.append(Unprovided(kind, f"Debian {suite}'s {' '.join(packages)} hold no {path}", None))
            continue
        run_on_host(root, binary)
        link = PROVISIONED_BIN / kind.executable
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
        forget()
        print(f"{kind.tag}: provided from Debian {suite} as {link}", flush=True)
    return unprovided


def provide(kinds: Iterable[InterpreterKind], *, use_uv: bool = True, suite: str = DEFAULT_SUITE) -> list[Unprovided]:
    """Provide those of KINDS that are missing; what still is missing, each with why and any remedy.

    Also keeps up to date what an earlier run provided from Debian (a newer script may want more).
    """
    kinds = list(kinds)
    missing = missing_of(kinds)
    uv_failure = install_with_uv(missing) if missing and use_uv else None
    missing = missing_of(missing)
    provided = [i for i in discover() if i.source == "provisioned"]
    refresh = [kind for kind in kinds if kind.tag in {i.tag for i in provided} and kind not in missing]
    if not (missing or refresh):
        return []
    unprovided = provide_from_debian([*missing, *refresh], suite)
    still = {kind.tag for kind in missing_of(kinds)}
    lines = []
    for item in unprovided:
        if item.kind.tag in still:
            why = f"{uv_failure}; {item.reason}" if uv_failure else item.reason
            lines.append(Unprovided(item.kind, why, item.remedy))
    return lines


def provision(runner: str | None, use_uv: bool, suite: str) -> None:
    """Provide what is missing, then print what is available and what is still missing."""
    kinds = wanted_kinds(runner)
    for item in provide(kinds, use_uv=use_uv, suite=suite):
        remedy = f" (provide it with: {item.remedy})" if item.remedy else ""
        print(f"cannot provide {item.kind.tag}: {item.reason}{remedy}", flush=True)
    interpreters = [i for i in discover() if i.tag in {kind.tag for kind in kinds}]
    for interpreter in interpreters:
        print(f"available: {interpreter.tag:7} {interpreter.version:8} {interpreter.source:12} {interpreter.path}")
    for line in missing_kinds(interpreters, kinds):
        print(f"missing:   {line}")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runner", help="provide what this GitHub runner of the release tests with")
    parser.add_argument("--no-uv", dest="use_uv", action="store_false", help="do not try `uv python install`")
    parser.add_argument("--suite", default=DEFAULT_SUITE, help="Debian suite for offline interpreters (%(default)s)")
    args = parser.parse_args()
    return run_main(lambda: provision(args.runner, args.use_uv, args.suite))


if __name__ == "__main__":
    sys.exit(main())
