"""Find the Python interpreters installed on this machine that pyo3-showcase supports.

Usage: python scripts/interpreters.py [--json]

The supported kinds are wheels.toml's `interpreters` (scripts/release_matrix.py).
Looks on PATH (python3.X, python3.Xt, pypy3.X), in pyenv's versions directory, in uv's managed
interpreters, in the directories listed in PYO3_SHOWCASE_PYTHONS (os.pathsep-separated
interpreter paths or bin directories), and in the interpreters scripts/provision_interpreters.py
made available (CACHE_DIR/bin). Each candidate is asked what it is, so a name never lies.
Prints one line per supported interpreter, and one line naming each kind of interpreter that is
supported but missing (free-threaded CPython in particular), so a skipped cell is never silent.
Exit codes: 0 listed (whatever is missing); 3 a malformed wheels.toml.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from project import CACHE_DIR
from release_errors import UsageError, run_main
from release_matrix import InterpreterKind, matrix

INTERPRETER_NAME = re.compile(r"python3\.\d+t?|pypy3\.\d+|(python|pypy)[\d.]*t?\.exe")
PYPY_SOABI = re.compile(r"(pypy3\d+)-(pp\d+)(-.+)?")
# Where scripts/provision_interpreters.py links what it provides for this machine.
PROVISIONED_BIN = CACHE_DIR / "bin"

# This machine's architecture as Python names it (platform.machine(): x86_64, aarch64).
HOST_MACHINE = platform.machine()

PROBE = (
    "import json, platform, sys, sysconfig; print(json.dumps({"
    "'implementation': sys.implementation.name, 'version': list(sys.version_info[:3]), "
    "'machine': platform.machine(), "
    "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')), 'executable': sys.executable, "
    "'virtual_environment': sys.prefix != sys.base_prefix}))"
)


@dataclass(frozen=True, order=True)
class Interpreter:
    """One installed interpreter, described by itself rather than by its file name."""

    implementation: str  # "cpython" or "pypy"
    minor: int  # the X of 3.X
    free_threaded: bool
    version: str  # full version, e.g. "3.13.0"
    path: Path
    source: str  # where it was found: PATH, pyenv, uv or PYO3_SHOWCASE_PYTHONS
    machine: str = HOST_MACHINE  # x86_64, aarch64: another than this machine's runs under emulation

    @property
    def tag(self) -> str:
        """The wheel-style name of this interpreter kind: cp311, cp314t, pp311."""
        prefix = "pp" if self.implementation == "pypy" else "cp"
        return f"{prefix}3{self.minor}{'t' if self.free_threaded else ''}"

    @property
    def supported(self) -> bool:
        """Whether pyo3-showcase builds and tests for this interpreter kind (wheels.toml)."""
        return self.implementation in ("cpython", "pypy") and InterpreterKind(self.tag) in matrix().interpreters


def probe(path: Path, source: str) -> Interpreter | None:
    """Ask the interpreter at ``path`` what it is; None if it is not a working Python."""
    try:
        result = subprocess.run([str(path), "-I", "-c", PROBE], capture_output=True, text=True, timeout=30, check=True)
        facts = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    major, minor, micro = facts["version"]
    # A virtual environment (nox's own, say) stands for its base interpreter, found elsewhere.
    if major != 3 or facts["virtual_environment"]:
        return None
    return Interpreter(
        implementation=facts["implementation"],
        minor=minor,
        free_threaded=facts["free_threaded"],
        version=f"{major}.{minor}.{micro}",
        path=path,
        source=source,
        machine=facts["machine"],
    )


def names_on_path() -> Iterator[str]:
    """Executable names under which supported interpreters are usually installed."""
    for kind in matrix().interpreters:
        yield kind.executable


def from_path() -> Iterator[tuple[Path, str]]:
    """Candidates on PATH."""
    for name in names_on_path():
        found = shutil.which(name)
        if found:
            yield Path(found), "PATH"


def from_pyenv() -> Iterator[tuple[Path, str]]:
    """Candidates installed by pyenv."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version_dir in sorted(root.glob("*")) if root.is_dir() else []:
        for name in ("python3", "pypy3"):
            candidate = version_dir / "bin" / name
            if candidate.exists():
                yield candidate, "pyenv"
                break


def from_uv() -> Iterator[tuple[Path, str]]:
    """Candidates that uv installed (`uv python install`), if uv is installed.

    Read from uv's own directory: `uv python list` would also search PATH (slowly, shims included),
    which the other sources already do.
    """
    uv = shutil.which("uv")
    if uv is None:
        return
    try:
        answer = subprocess.run([uv, "python", "dir"], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return
    installs = Path(answer.stdout.strip())
    for install in sorted(installs.iterdir()) if installs.is_dir() else []:
        for directory in (install / "bin", install):  # bin/python3.14 elsewhere, python.exe on Windows
            for candidate in interpreters_in(directory):
                yield candidate, "uv"


def interpreters_in(directory: Path) -> Iterator[Path]:
    """Files in ``directory`` named like an interpreter (python3.14t, pypy3.11, python.exe)."""
    if directory.is_dir():
        yield from (path for path in sorted(directory.iterdir()) if INTERPRETER_NAME.fullmatch(path.name))


def from_environment() -> Iterator[tuple[Path, str]]:
    """Candidates named in PYO3_SHOWCASE_PYTHONS: interpreter paths or bin directories."""
    for item in filter(None, os.environ.get("PYO3_SHOWCASE_PYTHONS", "").split(os.pathsep)):
        path = Path(item)
        for candidate in interpreters_in(path) if path.is_dir() else [path]:
            yield candidate, "PYO3_SHOWCASE_PYTHONS"


def provisioned_bin(machine: str = HOST_MACHINE) -> Path:
    """Where scripts/provision_interpreters.py links the interpreters it provides for MACHINE."""
    return PROVISIONED_BIN if machine == HOST_MACHINE else CACHE_DIR / f"bin-{machine}"


def from_provisioned(machine: str) -> Iterator[tuple[Path, str]]:
    """Candidates that scripts/provision_interpreters.py made available for MACHINE.

    Each as the binary its link leads to: a venv made from it records that directory as its home,
    and CPython 3.13 finds its standard library only from there (3.14 follows the link itself).
    """
    for candidate in interpreters_in(provisioned_bin(machine)):
        yield candidate.resolve(), "provisioned"


def discover(candidates: Iterable[tuple[Path, str]] | None = None, machine: str = HOST_MACHINE) -> list[Interpreter]:
    """Every supported interpreter of MACHINE, one per kind and version (the first source wins), sorted.

    MACHINE is this machine's architecture by default; another one's interpreters run under
    emulation (scripts/emulation.py). Without CANDIDATES, looks in every source, once per process
    and machine: forget() makes the next call look again.
    """
    if candidates is None:
        return list(discover_everywhere(machine))
    candidates = [(path, source) for path, source in candidates if "shims" not in path.parts]
    # Each probe starts an interpreter: ask them all at once.
    with ThreadPoolExecutor(max_workers=8) as pool:
        probed = list(pool.map(lambda candidate: probe(*candidate), candidates))
    found: dict[str, Interpreter] = {}
    seen_paths: set[Path] = set()
    for (path, _), interpreter in zip(candidates, probed, strict=True):
        real = path.resolve()
        # Only an accepted interpreter marks its file as seen: a rejected venv symlinks to the same file.
        if real in seen_paths or interpreter is None or not interpreter.supported or not runs_as(interpreter, machine):
            continue
        seen_paths.add(real)
        found.setdefault(interpreter.tag, interpreter)
    return sorted(found.values(), key=lambda i: (i.implementation, i.free_threaded, i.minor))


def runs_as(interpreter: Interpreter, machine: str) -> bool:
    """Whether INTERPRETER counts as MACHINE's.

    Only Linux runs another architecture's interpreters here (QEMU through binfmt_misc), so only
    there is the host's set kept apart from theirs; elsewhere every interpreter found is the host's
    (an x86_64 Python under Rosetta on an arm64 Mac, a 32-bit one on 64-bit Windows).
    """
    if sys.platform == "linux" or machine != HOST_MACHINE:
        return interpreter.machine == machine
    return True


@functools.cache
def discover_everywhere(machine: str) -> tuple[Interpreter, ...]:
    """discover() over every source (pyenv's shims only forward to pyenv's versions, found anyway)."""
    sources = [*from_environment(), *from_path(), *from_pyenv(), *from_uv(), *from_provisioned(machine)]
    return tuple(discover(sources, machine))


def forget() -> None:
    """Look again on the next discover(): something was installed."""
    discover_everywhere.cache_clear()


def missing_kinds(interpreters: Iterable[Interpreter], wanted: Iterable[InterpreterKind] | None = None) -> list[str]:
    """One line for each wanted kind (default: every supported one) that was not found, saying why."""
    present = {interpreter.tag for interpreter in interpreters}
    searched = "searched PATH, pyenv, uv, PYO3_SHOWCASE_PYTHONS and the provisioned ones"
    lines = []
    for kind in matrix().interpreters if wanted is None else wanted:
        if kind.tag in present:
            continue
        if kind.free_threaded:
            lines.append(
                f"{kind.tag}: skipped, no {kind.description} here ({searched}; Debian builds none, "
                "so it cannot be provisioned offline); the hosted workflow tests it"
            )
        else:
            lines.append(f"{kind.tag}: skipped, not installed here ({searched})")
    return lines


def pypy_abi_of(interpreter: Path) -> str:
    """The wheel ABI tag of the PyPy at INTERPRETER (pypy311_pp80), from its own SOABI."""
    command = [str(interpreter), "-c", "import sysconfig; print(sysconfig.get_config_var('SOABI'))"]
    try:
        soabi = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"cannot ask {interpreter} for its ABI: {error}") from error
    match = PYPY_SOABI.fullmatch(soabi)
    if not match:
        raise UsageError(f"{interpreter} is not a PyPy (its SOABI is {soabi!r})")
    return f"{match[1]}_{match[2]}"


def show(as_json: bool) -> None:
    """Print the interpreters found (as a table, or as JSON) and what is missing."""
    interpreters = discover()
    if as_json:
        print(json.dumps([{**asdict(i), "path": str(i.path), "tag": i.tag} for i in interpreters], indent=2))
        return
    for interpreter in interpreters:
        print(f"{interpreter.tag:8} {interpreter.version:8} {interpreter.source:8} {interpreter.path}")
    for line in missing_kinds(interpreters):
        print(line)


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the interpreters found as JSON")
    args = parser.parse_args()
    return run_main(lambda: show(args.json))


if __name__ == "__main__":
    sys.exit(main())
