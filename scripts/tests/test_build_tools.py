"""Every zig build runs maturin and zig from one shared environment, made once from the lock."""

from __future__ import annotations

import os
import subprocess
import sys

from build_tools import build_tools_environment, path_with_build_tools, scripts_directory
from conftest import REPO
from project import venv_python, venv_script

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


def pinned(name: str) -> str:
    """The version pyproject.toml's build group pins NAME at."""
    groups = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    (pin,) = [item for item in groups["build"] if item.startswith(f"{name}==")]
    return str(pin.split("==")[1])


def test_every_caller_gets_the_same_environment_with_the_pinned_maturin() -> None:
    first, second = build_tools_environment(), build_tools_environment()
    assert first == second
    version = subprocess.run([venv_script(first, "maturin"), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.split() == ["maturin", pinned("maturin")]


def test_its_python_has_the_pinned_zig_and_comes_first_on_path() -> None:
    environment = build_tools_environment()
    path = path_with_build_tools(environment, "/usr/bin")
    assert path.split(os.pathsep)[0] == str(scripts_directory(environment))
    python = venv_python(environment)
    zig = subprocess.run([python, "-m", "ziglang", "version"], capture_output=True, text=True, check=True)
    assert zig.stdout.strip() == pinned("ziglang")
