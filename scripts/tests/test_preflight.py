"""The main job on a machine that lacks something: it says so in one line, within seconds, before compiling.

Tried as a newcomer would, on a machine without debootstrap: the release once compiled for 12
minutes, built a PyPy wheel without a PyPy (tagged by a guess), and was then refused by its own gate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from build_wheels import BuildSettings, build
from conftest import REPO, SCRIPTS
from interpreters import discover
from release_errors import PreflightError
from release_matrix import matrix

PREFLIGHT_LIMIT = 60.0  # seconds, from the command to its refusal


def without(tool: str) -> str:
    """PATH without the directories that hold TOOL (/sbin and /usr/sbin are often one directory)."""
    kept = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / tool).exists()]
    path = os.pathsep.join(kept)
    if shutil.which(tool, path=path) is not None:
        pytest.fail(f"{tool} is still found on {path}")
    return path


@pytest.mark.timeout(300)
def test_without_debootstrap_the_release_stops_in_seconds_naming_what_to_install(tmp_path: Path) -> None:
    """No debootstrap, no interpreters provisioned yet, no download possible: one line, exit 19, nothing built."""
    env = {
        **os.environ,
        "PATH": without("debootstrap"),
        "PYO3_SHOWCASE_CACHE": str(tmp_path / "cache"),  # nothing provisioned
        "UV_OFFLINE": "1",  # `uv python install` cannot download, as on this machine
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv-pythons"),  # and has installed nothing
    }
    out = tmp_path / "out"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "release.py"), "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    seconds = time.monotonic() - started
    assert result.returncode == PreflightError.exit_code, result.stdout + result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: "), result.stderr
    assert "apt-get install debootstrap" in last
    assert seconds < PREFLIGHT_LIMIT, f"the preflight took {seconds:.0f} s"
    assert not (out / "work" / "sdist").exists(), "nothing may have been built"
    assert "Compiling" not in result.stdout


def test_an_unknown_interpreter_is_refused_by_name() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "preflight.py"), "--allow-untested", "cp399"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == PreflightError.exit_code
    assert "cp399: not an interpreter wheels.toml lists" in result.stderr


def test_a_pypy_wheel_is_never_built_without_a_pypy(tmp_path: Path) -> None:
    """Without PyPy, maturin would tag the wheel from its own data (pp73, where cibuildwheel's PyPy says pp80)."""
    kind = matrix().wheels["pp311"]
    without_pypy = [interpreter for interpreter in discover() if interpreter.implementation != "pypy"]
    started = time.monotonic()
    result = build(kind, without_pypy, BuildSettings(REPO, tmp_path, "release", zig=True))
    assert result.wheel is None
    assert result.note.startswith("not buildable here: no PyPy 3.11")
    assert time.monotonic() - started < 5, "refused before compiling anything"
    assert not list(tmp_path.glob("*.whl"))
