"""Find the Python interpreters installed on this machine that pyo3-showcase supports.

Usage: python scripts/interpreters.py [--json]

Looks on PATH (python3.X, python3.Xt, pypy3.X), in pyenv's versions directory, in uv's managed
interpreters, in the directories listed in PYO3_SHOWCASE_PYTHONS (os.pathsep-separated
interpreter paths or bin directories), and in the interpreters scripts/provision_interpreters.py
made available (CACHE_DIR/bin). Each candidate is asked what it is, so a name never lies.
Prints one line per supported interpreter, and one line naming each kind of interpreter that is
supported but missing (free-threaded CPython in particular), so a skipped cell is never silent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

# Supported interpreters: CPython GIL builds 3.10-3.15, free-threaded 3.14t+, PyPy 3.11+.
CPYTHON_MINORS = range(10, 16)
FREE_THREADED_MINORS = range(14, 16)
PYPY_MINORS = range(11, 13)

INTERPRETER_NAME = re.compile(r"python3\.\d+t?|pypy3\.\d+")

# Everything the project provisions lives here, outside the repository.
CACHE_DIR = Path(os.environ.get("PYO3_SHOWCASE_CACHE", Path.home() / ".cache" / "pyo3-showcase"))
PROVISIONED_BIN = CACHE_DIR / "bin"

PROBE = (
    "import json, sys, sysconfig; print(json.dumps({"
    "'implementation': sys.implementation.name, 'version': list(sys.version_info[:3]), "
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

    @property
    def tag(self) -> str:
        """The wheel-style name of this interpreter kind: cp311, cp314t, pp311."""
        prefix = "pp" if self.implementation == "pypy" else "cp"
        return f"{prefix}3{self.minor}{'t' if self.free_threaded else ''}"

    @property
    def supported(self) -> bool:
        """Whether pyo3-showcase builds and tests for this interpreter kind."""
        if self.implementation == "pypy":
            return self.minor in PYPY_MINORS
        if self.free_threaded:
            return self.minor in FREE_THREADED_MINORS
        return self.implementation == "cpython" and self.minor in CPYTHON_MINORS


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
    )


def names_on_path() -> Iterator[str]:
    """Executable names under which supported interpreters are usually installed."""
    for minor in CPYTHON_MINORS:
        yield f"python3.{minor}"
    for minor in FREE_THREADED_MINORS:
        yield f"python3.{minor}t"
    for minor in PYPY_MINORS:
        yield f"pypy3.{minor}"


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
    """Candidates managed by (or known to) uv, if uv is installed."""
    uv = shutil.which("uv")
    if uv is None:
        return
    try:
        listing = subprocess.run(
            [uv, "python", "list", "--only-installed", "--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        entries = json.loads(listing.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return
    for entry in entries:
        if entry.get("path") and entry.get("symlink") is None:
            yield Path(entry["path"]), "uv"


def interpreters_in(directory: Path) -> Iterator[Path]:
    """Files in ``directory`` named like an interpreter of a specific version."""
    if directory.is_dir():
        yield from (path for path in sorted(directory.iterdir()) if INTERPRETER_NAME.fullmatch(path.name))


def from_environment() -> Iterator[tuple[Path, str]]:
    """Candidates named in PYO3_SHOWCASE_PYTHONS: interpreter paths or bin directories."""
    for item in filter(None, os.environ.get("PYO3_SHOWCASE_PYTHONS", "").split(os.pathsep)):
        path = Path(item)
        for candidate in interpreters_in(path) if path.is_dir() else [path]:
            yield candidate, "PYO3_SHOWCASE_PYTHONS"


def from_provisioned() -> Iterator[tuple[Path, str]]:
    """Candidates that scripts/provision_interpreters.py made available."""
    for candidate in interpreters_in(PROVISIONED_BIN):
        yield candidate, "provisioned"


def discover(candidates: Iterable[tuple[Path, str]] | None = None) -> list[Interpreter]:
    """Every supported interpreter, one per kind and version (the first source wins), sorted."""
    if candidates is None:
        candidates = [*from_environment(), *from_path(), *from_pyenv(), *from_uv(), *from_provisioned()]
    found: dict[str, Interpreter] = {}
    seen_paths: set[Path] = set()
    for path, source in candidates:
        real = path.resolve()
        # pyenv's shims only forward to pyenv's versions, which are candidates of their own.
        if real in seen_paths or "shims" in path.parts:
            continue
        interpreter = probe(path, source)
        # Only an accepted interpreter marks its file as seen: a rejected venv symlinks to the same file.
        if interpreter is not None and interpreter.supported:
            seen_paths.add(real)
            found.setdefault(interpreter.tag, interpreter)
    return sorted(found.values(), key=lambda i: (i.implementation, i.free_threaded, i.minor))


def supported_tags() -> list[str]:
    """Every interpreter kind the project supports, e.g. cp310 ... cp315, cp314t, cp315t, pp311."""
    return [
        *(f"cp3{minor}" for minor in CPYTHON_MINORS),
        *(f"cp3{minor}t" for minor in FREE_THREADED_MINORS),
        *(f"pp3{minor}" for minor in PYPY_MINORS),
    ]


def missing_kinds(interpreters: Iterable[Interpreter]) -> list[str]:
    """One line for each supported interpreter kind that was not found, saying why."""
    present = {interpreter.tag for interpreter in interpreters}
    searched = "searched PATH, pyenv, uv, PYO3_SHOWCASE_PYTHONS and the provisioned ones"
    lines = []
    for tag in supported_tags():
        if tag in present:
            continue
        if tag.endswith("t"):
            lines.append(
                f"{tag}: skipped, no free-threaded CPython 3.{tag[3:-1]} here ({searched}; Debian builds none, "
                "so it cannot be provisioned offline); the hosted workflow tests it"
            )
        else:
            lines.append(f"{tag}: skipped, not installed here ({searched})")
    return lines


def main() -> int:
    """Print the interpreters found (as a table, or as JSON with --json) and what is missing."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the interpreters found as JSON")
    args = parser.parse_args()
    interpreters = discover()
    if args.json:
        print(json.dumps([{**asdict(i), "path": str(i.path), "tag": i.tag} for i in interpreters], indent=2))
        return 0
    for interpreter in interpreters:
        print(f"{interpreter.tag:8} {interpreter.version:8} {interpreter.source:8} {interpreter.path}")
    for line in missing_kinds(interpreters):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
