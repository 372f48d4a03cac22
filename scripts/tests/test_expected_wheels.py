"""The expected-set gate and what else wheels.toml yields: the workflow matrix and the README table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from expected_wheels import (
    WHEELS_TOML,
    check_release_dir,
    expected_files,
    github_matrix,
    load,
    markdown_table,
    pypy_abi_of,
)
from interpreters import PROVISIONED_BIN
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


def test_the_matrix_builds_every_hosted_wheel_once() -> None:
    """The workflow matrix has one job per runner and one build identifier per hosted wheel."""
    data = load()
    linux, others = github_matrix(data, linux=True), github_matrix(data, linux=False)
    assert [entry["runner"] for entry in linux] == ["ubuntu-24.04", "ubuntu-24.04-arm"]
    entries = linux + others
    assert [entry["runner"] for entry in others] == [
        "macos-15-intel",
        "macos-15",
        "windows-2025",
        "windows-11-arm",
    ]
    identifiers = [identifier for entry in entries for identifier in entry["build"].split()]
    assert len(identifiers) == len(set(identifiers))
    # Each build makes one wheel, but those that only test another (the abi3 wheel on CPython 3.11+).
    test_only = {f"{build}-" for kind in data.wheels.values() for build in kind.tested_by}
    assert test_only == {"cp311-", "cp312-", "cp313-", "cp314-", "cp315-"}
    built = [identifier for identifier in identifiers if not identifier.startswith(tuple(test_only))]
    assert len(built) == len(expected_files("0.1.0", local_only=False)) - 1
    windows = next(entry for entry in entries if entry["runner"] == "windows-2025")
    assert windows["archs"] == "AMD64 x86"
    assert "pp311-win_amd64" in windows["build"]
    assert "pp311-win32" not in windows["build"]
    intel_mac = next(entry for entry in entries if entry["runner"] == "macos-15-intel")
    assert intel_mac["macosx_deployment_target"] == "10.12"
    for which, expected in (("linux", linux), ("macos-windows", others)):
        command = [sys.executable, str(SCRIPT), "--github-matrix", which]
        assert json.loads(subprocess.run(command, capture_output=True, check=True).stdout) == expected


def test_the_readme_table_has_a_row_per_platform_and_a_column_per_interpreter() -> None:
    """The README table: platforms down, interpreters across, a dash where no wheel exists."""
    lines = markdown_table(load()).splitlines()
    assert lines[0] == (
        "| Platform | CPython 3.10\N{EN DASH}3.14 (abi3) | CPython 3.14t "
        "| CPython 3.15+ and 3.15t+ (abi3t) | PyPy 3.11 |"
    )
    assert len(lines) == 2 + 9
    assert "| Linux x86_64 (musl 1.2+) | ✅ | ✅ | ✅ | — |" in lines


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('archs = "arm64"', 'archs = "arm64"\nrunner_os = "macOS"'), "unknown key"),
        (('wheels = ["abi3", "cp314t", "cp315t"]', 'wheels = ["abi3", "cp313t"]'), "cp313t, which"),
        (('macosx_deployment_target = "11.0"', 'macosx_deployment_target = "12.0"'), "does not say 12.0"),
        (('abi = "pypy311_pp80"', 'abi = "pypy310_pp73"'), "abi must be pypy311_ppNN"),
        (("local = true", 'local = "yes"'), "local must be a bool"),
    ],
)
def test_a_malformed_wheels_toml_is_refused_in_one_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    """A typo in wheels.toml stops everything with one line naming it."""
    text = WHEELS_TOML.read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "wheels.toml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(UsageError, match=message) as caught:
        load(broken)
    assert "\n" not in str(caught.value)
