"""Every tool a job, a session or a test environment installs comes from a lock, with its hashes checked.

locks/ holds, for each set of dependency groups something installs, every pinned version and file
hash (scripts/lock_tools.py); scripts/install_tools.py installs from it with --require-hashes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SCRIPTS
from install_tools import install
from lock_tools import LOCKS, installed_sets, lock_name, stale
from release_errors import UsageError

# Ways to install Python packages without the lock.
UNLOCKED_INSTALL = re.compile(
    r"pip install(?! .*--require-hashes)|session\.install\(|--group pyproject\.toml:(?!numpy)"
)


def test_every_set_of_groups_has_a_current_lock_and_nothing_else_is_locked() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "lock_tools.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert {path.name for path in LOCKS.glob("*.txt")} == {lock_name(groups) for groups in installed_sets()}


@pytest.mark.parametrize(
    "path",
    [
        *sorted((REPO / ".github" / "workflows").glob("*.yml")),
        REPO / "noxfile.py",
        *(p for p in sorted(SCRIPTS.glob("*.py")) if p.name not in {"install_tools.py", "substitute_image.py"}),
    ],
    ids=lambda path: path.name,
)
def test_nothing_installs_a_tool_but_through_the_lock(path: Path) -> None:
    """substitute_image.py installs cibuildwheel's own constraints into the stand-in image, as its image would."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if UNLOCKED_INSTALL.search(line)]
    allowed = {
        # the wheel under test, from the wheelhouse alone
        'session.install("--no-index", "--find-links", str(TEST_WHEELHOUSE), "pyo3-showcase")',
        # the preflight's advice to a person who lacks uv, which runs everything else
        'for tool, remedy in (("git", "apt-get install git"), ("uv", "pip install uv")):',
        # NumPy is no tool: whichever release has a wheel for the interpreter under test
        'if logged([*install, "--only-binary", ":all:", "--group", "pyproject.toml:numpy"], log) != 0:',
    }
    assert [line for line in lines if line not in allowed] == []


def test_a_lock_that_no_longer_matches_pyproject_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "locks"
    shutil.copytree(LOCKS, copy)
    gate = copy / "gate.txt"
    gate.write_text(gate.read_text(encoding="utf-8").replace("packaging==", "packaging==0.0.0.dev0+"), encoding="utf-8")
    monkeypatch.setattr("lock_tools.LOCKS", copy)
    assert stale(("gate",)) is not None


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv installs from the locks")
def test_a_file_whose_hash_the_lock_does_not_list_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "locks"
    copy.mkdir()
    text = (LOCKS / "gate.txt").read_text(encoding="utf-8")
    (copy / "gate.txt").write_text(re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text), encoding="utf-8")
    subprocess.run(["uv", "venv", "--quiet", str(tmp_path / "env")], check=True)
    python = tmp_path / "env" / "bin" / "python"
    with pytest.raises(UsageError, match="cannot install gate as locked"):
        install(["gate"], python, locks=copy)
    install(["gate"], python)  # the real lock installs
    assert subprocess.run([str(python), "-c", "import packaging"], check=False).returncode == 0
