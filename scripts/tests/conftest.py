"""Fixtures for the release-pipeline tests.

The pipeline scripts import their siblings by plain name, as they do when run; this makes that
work here too. Tests run with the "pipeline" dependency group installed (pyproject.toml).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
REPO = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

from build_wheels import maturin_interpreter  # noqa: E402 - importable only once scripts/ is on sys.path
from interpreters import discover  # noqa: E402
from release_matrix import matrix  # noqa: E402


@pytest.fixture(scope="session")
def release_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real manylinux_2_28 wheel of every kind this machine builds, by kind, built once per session.

    Built as the release builds them: from the sdist, linked with zig, in the build directory that
    the test command's other sessions and the main job share (scripts/project.py), so a warm run
    compiles nothing. A kind that cannot be built here exactly (PyPy without a PyPy) is left out.
    """
    out = tmp_path_factory.mktemp("wheelhouse")
    interpreters = discover()
    data = matrix()
    kinds = [
        kind.name
        for kind in data.kinds_of(data.selected(local_only=True))
        if maturin_interpreter(kind, interpreters)[0] is not None
    ]
    command = [
        sys.executable,
        str(SCRIPTS / "build_sdist.py"),
        "--zig",
        "--out",
        str(out / "dist"),
        "--wheel-out",
        str(out),
    ]
    subprocess.run([*command, *(f"--abi={kind}" for kind in kinds)], check=True, capture_output=True, timeout=3600)
    wheels = {}
    for path in out.glob("pyo3_showcase-*.whl"):
        python, abi = path.name.split("-")[2:4]
        # A PyPy wheel's ABI tag is that of the PyPy that built it (build_wheels.py checks it).
        (kind,) = [
            k
            for k in kinds
            if data.wheels[k].python == python and (data.wheels[k].is_pypy or data.wheels[k].abi == abi)
        ]
        wheels[kind] = path
    return wheels


@pytest.fixture(scope="session")
def abi3_wheel(release_wheels: dict[str, Path]) -> Path:
    """The abi3 wheel of release_wheels."""
    return release_wheels["abi3"]
