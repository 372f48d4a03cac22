"""One stable-ABI rule for both auditors: the release's audit stage and cibuildwheel's audit step.

The command is taken as cibuildwheel itself resolves it from pyproject.toml for each build
identifier (its own options code) and run by cibuildwheel's own audit code, on a wheel of each
kind built here, and on a wheel that breaks the stable ABI. The abi3t wheel once failed
cibuildwheel's default audit in every hosted job while the local audit passed it.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from build_sdist import build_sdist, unpack_sdist
from cibuildwheel import errors
from cibuildwheel.audit import needs_audit, run_audit
from cibuildwheel.options import BuildOptions, CommandLineArguments, compute_options
from cibuildwheel.util.packaging import is_abi3_wheel
from conftest import REPO
from docker_wheels import NOX_ENVIRONMENT_VARIABLES
from release_matrix import github_matrix, matrix
from stable_abi_audit import abi3_problems

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PLATFORM = {"linux": "linux", "macos": "macos", "windows": "windows"}


def build_options(platform: str, identifier: str) -> BuildOptions:
    """cibuildwheel's options for IDENTIFIER on PLATFORM, read from this checkout's pyproject.toml."""
    arguments = dataclasses.replace(CommandLineArguments.defaults(), platform=platform, package_dir=REPO)
    return compute_options(platform, arguments, env={}).build_options(identifier)  # type: ignore[arg-type]


def every_identifier() -> list[tuple[str, str]]:
    """(platform, identifier) for every build of every runner of the release."""
    data = matrix()
    entries = github_matrix(data, linux=True) + github_matrix(data, linux=False)
    return [(entry["platform"], identifier) for entry in entries for identifier in entry["build"].split()]


def test_every_build_resolves_the_one_audit_rule() -> None:
    commands = {
        (tuple(build_options(p, i).audit_command), tuple(build_options(p, i).audit_requires))
        for p, i in every_identifier()
    }
    assert commands == {(("python scripts/stable_abi_audit.py {abi3_wheel}",), ("abi3audit==0.0.26",))}


def test_cibuildwheel_installs_the_abi3audit_the_release_pins() -> None:
    groups = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    pinned = [item for item in groups["audit"] if isinstance(item, str) and item.startswith("abi3audit==")]
    assert build_options("linux", "cp310-manylinux_x86_64").audit_requires == pinned


def unpacked_sdist(tmp_path: Path) -> Path:
    """This checkout's sdist, unpacked: where cibuildwheel runs its audit from."""
    sdist = build_sdist(REPO, tmp_path / "dist")
    return unpack_sdist(sdist, tmp_path / "sdist")


def audit_as_cibuildwheel_does(
    kind: str, wheel: Path, sdist_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> bool:
    """Run cibuildwheel's own audit of WHEEL as the build of KIND on Linux x86_64; whether it audited it."""
    options = build_options("linux", f"{matrix().wheels[kind].build}-manylinux_x86_64")
    if not needs_audit(options.audit_command, wheel.name):
        return False
    # cibuildwheel audits from the unpacked sdist, with its own environment (not nox's).
    monkeypatch.chdir(sdist_tree)
    for variable in NOX_ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    run_audit(tmp_dir=tmp_path, build_options=options, wheel=wheel)
    return True


@pytest.mark.timeout(600)
def test_every_wheel_kind_built_here_passes_cibuildwheels_audit(
    release_wheels: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = unpacked_sdist(tmp_path)
    audited = {
        kind: audit_as_cibuildwheel_does(kind, wheel, tree, tmp_path, monkeypatch)
        for kind, wheel in release_wheels.items()
    }
    # abi3 and abi3.abi3t are audited (and pass); the version-specific wheels have no stable ABI to keep.
    assert audited == {kind: is_abi3_wheel(wheel.name) for kind, wheel in release_wheels.items()}
    assert audited["abi3"]
    assert audited["cp315t"]


def with_extension(wheel: Path, extension: Path, target: Path) -> Path:
    """A copy of WHEEL whose compiled extension is EXTENSION."""
    with zipfile.ZipFile(wheel) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = extension.read_bytes() if info.filename.endswith(".so") else original.read(info)
            copy.writestr(info, data)
    return target


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the extension that breaks the stable ABI")
@pytest.mark.timeout(600)
def test_a_wheel_that_breaks_the_stable_abi_fails_cibuildwheels_audit(
    abi3_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extension calling PyCode_NewWithPosOnlyArgs, which no stable ABI has, in an abi3 wheel."""
    source = tmp_path / "breaks.c"
    source.write_text(
        "extern void *PyCode_NewWithPosOnlyArgs(void);\nvoid *entry(void) { return PyCode_NewWithPosOnlyArgs(); }\n"
    )
    extension = tmp_path / "breaks.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(extension), str(source)], check=True)
    broken = with_extension(abi3_wheel, extension, tmp_path / abi3_wheel.name)
    with pytest.raises(errors.AuditCommandFailedError):
        audit_as_cibuildwheel_does("abi3", broken, unpacked_sdist(tmp_path), tmp_path / "audit", monkeypatch)
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "stable_abi_audit.py"), str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 13
    assert "PyCode_NewWithPosOnlyArgs" in result.stderr


def abi3audit_report(symbols: list[str], future: dict[str, str] | None = None) -> dict[str, object]:
    """abi3audit --report's JSON for one wheel with one extension, as abi3audit 0.0.26 writes it."""
    result = {
        "is_abi3": not symbols,
        "is_abi3_baseline_compatible": True,
        "baseline": "3.15",
        "computed": "3.15",
        "non_abi3_symbols": symbols,
        "future_abi3_objects": future or {},
    }
    wheel = [{"name": "_native.abi3t-x86_64-linux-gnu.so", "result": result}]
    return {"specs": {"pyo3_showcase.whl": {"kind": "wheel", "wheel": wheel}}}


def test_the_rule_allows_only_the_pep_793_export_hook() -> None:
    """Only PyModExport_<name> is let through from abi3audit's non-stable-ABI symbols."""
    # What abi3audit 0.0.26 reports for the real cp315-abi3.abi3t wheel PyO3 0.30 builds.
    hooks = ["PyModExport__native", "PyModExport_pyo3_async_runtimes"]
    assert abi3_problems(abi3audit_report(hooks)) == (1, [])
    audited, problems = abi3_problems(abi3audit_report([*hooks, "_PyObject_GC_Malloc"]))
    assert (audited, problems) == (1, ["_native.abi3t-x86_64-linux-gnu.so uses non-stable-ABI _PyObject_GC_Malloc"])
    assert abi3_problems(abi3audit_report([], {"PyType_GetBaseByToken": "3.16"}))[1] == [
        "_native.abi3t-x86_64-linux-gnu.so uses PyType_GetBaseByToken, newer than abi3 3.15"
    ]
