"""Shared fixtures: guard against testing the source tree, and make threads really interleave."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from runtime import FREE_THREADED

import pyo3_showcase

# Two shared cores make timings noisy: judge properties by results, never by speed.
settings.register_profile("showcase", deadline=None, max_examples=200)
settings.load_profile("showcase")


def pytest_report_header() -> list[str]:
    """Say which build of which interpreter and which installed package the suite runs against."""
    build = "free-threaded" if FREE_THREADED else "GIL"
    return [
        f"pyo3_showcase {pyo3_showcase.__version__} from {Path(pyo3_showcase.__file__).parent}",
        f"interpreter: {sys.implementation.name} {sys.version.split()[0]} ({build} build)",
    ]


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run against the source tree: the suite tests the installed wheel."""
    config.addinivalue_line("markers", "threads: starts many threads; runs with a tiny switch interval")
    package_dir = Path(pyo3_showcase.__file__).resolve().parent
    source_dir = Path(__file__).resolve().parent.parent / "python" / "pyo3_showcase"
    if package_dir == source_dir:
        raise pytest.UsageError(
            f"pyo3_showcase was imported from the source tree ({package_dir}); install the wheel into a "
            "virtual environment and run pytest from there (see the README)."
        )


@pytest.fixture
def interleaving_threads() -> Iterator[None]:
    """On GIL builds, switch threads every microsecond so that races would actually show up."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
