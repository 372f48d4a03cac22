"""The helpers every program shares, and that no program builds their answers a second way."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCRIPTS
from project import venv_python, venv_script


def test_a_windows_venv_keeps_its_interpreter_in_scripts(tmp_path: Path) -> None:
    assert venv_python(tmp_path, windows=True) == tmp_path / "Scripts" / "python.exe"
    assert venv_script(tmp_path, "pytest", windows=True) == tmp_path / "Scripts" / "pytest.exe"


def test_any_other_venv_keeps_it_in_bin(tmp_path: Path) -> None:
    assert venv_python(tmp_path, windows=False) == tmp_path / "bin" / "python"
    assert venv_script(tmp_path, "pytest", windows=False) == tmp_path / "bin" / "pytest"


def test_the_helper_finds_the_interpreter_of_a_venv_made_here(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")], check=True)
    python = venv_python(tmp_path / "env")
    assert python.exists()
    assert subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, check=True
    ).stdout.strip() == str(tmp_path / "env")


# A venv path built by hand: the bin/ or Scripts\ layout spelled out, rather than asked of project.py.
HAND_BUILT_VENV_PATH = re.compile(r'"Scripts"|/ "bin" / "(python|pytest|pip)|"python\.exe"')


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if p.name != "project.py"))
def test_no_other_program_builds_a_venv_path_itself(script: str) -> None:
    """Windows test legs once looked for bin/python: one function answers, for every program."""
    found = [
        line.strip()
        for line in (SCRIPTS / script).read_text(encoding="utf-8").splitlines()
        if HAND_BUILT_VENV_PATH.search(line)
    ]
    assert found == []
