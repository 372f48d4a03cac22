"""Every zig build runs maturin and zig from one shared environment, made once from the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from build_tools import build_tools_environment, path_with_build_tools
from build_wheels import BuildSettings, build
from conftest import REPO
from interpreters import discover
from project import venv_python, venv_script
from release_matrix import matrix

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
    assert path.split(os.pathsep) == [str(venv_python(environment).parent), "/usr/bin"]
    python = venv_python(environment)
    zig = subprocess.run([python, "-m", "ziglang", "version"], capture_output=True, text=True, check=True)
    assert zig.stdout.strip() == pinned("ziglang")


class Started(Exception):
    """Raised in place of starting maturin: the test needs only what would have been run."""


def test_a_zig_build_runs_the_shared_maturin_whichever_environment_calls_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools, interpreters = build_tools_environment(), discover()
    started: dict[str, object] = {}
    popen = subprocess.Popen

    def record(command: list[str], **options: object) -> object:
        if Path(command[0]).name != "maturin":  # whatever else build() asks (interpreter details)
            return popen(command, **options)  # type: ignore[call-overload]
        started.update(command=command, env=options["env"])
        raise Started

    monkeypatch.setattr(subprocess, "Popen", record)
    with pytest.raises(Started):
        build(matrix().wheels["abi3"], interpreters, BuildSettings(REPO, tmp_path, "release", zig=True))
    command, env = started["command"], started["env"]
    assert isinstance(command, list)
    assert isinstance(env, dict)
    assert command[0] == str(venv_script(tools, "maturin"))
    assert "--zig" in command
    assert env["PATH"].split(os.pathsep)[0] == str(venv_python(tools).parent)
