"""wheels.toml, read by scripts/release_matrix.py: what it says, and that every copy elsewhere agrees.

The copies that must stay literal (pyproject.toml's cibuildwheel build list, classifiers and
requires-python, ci.yml's test matrix, the README's support table) are compared with what the
module derives; what a runner provisions and tests is compared with what the wheels it installs
claim, reading their file names.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SCRIPTS
from expected_wheels import expected_by_kind, expected_files
from provision_interpreters import wanted_kinds
from release_errors import UsageError
from release_matrix import (
    WHEELS_TOML,
    InterpreterKind,
    claims,
    github_matrix,
    load,
    markdown_table,
    matrix,
)
from ruamel.yaml import YAML

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

ABI3 = "pyo3_showcase-1.0.0-cp310-abi3-manylinux_2_28_x86_64.whl"
ABI3T = "pyo3_showcase-1.0.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl"
CP314T = "pyo3_showcase-1.0.0-cp314-cp314t-manylinux_2_28_x86_64.whl"
PP311 = "pyo3_showcase-1.0.0-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


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


def test_each_wheel_kind_serves_the_interpreters_its_tags_claim() -> None:
    data = matrix()
    served = {kind.name: [i.tag for i in data.served_by(kind)] for kind in data.wheels.values()}
    assert served == {
        "abi3": ["cp310", "cp311", "cp312", "cp313", "cp314", "cp315"],
        "cp314t": ["cp314t"],
        "cp315t": ["cp315", "cp315t"],
        "pp311": ["pp311"],
    }


def test_interpreter_kinds_name_themselves_for_every_tool() -> None:
    assert [InterpreterKind(tag).executable for tag in ("cp310", "cp314t", "pp311")] == [
        "python3.10",
        "python3.14t",
        "pypy3.11",
    ]
    assert [InterpreterKind(tag).uv_request for tag in ("cp310", "cp314t", "pp311")] == [
        "cpython-3.10",
        "cpython-3.14+freethreaded",
        "pypy-3.11",
    ]


def claimed_by_files(runner: str) -> set[str]:
    """The interpreter kinds that the wheel files of RUNNER's tested targets claim, read off their names."""
    data = matrix()
    names = {target.platform_for(kind) for target in data.tested_on(runner) for kind in target.wheels}
    files = {name for name in expected_files("1.0.0", local_only=False) if name.endswith(".whl")}
    runner_files = {name for name in files if name.removesuffix(".whl").split("-")[4] in names}
    return {kind.tag for kind in data.interpreters if any(claims(name, kind.tag) for name in runner_files)}


@pytest.mark.parametrize("runner", matrix().test_runners())
def test_each_runner_provisions_and_tests_exactly_what_its_wheels_claim(runner: str) -> None:
    """What provision_interpreters.py and test_wheels.py take for a runner is what its wheels serve:
    no interpreter that no wheel serves (PyPy 3.12 once stopped every test job), none left out."""
    assert {kind.tag for kind in wanted_kinds(runner)} == claimed_by_files(runner)


def test_windows_arm_has_no_pypy_to_provide() -> None:
    assert "pp311" not in {kind.tag for kind in wanted_kinds("windows-11-arm")}
    assert "pp311" in {kind.tag for kind in wanted_kinds("windows-2025")}


def test_this_machine_provisions_what_its_own_wheels_claim() -> None:
    data = matrix()
    local = {name for names in expected_by_kind("1.0.0", local_only=True).values() for name in names}
    claimed = {kind.tag for kind in data.interpreters if any(claims(name, kind.tag) for name in local)}
    assert {kind.tag for kind in wanted_kinds(None)} == claimed


def test_the_emulated_targets_join_the_local_gate_only_when_their_arch_is_asked_for() -> None:
    data = matrix()
    assert data.emulated_archs() == ("aarch64",)
    native = expected_files("1.0.0", local_only=True)
    with_aarch64 = expected_files("1.0.0", local_only=True, emulated_archs=["aarch64"])
    added = with_aarch64 - native
    assert added == {name for name in expected_files("1.0.0", local_only=False) if "manylinux_2_28_aarch64" in name}
    assert len(added) == len(data.emulated_targets("aarch64")[0].wheels)
    assert expected_files("1.0.0", local_only=True, emulated_archs=["ppc64le"]) == native


def test_the_emulated_interpreters_are_those_the_aarch64_wheels_claim() -> None:
    aarch64 = {name for name in expected_files("1.0.0", local_only=False) if name.endswith("_aarch64.whl")}
    glibc = {name for name in aarch64 if "manylinux" in name}
    claimed = {kind.tag for kind in matrix().interpreters if any(claims(name, kind.tag) for name in glibc)}
    assert {kind.tag for kind in wanted_kinds(None, "aarch64")} == claimed


def test_pyproject_cibuildwheel_build_list_is_the_one_wheels_toml_gives() -> None:
    assert PYPROJECT["tool"]["cibuildwheel"]["build"] == matrix().cibuildwheel_build()


def test_pyproject_classifiers_and_python_floor_follow_wheels_toml() -> None:
    data = matrix()
    project = PYPROJECT["project"]
    minors = sorted({kind.minor for kind in data.interpreters if kind.implementation == "cpython"})
    versions = [c for c in project["classifiers"] if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions == [f"Programming Language :: Python :: 3.{minor}" for minor in minors]
    assert project["requires-python"] == f">=3.{minors[0]}"
    implementations = {kind.implementation for kind in data.interpreters}
    assert ("Programming Language :: Python :: Implementation :: PyPy" in project["classifiers"]) is (
        "pypy" in implementations
    )
    free_threaded = "Programming Language :: Python :: Free Threading :: 3 - Stable" in project["classifiers"]
    assert free_threaded is any(kind.free_threaded for kind in data.interpreters)


def test_ci_tests_the_oldest_and_newest_of_every_interpreter_build_on_every_os() -> None:
    ci = YAML(typ="safe", pure=True).load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    tests = ci["jobs"]["tests"]["strategy"]["matrix"]
    data = matrix()
    groups: dict[tuple[str, bool], list[str]] = {}
    for kind in data.interpreters:
        groups.setdefault((kind.implementation, kind.free_threaded), []).append(kind.tag)
    ends = {tag for tags in groups.values() for tag in (tags[0], tags[-1])}
    assert set(tests["python"]) == ends
    assert {runner.split("-")[0] for runner in tests["os"]} == {"ubuntu", "macos", "windows"}


def test_readme_support_table_is_generated_from_wheels_toml() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- support-table:[^\n]*-->\n(.*?)\n<!-- end support-table -->", readme, re.DOTALL)
    assert found is not None, "README.md lost its support-table markers"
    assert found.group(1).strip() == markdown_table(load()).strip()


def test_the_readme_table_has_a_row_per_platform_and_a_column_per_wheel_kind() -> None:
    data = load()
    lines = markdown_table(data).splitlines()
    assert lines[0] == (
        "| Platform | CPython 3.10\N{EN DASH}3.14 (abi3) | CPython 3.14t "
        "| CPython 3.15+ and 3.15t+ (abi3t) | PyPy 3.11 |"
    )
    assert [line.split(" | ")[0].removeprefix("| ") for line in lines[2:]] == [target.label for target in data.targets]
    assert "| Linux x86_64 (musl 1.2+) | ✅ | ✅ | ✅ | — |" in lines


def test_the_matrix_builds_every_hosted_wheel_once() -> None:
    """The wheel matrix: one job per runner, one build identifier per interpreter and target."""
    data = load()
    linux, others = github_matrix(data, linux=True), github_matrix(data, linux=False)
    assert [entry["runner"] for entry in linux] == ["ubuntu-24.04", "ubuntu-24.04-arm"]
    assert [entry["runner"] for entry in others] == ["macos-15-intel", "macos-15", "windows-2025", "windows-11-arm"]
    identifiers = [identifier for entry in linux + others for identifier in entry["build"].split()]
    assert len(identifiers) == len(set(identifiers))
    # One build identifier per wheel kind's builder and target; the others only test.
    builders = {f"{kind.build}-" for kind in data.wheels.values()}
    built = [identifier for identifier in identifiers if identifier.startswith(tuple(builders))]
    assert len(built) == len(expected_files("0.1.0", local_only=False)) - 1
    windows = next(entry for entry in others if entry["runner"] == "windows-2025")
    assert windows["archs"] == "AMD64 x86"
    assert "pp311-win_amd64" in windows["build"]
    assert "pp311-win32" not in windows["build"]
    assert next(entry for entry in others if entry["runner"] == "macos-15-intel")["macosx_deployment_target"] == "10.12"
    for which, expected in (("linux", linux), ("macos-windows", others)):
        command = [sys.executable, str(SCRIPTS / "release_matrix.py"), "--github-matrix", which]
        assert json.loads(subprocess.run(command, capture_output=True, check=True).stdout) == expected


def test_the_install_checks_are_the_oldest_and_newest_interpreter_picking_each_wheel() -> None:
    data = matrix()
    assert [kind.tag for kind in data.install_checks(data.tested_on("ubuntu-24.04"))] == [
        "cp310",  # abi3, oldest
        "cp314",  # abi3, newest: 3.15 picks the abi3.abi3t wheel
        "cp315",  # abi3t on GIL CPython
        "cp314t",
        "cp315t",
        "pp311",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('archs = "arm64"', 'archs = "arm64"\nrunner_os = "macOS"'), "unknown key"),
        (('wheels = ["abi3", "cp314t", "cp315t"]', 'wheels = ["abi3", "cp313t"]'), "cp313t, which"),
        (('macosx_deployment_target = "11.0"', 'macosx_deployment_target = "12.0"'), "does not say 12.0"),
        (('abi = "pypy311_pp80"', 'abi = "pypy310_pp73"'), "abi must be pypy311_ppNN"),
        (("local = true", 'local = "yes"'), "local must be a bool"),
        (('"cp315t", "pp311"]', '"cp315t", "pp311", "pp312"]'), "no wheel kind serves pp312"),
        (('runner = "windows-11-arm"', 'runner = "windows-12-arm"'), "has no \\[runners"),
        (('build = "pp311"', 'build = "pp312"'), "does not list"),
        (("local = true", "local = true\nemulated = true"), "only a Linux target that is not built natively"),
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


def add_target(text: str) -> str:
    """wheels.toml with one more target: Linux ppc64le, glibc, CPython wheels only."""
    return text.replace(
        "# macOS: maturin names",
        '[[targets]]\nlabel = "Linux ppc64le (glibc 2.28+)"\nplatform = "manylinux_2_28_ppc64le"\n'
        'runner = "ubuntu-24.04"\ncibuildwheel = "linux"\narchs = "ppc64le"\nidentifier = "manylinux_ppc64le"\n'
        'wheels = ["abi3", "cp314t", "cp315t"]\ntested_on_runner = false\n\n# macOS: maturin names',
        1,
    )


def test_adding_a_target_is_one_edit_that_reaches_the_gate_the_matrix_and_the_readme(tmp_path: Path) -> None:
    edited = tmp_path / "wheels.toml"
    edited.write_text(add_target(WHEELS_TOML.read_text(encoding="utf-8")), encoding="utf-8")
    data = load(edited)
    assert "pyo3_showcase-1.0.0-cp310-abi3-manylinux_2_28_ppc64le.whl" in expected_files(
        "1.0.0", local_only=False, data=data
    )
    linux = next(entry for entry in github_matrix(data, linux=True) if entry["runner"] == "ubuntu-24.04")
    assert "cp313-manylinux_ppc64le" in linux["build"].split()
    assert "| Linux ppc64le (glibc 2.28+) | ✅ | ✅ | ✅ | — |" in markdown_table(data)
    assert data.interpreters_for(data.tested_on("ubuntu-24.04")) == matrix().interpreters_for(
        matrix().tested_on("ubuntu-24.04")
    )
