"""Where the project is, and the few things every program in scripts/ does one way only.

- REPO, the checkout; CACHE_DIR, where provisioned interpreters and caches live, outside it;
- venv_python / venv_script: a virtual environment's interpreter or script, on any OS;
- run_tool / run_module: run a program, capturing its output, with one line if it is missing;
- last_line: the line of a tool's output that says what went wrong;
- on_a_terminal: whether live progress may redraw (a CI log with FORCE_COLOR is no terminal);
- file_sha256;
- exclusive: a lock file held by one process at a time;
- shared_build: a build directory outside the checkout that every clone shares, one user at a time.
Standard library only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: its runners build one thing at a time, so nothing waits
    fcntl = None  # type: ignore[assignment]

from release_errors import UsageError

REPO = Path(__file__).resolve().parent.parent
# Everything the project provisions or caches lives here, outside the repository.
CACHE_DIR = Path(os.environ.get("PYO3_SHOWCASE_CACHE") or Path.home() / ".cache" / "pyo3-showcase")
# Cargo's output for the trees built from sdists: a fresh clone finds its dependencies compiled.
# PYO3_SHOWCASE_BUILD_CACHE moves it alone (a build that must start cold, keeping the interpreters).
BUILD_CACHE = Path(os.environ.get("PYO3_SHOWCASE_BUILD_CACHE") or CACHE_DIR / "build")

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def venv_script(env_dir: Path, name: str, *, windows: bool = os.name == "nt") -> Path:
    r"""The program NAME installed in the virtual environment at ENV_DIR.

    Windows venvs keep programs in Scripts\ with an .exe suffix; every other OS in bin/.
    """
    return env_dir / "Scripts" / f"{name}.exe" if windows else env_dir / "bin" / name


def venv_python(env_dir: Path, *, windows: bool = os.name == "nt") -> Path:
    r"""The interpreter of the virtual environment at ENV_DIR (Scripts\python.exe or bin/python)."""
    return venv_script(env_dir, "python", windows=windows)


def on_a_terminal(stream: IO[str]) -> bool:
    """Whether STREAM is a terminal, where live progress may redraw itself.

    Not rich's Console.is_terminal: FORCE_COLOR (the workflows set it for coloured logs) makes that
    true in a CI log too, where a live table redrawn twice a second would add a line each time.
    """
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def uv_program() -> str:
    """The uv to run: the one running this program (`uv run` exports UV), else the one on PATH."""
    return os.environ.get("UV") or shutil.which("uv") or "uv"


def clean(text: str) -> str:
    """Tool output without colour codes, on one line."""
    return " ".join(ANSI_ESCAPE.sub("", text).split())


def last_line(output: str) -> str:
    """The last non-empty line of a tool's output, cleaned: where tools say what went wrong."""
    lines = [clean(line) for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def run_tool(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run COMMAND, capturing its output as text; UsageError (one line) if the program is missing."""
    try:
        return subprocess.run(
            list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as error:
        raise UsageError(f"{command[0]} is not installed or not on PATH: install it and run again") from error


def run_module(
    module: str, *arguments: str, env: Mapping[str, str] | None = None, timeout: float | None = 600
) -> subprocess.CompletedProcess[str]:
    """Run a Python tool of this environment (python -m MODULE), so that PATH does not matter."""
    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"{module} is not installed for {sys.executable}: run through nox (uv run noxfile.py -s ...), "
            "which installs the tools each program needs"
        )
    return run_tool([sys.executable, "-m", module, *arguments], env=env, timeout=timeout)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold LOCK_FILE (created if missing) alone until the block ends: another process waits."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def shared_build(name: str) -> Iterator[Path]:
    """BUILD_CACHE/NAME, held by this process alone until the block ends (another run waits).

    Builds of unpacked sdists happen there rather than in a checkout's target/, so that every
    clone of the project reuses cargo's compiled dependencies: the tree's path, which rustc's
    --remap-path-prefix and cargo's fingerprints contain, stays the same.
    """
    directory = BUILD_CACHE / name
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive(BUILD_CACHE / f"{name}.lock"):
        yield directory
