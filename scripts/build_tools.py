"""The one environment that every zig-linked build runs maturin and zig from.

maturin links through cargo-zigbuild's wrapper scripts (in its cache directory), whose names
follow from the paths of the maturin and the Python (with ziglang) that run them; cargo relinks,
and with fat LTO recompiles the crate, whenever the linker's path changes. Run from each caller's
own environment (each nox session, each clone, the main job), every build of an unchanged source
took 35-40 s per wheel kind here. From one environment, made once from the hash-checked lock of
the "build" group and shared like the build directory (scripts/project.py), they share cargo's
cache: an unchanged source compiles nothing, whoever builds it.

The environment is CACHE_DIR/tools/build-<sha256 of the lock>: a new lock makes a new one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from install_tools import install
from lock_tools import BUILD_GROUPS, LOCKS, lock_name
from project import CACHE_DIR, exclusive, file_sha256, last_line, run_tool, uv_program, venv_python
from release_errors import UsageError

TOOLS_DIR = CACHE_DIR / "tools"
COMPLETE = ".complete"  # written last: an environment without it was interrupted and is made again


def build_tools_environment() -> Path:
    """The shared build environment's directory, made from the lock first if it does not exist."""
    lock = LOCKS / lock_name(BUILD_GROUPS)
    if not lock.is_file():
        raise UsageError(f"no lock for the build tools ({lock}): run `uv run noxfile.py -s lock`")
    environment = TOOLS_DIR / f"build-{file_sha256(lock)[:16]}"
    with exclusive(TOOLS_DIR / "build.lock"):
        if not (environment / COMPLETE).is_file():
            shutil.rmtree(environment, ignore_errors=True)
            # The interpreter running this (3.11+): maturin and zig are binaries, any Python runs them.
            created = run_tool([uv_program(), "venv", "--quiet", "--python", sys.executable, str(environment)])
            if created.returncode != 0:
                raise UsageError(f"cannot create the build tools' environment: {last_line(created.stderr)}")
            install(list(BUILD_GROUPS), venv_python(environment))
            (environment / COMPLETE).write_text(lock.name + "\n", encoding="utf-8")
    return environment


def path_with_build_tools(environment: Path, path: str | None) -> str:
    """PATH with ENVIRONMENT's scripts first: maturin finds zig (ziglang) through the Python there."""
    return os.pathsep.join(part for part in (str(venv_python(environment).parent), path) if part)
