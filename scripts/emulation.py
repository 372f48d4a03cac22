"""Running another architecture's Linux programs on this machine: QEMU's user mode, through binfmt_misc.

Usage: python scripts/emulation.py [--arch MACHINE]

The wheels of wheels.toml's `emulated` targets (Linux aarch64) are built here when the main job is
asked for their architecture, and tested under emulation: the kernel hands every aarch64 program to
QEMU (a binfmt_misc handler), so its interpreters, pip and the test suite run as if native, only
slower. This is what cibuildwheel asks of an x86_64 host for `--archs aarch64` too.

Prints the QEMU that runs MACHINE's programs (default aarch64), or one line saying what is missing
and the command that provides it. QEMU before 10.0 works, but runs Python about 6 times slower
(measured: a pure-Python loop of 2 million steps, 5.9 s under 10.0, 33-38 s under 7.2, 0.26 s
natively), so the suite needs far longer; the line says so.

Exit codes: 0 registered; 19 not (PreflightError); 3 bad argument.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from project import run_tool
from release_errors import PreflightError, UsageError, run_main

BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")
QEMU_VERSION = re.compile(r"version (\d+)\.(\d+)\.?(\d*)")
FAST_QEMU = (10, 0)
# What the suite is told under emulation: the size of the texts the parallel word count is compared
# with its pure-Python reference on (tests/runtime.py: the reference takes minutes per MiB there;
# every assertion stays), and that this machine's cargo cannot link the emulated libpython
# (tests/test_embedding.py skips, saying so).
EMULATED_TEST_ENV = {"PYO3_SHOWCASE_LARGE_TEXT_MIB": "3", "PYO3_SHOWCASE_EMULATED": "1"}
INSTALL_QEMU = "apt-get install qemu-user-static binfmt-support"


@dataclass(frozen=True)
class Problem:
    """Why MACHINE's programs cannot run here, and the command that would let them."""

    reason: str
    remedy: str


@dataclass(frozen=True)
class Qemu:
    """The QEMU that binfmt_misc hands MACHINE's programs to."""

    path: Path
    version: tuple[int, ...]

    @property
    def slow(self) -> bool:
        """Whether this QEMU runs Python far slower than a current one."""
        return self.version < FAST_QEMU

    def line(self) -> str:
        """One line for the report."""
        version = ".".join(map(str, self.version))
        warning = f" (before {FAST_QEMU[0]}.{FAST_QEMU[1]}: Python runs about 6x slower)" if self.slow else ""
        return f"QEMU {version}{warning}"


# QEMU names its emulators after its own target names, which for some machines differ from theirs.
QEMU_TARGETS = {"armv7l": "arm", "i686": "i386"}


def handler(machine: str) -> Path:
    """The binfmt_misc entry for MACHINE's programs, as QEMU's packages name it."""
    return BINFMT_MISC / f"qemu-{QEMU_TARGETS.get(machine, machine)}"


def qemu_problem(machine: str) -> Problem | None:
    """Why MACHINE's programs do not run here (binfmt_misc, QEMU); None if they do."""
    if not (BINFMT_MISC / "status").exists():
        return Problem(
            f"binfmt_misc is not mounted, so no {machine} program can run here",
            f"mount -t binfmt_misc binfmt_misc {BINFMT_MISC}, then {INSTALL_QEMU}",
        )
    entry = handler(machine)
    if not entry.exists():
        return Problem(f"QEMU is not registered for {machine} programs ({entry} is missing)", INSTALL_QEMU)
    if entry.read_text().splitlines()[:1] != ["enabled"]:
        return Problem(f"QEMU's handler for {machine} programs is disabled", f"echo 1 > {entry}")
    return None


def registered_qemu(machine: str) -> Qemu:
    """The QEMU that runs MACHINE's programs; PreflightError with the remedy if none is registered."""
    if problem := qemu_problem(machine):
        raise PreflightError(f"{problem.reason}: {problem.remedy}")
    fields = dict(line.split(" ", 1) for line in handler(machine).read_text().splitlines() if " " in line)
    # Debian's handler is a link (…/aarch64-binfmt-P) to the emulator, which only --version reveals.
    path = Path(fields.get("interpreter", "")).resolve()
    answer = run_tool([str(path), "--version"])
    found = QEMU_VERSION.search(answer.stdout)
    if answer.returncode != 0 or found is None:
        raise PreflightError(f"cannot tell which QEMU {path} is ({answer.stdout.strip()!r}): {INSTALL_QEMU}")
    return Qemu(path, tuple(int(part) for part in found.groups() if part))


def show(machine: str) -> None:
    """Print the QEMU that runs MACHINE's programs."""
    if not re.fullmatch(r"[a-z0-9_]+", machine):
        raise UsageError(f"--arch {machine!r}: not an architecture name such as aarch64")
    print(f"{machine}: {registered_qemu(machine).line()}")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="aarch64", metavar="MACHINE", help="the architecture (%(default)s)")
    args = parser.parse_args()
    return run_main(lambda: show(args.arch))


if __name__ == "__main__":
    sys.exit(main())
