"""Fixtures for the release-pipeline tests.

The pipeline scripts import their siblings by plain name, as they do when run; this makes that
work here too. Tests run with the "release" dependency group installed (maturin, ziglang, twine,
auditwheel, abi3audit, check-wheel-contents, pypiserver).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
REPO = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))


@pytest.fixture(scope="session")
def abi3_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real manylinux_2_28 abi3 wheel of this project, built once per session (cargo caches it)."""
    out = tmp_path_factory.mktemp("wheelhouse")
    command = [sys.executable, str(SCRIPTS / "build_wheels.py"), "--abi", "abi3", "--zig", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    (wheel,) = out.glob("pyo3_showcase-*-cp310-abi3-*.whl")
    return wheel
