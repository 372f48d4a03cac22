"""Shared fixtures: guard against testing the source tree, make threads really interleave, and
choose how the property tests draw their examples."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    GitHubArtifactDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)
from runtime import FREE_THREADED, LARGE_TEXT_SETTING, large_text_mib

import pyo3_showcase


def example_database() -> ExampleDatabase:
    """Where exploring runs keep failing examples, so that the next run replays them first.

    PYO3_SHOWCASE_HYPOTHESIS_DB names the directory (default .hypothesis/examples). On GitHub
    Actions, ci.yml uploads it after each run as the artifact PYO3_SHOWCASE_HYPOTHESIS_ARTIFACT
    names, and the next run also reads the latest one (read-only).
    """
    local = DirectoryBasedExampleDatabase(os.environ.get("PYO3_SHOWCASE_HYPOTHESIS_DB", ".hypothesis/examples"))
    artifact, repository = os.environ.get("PYO3_SHOWCASE_HYPOTHESIS_ARTIFACT"), os.environ.get("GITHUB_REPOSITORY")
    if not (artifact and repository and "/" in repository):
        return local
    owner, name = repository.split("/", 1)
    return MultiplexedDatabase(local, ReadOnlyDatabase(GitHubArtifactDatabase(owner, name, artifact_name=artifact)))


# Two shared cores make timings noisy: judge properties by results, never by speed. Two profiles:
# - "explore" (the default: the README's test command and ci.yml): fresh draws on every run, a
#   failure printed with its falsifying example, a @reproduce_failure blob and its seed, and kept
#   in the example database, so that the next run tries it first;
# - "release" (`--hypothesis-profile=release`: the release's test stage and cibuildwheel's test
#   command): derandomized, no database, so every platform and every re-run of a tag's gate runs
#   exactly the same examples, and a gate can neither fail nor pass by chance.
EXAMPLES = 200
settings.register_profile("explore", deadline=None, max_examples=EXAMPLES, print_blob=True, database=example_database())
settings.register_profile(
    "release", deadline=None, max_examples=EXAMPLES, print_blob=True, derandomize=True, database=None
)
settings.load_profile("explore")


def pytest_report_header() -> list[str]:
    """Say which build of which interpreter and which installed package the suite runs against."""
    build = "free-threaded" if FREE_THREADED else "GIL"
    return [
        f"pyo3_showcase {pyo3_showcase.__version__} from {Path(pyo3_showcase.__file__).parent}",
        f"interpreter: {sys.implementation.name} {sys.version.split()[0]} ({build} build)",
        f"hypothesis profile: {settings.get_current_profile_name()}",
        f"large texts: {large_text_mib()} MiB ({LARGE_TEXT_SETTING})",
    ]


# ci.yml reads the last run's example database from a workflow artifact (example_database above); the
# first run has none, and a run may not reach it: Hypothesis then warns and carries on without it.
# A mark, because it must outrank pyproject.toml's filterwarnings = ["error"].
SHARED_DATABASE_UNAVAILABLE = pytest.mark.filterwarnings("default:(?s).*artifact:hypothesis.errors.HypothesisWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test may find the shared example database unavailable."""
    for item in items:
        item.add_marker(SHARED_DATABASE_UNAVAILABLE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add to a failed property test's report the seed that replays its draws (explore profile)."""
    report = yield
    # Hypothesis keeps the seed of a test's last run here; it prints it itself only for some failures.
    seed = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_generated_seed", None)
    if report.failed and report.when == "call" and seed is not None:
        report.sections.append(("hypothesis seed", f"{seed} (replay these draws: --hypothesis-seed={seed})"))
    return report


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
