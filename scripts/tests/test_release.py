"""The release command as a whole: which wheel claims which interpreter, and what an interrupt leaves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from release import claims

ABI3 = "pyo3_showcase-1.0.0-cp310-abi3-manylinux_2_28_x86_64.whl"
ABI3T = "pyo3_showcase-1.0.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl"
CP314T = "pyo3_showcase-1.0.0-cp314-cp314t-manylinux_2_28_x86_64.whl"
PP311 = "pyo3_showcase-1.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl"


@pytest.mark.parametrize(
    ("wheel", "claimed", "not_claimed"),
    [
        (ABI3, ["cp310", "cp311", "cp315"], ["cp314t", "pp311"]),
        (ABI3T, ["cp315", "cp315t"], ["cp314t", "cp314", "pp311"]),
        (CP314T, ["cp314t"], ["cp314", "cp315t", "pp311"]),
        (PP311, ["pp311"], ["cp311", "pp312"]),
    ],
)
def test_a_wheel_claims_exactly_the_interpreters_its_tags_allow(
    wheel: str, claimed: list[str], not_claimed: list[str]
) -> None:
    assert [tag for tag in claimed if claims(wheel, tag)] == claimed
    assert [tag for tag in not_claimed if claims(wheel, tag)] == []


def pypiserver_processes() -> set[int]:
    """Process ids of running pypiserver instances (any user)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"pypiserver" in command:
                found.add(int(entry.name))
    return found


@pytest.mark.timeout(600)
def test_ctrl_c_during_the_build_leaves_no_server_and_no_partial_files(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    out = tmp_path / "out"
    servers_before = pypiserver_processes()
    release = subprocess.Popen(
        [sys.executable, str(clone / "scripts" / "release.py"), "--out", str(out), "--python", "cp311"],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "CARGO_TERM_PROGRESS_WHEN": "never"},
        start_new_session=True,  # its own process group, like a command started in a terminal
    )
    assert release.stdout is not None
    seen = []
    for line in release.stdout:
        seen.append(line)
        if line.startswith("[3/8] wheels"):
            break
    time.sleep(3)  # well inside the Rust build, which takes minutes in a fresh clone
    os.killpg(release.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group, cargo included
    rest, _ = release.communicate(timeout=120)
    output = "".join(seen) + rest

    assert release.returncode == 130, output
    assert "interrupted: nothing more was built or uploaded" in output
    assert not (out / "work" / "staging").exists()
    assert not any((out / "dist").glob("*")), "files appear in dist only once the release is complete"
    assert not (out / "index").exists(), "nothing may have been published"
    assert pypiserver_processes() <= servers_before
    report = json.loads((out / "report.json").read_text())
    assert {stage["name"]: stage["status"] for stage in report["stages"]}["wheels"] == "interrupted"
