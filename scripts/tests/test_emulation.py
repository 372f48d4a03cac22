"""What the preflight says about QEMU: registered or not, and how fast (scripts/emulation.py).

binfmt_misc is the kernel's, so these tests give the module a directory laid out like it, and a
stand-in emulator that answers --version as QEMU does.
"""

from __future__ import annotations

import stat
from pathlib import Path

import emulation
import pytest
from emulation import Qemu, qemu_problem, registered_qemu
from release_errors import PreflightError
from test_wheels import tools_do_not_load


def binfmt_misc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, version: str | None, enabled: bool = True) -> Path:
    """A binfmt_misc directory, with an aarch64 handler leading to an emulator of VERSION if given."""
    directory = tmp_path / "binfmt_misc"
    directory.mkdir()
    (directory / "status").write_text("enabled\n")
    if version is not None:
        emulator = tmp_path / "qemu-aarch64"
        emulator.write_text(f"#!/bin/sh\necho 'qemu-aarch64 version {version} (Debian)'\n")
        emulator.chmod(emulator.stat().st_mode | stat.S_IXUSR)
        handler = directory / "qemu-aarch64"
        state = "enabled" if enabled else "disabled"
        handler.write_text(f"{state}\ninterpreter {emulator}\nflags: POF\noffset 0\nmagic 7f454c46\n")
    monkeypatch.setattr(emulation, "BINFMT_MISC", directory)
    return directory


def test_an_unmounted_binfmt_misc_is_named_with_the_mount_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulation, "BINFMT_MISC", tmp_path / "absent")
    problem = qemu_problem("aarch64")
    assert problem is not None
    assert "binfmt_misc is not mounted" in problem.reason
    assert problem.remedy.startswith("mount -t binfmt_misc")


def test_no_handler_names_the_packages_that_register_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binfmt_misc(tmp_path, monkeypatch, version=None)
    with pytest.raises(PreflightError, match=r"QEMU is not registered for aarch64.*apt-get install qemu-user-static"):
        registered_qemu("aarch64")


def test_a_disabled_handler_is_named_with_the_command_that_enables_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = binfmt_misc(tmp_path, monkeypatch, version="10.0.2", enabled=False)
    problem = qemu_problem("aarch64")
    assert problem is not None
    assert problem.remedy == f"echo 1 > {directory / 'qemu-aarch64'}"


def test_the_registered_emulator_and_its_version_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binfmt_misc(tmp_path, monkeypatch, version="10.0.2")
    qemu = registered_qemu("aarch64")
    assert qemu == Qemu(tmp_path / "qemu-aarch64", (10, 0, 2))
    assert qemu.line() == "QEMU 10.0.2"


def test_an_old_qemu_works_but_the_line_says_it_is_slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binfmt_misc(tmp_path, monkeypatch, version="7.2.19")
    qemu = registered_qemu("aarch64")
    assert qemu.slow
    assert qemu.line() == "QEMU 7.2.19 (before 10.0: Python runs about 6x slower)"


def test_an_interpreter_that_cannot_import_the_test_tools_is_told_apart_from_a_failing_suite(tmp_path: Path) -> None:
    """Debian's aarch64 PyPy 7.3.19 cannot load hypothesis's native module; the release must say that, not 'failed'."""
    python = tmp_path / "python"
    error = "ImportError: _native.so: undefined symbol: PyPyModule_FromDefAndSpec2"
    python.write_text(f"#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho '{error}' >&2\nexit 1\n")
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "suite.log"
    reason = tools_do_not_load(python, log)
    assert reason == error
    assert "import hypothesis, pytest" in log.read_text()
    working = tmp_path / "working-python"
    working.write_text("#!/bin/sh\nexit 0\n")
    working.chmod(working.stat().st_mode | stat.S_IXUSR)
    assert tools_do_not_load(working, log) is None
