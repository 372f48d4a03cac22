"""Install dependency groups of pyproject.toml exactly as their lock pins them, every file's hash checked.

Usage: python scripts/install_tools.py GROUP... [--python PATH]

The lock of the set of GROUPS is locks/GROUP+GROUP.txt (scripts/lock_tools.py writes them): every
version pinned, every file's sha256 listed. `uv pip install --require-hashes` installs from it, so a
file whose hash the lock does not list is refused, and a job installs the very bytes that were
locked. Every job of the workflows, every nox session and every test environment installs its tools
this way; only NumPy is no tool and not locked (the test environments take whichever release has a
wheel for the interpreter under test).
Default --python: the interpreter running this (on a hosted runner: the one setup-python set up).
Exit codes: 0 installed; 3 no lock for these groups, or the install failed (UsageError).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lock_tools import LOCKS, lock_name
from project import last_line, run_tool, uv_program
from release_errors import UsageError, run_main


def install(groups: list[str], python: Path, *, locks: Path = LOCKS) -> None:
    """Install GROUPS into PYTHON's environment from their lock in LOCKS, hash-checked; UsageError if not."""
    lock = locks / lock_name(tuple(groups))
    if not lock.is_file():
        raise UsageError(f"no lock for {' '.join(groups)} ({lock}): run `uv run noxfile.py -s lock`")
    command = [uv_program(), "pip", "install", "--quiet", "--python", str(python), "--require-hashes"]
    installed = run_tool([*command, "--requirement", str(lock)])
    if installed.returncode != 0:
        raise UsageError(f"cannot install {' '.join(groups)} as locked: {last_line(installed.stderr)}")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="+", metavar="GROUP", help="dependency groups of pyproject.toml")
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="the environment's interpreter")
    args = parser.parse_args()
    return run_main(lambda: install(args.groups, args.python))


if __name__ == "__main__":
    sys.exit(main())
