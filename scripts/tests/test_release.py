"""The release command as a whole: what an interrupt leaves, and what a fault stops before anything is built."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO


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
        env={
            **os.environ,
            "CARGO_TERM_PROGRESS_WHEN": "never",
            # As on a branch's CI run: a branch ref is no tag (it was once taken for one, and refused).
            "GITHUB_REF": "refs/heads/main",
            # An empty build directory: cargo compiles every dependency, which takes a minute or more
            # here, so the interrupt lands inside the build. The shared one compiles nothing when warm,
            # and the stage would end before the interrupt.
            "PYO3_SHOWCASE_BUILD_CACHE": str(tmp_path / "build"),
        },
        start_new_session=True,  # its own process group, like a command started in a terminal
    )
    assert release.stdout is not None
    seen = []
    for line in release.stdout:
        seen.append(line)
        if line.startswith("[4/9] wheels"):
            break
    time.sleep(3)  # well inside the cold Rust build
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


def clone_with(tmp_path: Path, path: str, text: str) -> Path:
    """A clone of this repository with one file changed, committed (the version gate wants a clean tree)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    (clone / path).write_text(text, encoding="utf-8")
    identity = ["-c", "user.name=Release Test", "-c", "user.email=release@example.invalid"]
    subprocess.run(["git", *identity, "commit", "--quiet", "-am", f"Change {path}"], cwd=clone, check=True)
    return clone


@pytest.mark.timeout(300)
def test_a_version_without_changelog_notes_stops_at_the_gate_before_anything_is_built(tmp_path: Path) -> None:
    """The first tag once uploaded everything and then failed to find its notes: now nothing is built."""
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    clone = clone_with(tmp_path, "CHANGELOG.md", re.sub(r"(?m)^## \[0\.1\.0\][^\n]*$", "## [Unreleased]", changelog))
    out = tmp_path / "out"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(clone / "scripts" / "release.py"), "--out", str(out), "--tag", "v0.1.0"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 10, result.stdout + result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: CHANGELOG.md has no '## [0.1.0]' section")
    stages = {stage["name"]: stage["status"] for stage in json.loads((out / "report.json").read_text())["stages"]}
    assert (stages["version gate"], stages["sdist"], stages["wheels"], stages["publish"]) == (
        "failed",
        "not run",
        "not run",
        "not run",
    )
    assert not (out / "work" / "sdist").exists(), "nothing may have been built"
    assert time.monotonic() - started < 120
