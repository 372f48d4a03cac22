"""The release gates' Hypothesis profile draws the same examples on every run, so a gate cannot flip.

The release's test stage and cibuildwheel's test command run the suite with
`--hypothesis-profile=release` (tests/conftest.py). This runs every property test twice that way, in
fresh pytest processes, and compares the examples each one was called with. That takes a minute and
does not depend on the interpreter, so it runs where PYO3_SHOWCASE_CHECK_RELEASE_PROFILE=1 says:
scripts/test_wheels.py sets it for one interpreter of each run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Enough to know that the property tests were found and ran many examples each.
FEWEST_PROPERTY_TESTS = 10
FEWEST_EXAMPLES = 20


def examples_of_one_run(record: Path) -> dict[str, list[str]]:
    """Run every property test under the release profile; the arguments of each call, by test."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "example_recorder"]
    command += ["-m", "hypothesis", "--hypothesis-profile=release", str(TESTS)]
    # The rootdir (pyproject.toml's pytest configuration) is the directory holding tests/; the
    # recorder plugin is imported from tests/ before pytest puts that on sys.path itself.
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        command,
        cwd=TESTS.parent,
        env={**os.environ, "PYTHONPATH": path, "PYO3_SHOWCASE_RECORD_EXAMPLES": str(record)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    examples: dict[str, list[str]] = json.loads(record.read_text(encoding="utf-8"))
    return examples


@pytest.mark.skipif(
    os.environ.get("PYO3_SHOWCASE_CHECK_RELEASE_PROFILE") != "1",
    reason="checked once per test run (scripts/test_wheels.py picks the interpreter); "
    "PYO3_SHOWCASE_CHECK_RELEASE_PROFILE=1 runs it here",
)
@pytest.mark.thread_unsafe  # it starts two pytest runs of its own
@pytest.mark.timeout(900)
def test_release_profile_draws_the_same_examples_on_every_run(tmp_path: Path) -> None:
    first = examples_of_one_run(tmp_path / "first.json")
    second = examples_of_one_run(tmp_path / "second.json")
    assert len(first) >= FEWEST_PROPERTY_TESTS, sorted(first)
    assert all(len(calls) >= FEWEST_EXAMPLES for calls in first.values()), {k: len(v) for k, v in first.items()}
    differing = [test for test in first if first[test] != second.get(test)]
    assert differing == [], f"drew other examples on the second run: {differing}"
    assert first.keys() == second.keys()
