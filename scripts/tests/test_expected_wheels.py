"""The expected-set gate: the release holds exactly the files wheels.toml lists, or it stops here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from expected_wheels import check_release_dir, expected_files
from interpreters import PROVISIONED_BIN, pypy_abi_of
from release_errors import ExpectedSetError, UsageError

SCRIPT = Path(__file__).resolve().parent.parent / "expected_wheels.py"

# What `scripts/build_wheels.py --zig --abi abi3 --abi cp314t --abi cp315t --abi pp311` wrote on this
# machine (maturin 1.16.0, zig from ziglang 0.17.1, Debian's PyPy 3.11 v8.0, free-threaded wheels
# built from maturin's own interpreter data); `auditwheel repair` keeps every name.
BUILT_HERE = {
    "pyo3_showcase-0.1.0-cp310-abi3-manylinux_2_28_x86_64.whl",
    "pyo3_showcase-0.1.0-cp314-cp314t-manylinux_2_28_x86_64.whl",
    "pyo3_showcase-0.1.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl",
    "pyo3_showcase-0.1.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl",
}
SDIST = "pyo3_showcase-0.1.0.tar.gz"


def release_dir(directory: Path, names: set[str]) -> Path:
    """A directory holding empty files with these names: the gate reads names only."""
    directory.mkdir(exist_ok=True)
    for name in names:
        (directory / name).touch()
    return directory


def test_the_local_set_is_what_build_wheels_makes_here() -> None:
    """The local gate expects exactly the wheels build_wheels.py makes on this machine, and the sdist."""
    assert expected_files("0.1.0", local_only=True) == {*BUILT_HERE, SDIST}


def test_the_wheel_built_for_this_session_is_expected(abi3_wheel: Path) -> None:
    """The abi3 wheel built for this test session has an expected name."""
    version = abi3_wheel.name.split("-")[1]
    assert abi3_wheel.name in expected_files(version, local_only=True)


def test_the_local_pypy_abi_comes_from_the_pypy_itself() -> None:
    """The ABI tag read from the local PyPy names a wheel of the local set."""
    pypy = PROVISIONED_BIN / "pypy3.11"
    if not pypy.exists():
        pytest.skip(f"no PyPy 3.11 at {pypy} (scripts/provision_interpreters.py provides one)")
    abi = pypy_abi_of(pypy)
    assert f"pyo3_showcase-0.1.0-pp311-{abi}-manylinux_2_28_x86_64.whl" in expected_files(
        "0.1.0", local_only=True, pypy_abi=abi
    )


def test_a_pypy_abi_replaces_only_its_own_wheels_tag() -> None:
    """--pypy-abi retags the PyPy wheel of its own Python version, and nothing else."""
    files = expected_files("0.1.0", local_only=False, pypy_abi="pypy311_pp73")
    assert "pyo3_showcase-0.1.0-pp311-pypy311_pp73-win_amd64.whl" in files
    assert not any("pp80" in name for name in files)
    with pytest.raises(UsageError, match="no pp310 wheel"):
        expected_files("0.1.0", local_only=True, pypy_abi="pypy310_pp73")
    with pytest.raises(UsageError, match="not a PyPy ABI tag"):
        expected_files("0.1.0", local_only=True, pypy_abi="pp311")


def test_the_pypys_of_two_architectures_may_be_of_different_series() -> None:
    """Built here, the x86_64 PyPy wheel may be pp80 (Debian sid's PyPy) and the aarch64 one pp73 (trixie's)."""
    by_platform = {"manylinux_2_28_x86_64": "pypy311_pp80", "manylinux_2_28_aarch64": "pypy311_pp73"}
    files = expected_files("0.1.0", local_only=True, emulated_archs=["aarch64"], pypy_abi=by_platform)
    pypy = sorted(name for name in files if "-pp311-" in name)
    assert pypy == [
        "pyo3_showcase-0.1.0-pp311-pypy311_pp73-manylinux_2_28_aarch64.whl",
        "pyo3_showcase-0.1.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl",
    ]


def test_the_hosted_set_covers_every_platform() -> None:
    """The hosted gate expects every platform's wheels, PyPy only where cibuildwheel has it."""
    files = expected_files("0.1.0", local_only=False)
    assert len(files) == 33  # 32 wheels and the sdist
    for name in [
        "pyo3_showcase-0.1.0-cp310-abi3-macosx_10_12_x86_64.whl",
        "pyo3_showcase-0.1.0-cp314-cp314t-macosx_10_15_x86_64.whl",  # cibuildwheel's 3.14+ floor
        "pyo3_showcase-0.1.0-cp315-abi3.abi3t-macosx_11_0_arm64.whl",
        "pyo3_showcase-0.1.0-cp310-abi3-musllinux_1_2_aarch64.whl",
        "pyo3_showcase-0.1.0-pp311-pypy311_pp80-win_amd64.whl",
        "pyo3_showcase-0.1.0-cp314-cp314t-win_arm64.whl",
    ]:
        assert name in files
    # cibuildwheel 4.3 has no PyPy for musllinux, win32 or win_arm64.
    assert {name.removesuffix(".whl").split("-")[4] for name in files if "-pp311-" in name} == {
        "manylinux_2_28_x86_64",
        "manylinux_2_28_aarch64",
        "macosx_10_15_x86_64",
        "macosx_11_0_arm64",
        "win_amd64",
    }


def test_file_names_carry_the_version_as_maturin_writes_it() -> None:
    """A semver pre-release is named in PEP 440 normal form, as maturin names it."""
    assert "pyo3_showcase-1.2.0rc1.tar.gz" in expected_files("1.2.0-rc.1", local_only=True)
    with pytest.raises(UsageError, match="not a PEP 440 version"):
        expected_files("1.2.0-foo", local_only=True)


def test_the_exact_set_passes_whatever_else_is_in_the_directory(tmp_path: Path) -> None:
    """Logs, reports and directories beside the release do not matter."""
    directory = release_dir(tmp_path / "dist", {*BUILT_HERE, SDIST, "report.json", "build.log"})
    (directory / "work").mkdir()
    check_release_dir(directory, expected_files("0.1.0", local_only=True))


def test_a_missing_wheel_is_named(tmp_path: Path) -> None:
    """A wheel missing from the release is named, and nothing is called unexpected."""
    missing = "pyo3_showcase-0.1.0-cp314-cp314t-manylinux_2_28_x86_64.whl"
    directory = release_dir(tmp_path, {*BUILT_HERE, SDIST} - {missing})
    with pytest.raises(ExpectedSetError, match=f"missing {missing}") as caught:
        check_release_dir(directory, expected_files("0.1.0", local_only=True))
    assert "unexpected pyo3_showcase" not in str(caught.value)
    assert caught.value.exit_code == 15


def test_an_extra_wheel_is_named(tmp_path: Path) -> None:
    """A wheel the release must not hold is named, and nothing is called missing."""
    extra = "pyo3_showcase-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    directory = release_dir(tmp_path, {*BUILT_HERE, SDIST, extra})
    with pytest.raises(ExpectedSetError, match=f"unexpected {extra}") as caught:
        check_release_dir(directory, expected_files("0.1.0", local_only=True))
    assert "missing pyo3_showcase" not in str(caught.value)


def test_the_command_line_gate_exits_with_the_expected_set_code(tmp_path: Path) -> None:
    """The command line passes an exact set and fails a short one with exit code 15 and one line."""
    directory = release_dir(tmp_path, {*BUILT_HERE, SDIST})
    command = [sys.executable, str(SCRIPT), "--version", "0.1.0", "--local", "--check", str(directory)]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    (directory / SDIST).unlink()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == ExpectedSetError.exit_code
    assert result.stderr.count("\n") == 1
    assert f"missing {SDIST}" in result.stderr


def test_a_wheel_not_buildable_here_is_named_so_rather_than_missing(tmp_path: Path) -> None:
    """When the wheels stage could not build a kind, the gate says why, not "missing" or "unexpected"."""
    pypy = "pyo3_showcase-0.1.0-pp311-pypy311_pp80-manylinux_2_28_x86_64.whl"
    directory = release_dir(tmp_path, {*BUILT_HERE, SDIST} - {pypy})
    reason = "no PyPy 3.11 (a PyPy wheel's ABI tag names the PyPy release series)"
    with pytest.raises(ExpectedSetError) as caught:
        check_release_dir(directory, expected_files("0.1.0", local_only=True), {pypy: reason})
    message = str(caught.value)
    assert f"not built {pypy} (not buildable here: {reason})" in message
    assert "missing" not in message
    assert "unexpected" not in message
