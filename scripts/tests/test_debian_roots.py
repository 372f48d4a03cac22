"""A cached root filesystem is reused, also when its suite lacks a package asked for (scripts/debian_roots.py).

debootstrap itself needs root, the archive and minutes; here a stand-in answers as debootstrap
does: "Couldn't find these debs" for a package the suite lacks, else a finished root filesystem.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import debian_roots
import pytest


class Debootstrap:
    """Stands in for debootstrap: a suite that has every package but LACKING; counts its runs."""

    def __init__(self, lacking: set[str]) -> None:
        self.lacking = lacking
        self.runs = 0

    def __call__(self, command: Sequence[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        included = next(arg for arg in command if arg.startswith("--include=")).removeprefix("--include=")
        if missing := sorted(set(included.split(",")) & self.lacking):
            return subprocess.CompletedProcess(
                list(command), 1, "", f"E: Couldn't find these debs: {' '.join(missing)}"
            )
        (Path(command[-1]) / "usr" / "bin").mkdir(parents=True)
        return subprocess.CompletedProcess(list(command), 0, "", "")


@pytest.fixture
def debootstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Debootstrap:
    """The stand-in, with the cache directory in TMP_PATH."""
    fake = Debootstrap(lacking={"python3.16"})
    monkeypatch.setattr(debian_roots, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(debian_roots, "run_tool", fake)
    return fake


def test_a_package_the_suite_lacks_is_left_out_and_reported(debootstrap: Debootstrap, tmp_path: Path) -> None:
    built = debian_roots.build("debian-sid", "sid", ["python3.15", "python3.16"])
    assert built.path == tmp_path / "debian-sid"
    assert built.absent == {"python3.16"}
    assert debootstrap.runs == 2, "once with everything, once without what the suite lacks"


def test_asking_again_for_a_lacking_package_reuses_the_root(debootstrap: Debootstrap, tmp_path: Path) -> None:
    debian_roots.build("debian-sid", "sid", ["python3.15", "python3.16"])
    again = debian_roots.build("debian-sid", "sid", ["python3.16", "python3.15"])
    assert (again.path, again.absent) == (tmp_path / "debian-sid", frozenset({"python3.16"}))
    assert debootstrap.runs == 2, "the cached root was built again"
    fewer = debian_roots.build("debian-sid", "sid", ["python3.15"])
    assert (fewer.path, fewer.absent) == (tmp_path / "debian-sid", frozenset())
    assert debootstrap.runs == 2


def test_a_package_not_asked_for_before_builds_the_root_again(debootstrap: Debootstrap) -> None:
    debian_roots.build("debian-sid", "sid", ["python3.15"])
    built = debian_roots.build("debian-sid", "sid", ["python3.15", "pypy3"])
    assert built.absent == frozenset()
    assert debootstrap.runs == 2
