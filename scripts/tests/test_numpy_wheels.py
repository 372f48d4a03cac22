"""NumPy is installed in every test environment of the release where NumPy publishes a wheel, and only there.

pyproject.toml's numpy group carries the markers; scripts/test_wheels.py and cibuildwheel's test step
(test-groups) install it binary only. For every interpreter on every target the release tests
(wheels.toml), this evaluates the group's marker as that test environment would and asks whether
the index has a NumPy wheel whose tags that interpreter and platform accept (packaging.tags, as pip
and uv rank them): the two must agree. A marker that installs where no wheel exists would fail the
release's test step; one that leaves NumPy out where a wheel exists would skip the arrays tests for
nothing. This asks the package index, so it needs the network the test command has anyway.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache

import pytest
from conftest import REPO
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags, generic_tags, mac_platforms
from packaging.utils import parse_wheel_filename
from packaging.version import Version
from pypi_simple import PyPISimple
from release_matrix import InterpreterKind, ReleaseData, Target, matrix

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

SYS_PLATFORM = {"linux": "linux", "macos": "darwin", "windows": "win32"}
# platform.machine() on Windows names the OS's architecture: AMD64 for a 32-bit Python on 64-bit Windows too.
WINDOWS_MACHINE = {"AMD64": "AMD64", "x86": "AMD64", "ARM64": "ARM64"}


@dataclass(frozen=True)
class ReleaseTestEnvironment:
    """One interpreter on one target, as its test environment in the release sees itself."""

    interpreter: InterpreterKind
    target: Target
    platforms: tuple[str, ...]  # the platform tags its installer accepts there, best first
    abi: str  # the interpreter's ABI tag
    implementation_version: str

    @property
    def name(self) -> str:
        return f"{self.interpreter.tag} on {self.target.identifier}"

    def tags(self) -> set[Tag]:
        """Every wheel tag the interpreter installs there."""
        python = (3, self.interpreter.minor)
        if self.interpreter.implementation == "pypy":
            tags = list(generic_tags(f"pp3{self.interpreter.minor}", [self.abi], self.platforms))
        else:
            tags = list(cpython_tags(python, [self.abi], self.platforms))
        return {*tags, *compatible_tags(python, None, self.platforms)}

    def markers(self) -> dict[str, str]:
        """The PEP 508 marker values the interpreter reports there."""
        machine = self.target.archs
        if self.target.cibuildwheel == "windows":
            machine = WINDOWS_MACHINE[machine]
        version = f"3.{self.interpreter.minor}"
        return {
            "implementation_name": self.interpreter.implementation,
            "implementation_version": self.implementation_version,
            "platform_machine": machine,
            "platform_python_implementation": "PyPy" if self.interpreter.implementation == "pypy" else "CPython",
            # Judged for the first release of each minor: a marker on a patch release would need more.
            "python_full_version": f"{version}.0",
            "python_version": version,
            "sys_platform": SYS_PLATFORM[self.target.cibuildwheel],
        }


def accepted_platforms(target: Target) -> tuple[str, ...]:
    """The platform tags an installer accepts in TARGET's test environment, best first.

    The manylinux_2_28 and musllinux_1_2 containers accept every older policy (PEP 600, PEP 656); the
    macOS runner its own macOS and every older one; Windows exactly its own tag.
    """
    if manylinux := re.fullmatch(r"manylinux_2_(\d+)_(\w+)", target.platform):
        return tuple(f"manylinux_2_{glibc}_{manylinux[2]}" for glibc in range(int(manylinux[1]), 4, -1))
    if musllinux := re.fullmatch(r"musllinux_1_(\d+)_(\w+)", target.platform):
        return tuple(f"musllinux_1_{musl}_{musllinux[2]}" for musl in range(int(musllinux[1]), -1, -1))
    if target.cibuildwheel == "macos":
        macos = re.fullmatch(r"macos-(\d+)(?:-intel)?", target.runner)
        assert macos, f"{target.runner}: which macOS is that?"
        return tuple(mac_platforms((int(macos[1]), 0), target.archs))
    return (target.platform,)


def release_test_environments(data: ReleaseData) -> list[ReleaseTestEnvironment]:
    """Every interpreter each target's wheels serve: cibuildwheel tests each of them there."""
    found = []
    for target in data.targets:
        for interpreter in data.interpreters_for([target]):
            kind = data.best_kind(interpreter, data.kinds_of([target]))
            assert kind is not None
            if interpreter.implementation == "pypy":  # pypy311_pp80: PyPy 8.0
                series = re.fullmatch(r"pypy\d+_pp(\d)(\d+)", kind.abi)
                assert series, kind.abi
                abi, version = kind.abi, f"{series[1]}.{series[2]}"
            else:
                abi = f"cp3{interpreter.minor}{'t' if interpreter.free_threaded else ''}"
                version = f"3.{interpreter.minor}.0"
            found.append(ReleaseTestEnvironment(interpreter, target, accepted_platforms(target), abi, version))
    return found


def numpy_requirement() -> Requirement:
    """pyproject.toml's numpy group: one requirement, with its markers."""
    group = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]["numpy"]
    assert len(group) == 1, group
    return Requirement(group[0])


@cache
def published_wheels(project: str) -> tuple[tuple[Version, str | None, frozenset[Tag]], ...]:
    """(version, Requires-Python, tags) of every wheel the index holds of PROJECT, yanked ones left out."""
    with PyPISimple() as index:
        page = index.get_project_page(project)
    return tuple(
        (version, package.requires_python, frozenset(tags))
        for package in page.packages
        if package.package_type == "wheel" and not package.is_yanked
        for _, version, _, tags in [parse_wheel_filename(package.filename)]
    )


def has_wheel(requirement: Requirement, environment: ReleaseTestEnvironment) -> bool:
    """Whether the index has a wheel satisfying REQUIREMENT that the environment's interpreter installs."""
    python = f"3.{environment.interpreter.minor}.0"
    accepted = environment.tags()
    return any(
        requirement.specifier.contains(version)
        and (requires_python is None or SpecifierSet(requires_python).contains(python))
        and not tags.isdisjoint(accepted)
        for version, requires_python, tags in published_wheels(requirement.name)
    )


def test_the_numpy_marker_names_the_interpreters_it_has_no_wheel_for() -> None:
    requirement = numpy_requirement()
    assert requirement.marker is not None
    assert requirement.marker.evaluate({"implementation_name": "pypy", "implementation_version": "8.0.1"}) is False
    assert requirement.marker.evaluate({"implementation_name": "pypy", "implementation_version": "7.3.20"}) is True
    windows_arm = {"implementation_name": "cpython", "platform_machine": "ARM64"}
    assert requirement.marker.evaluate({**windows_arm, "python_version": "3.10"}) is False
    assert requirement.marker.evaluate({**windows_arm, "python_version": "3.11"}) is True


@pytest.mark.timeout(300)
def test_numpy_is_installed_exactly_where_numpy_publishes_a_wheel() -> None:
    requirement = numpy_requirement()
    assert requirement.marker is not None
    environments = release_test_environments(matrix())
    installs = [requirement.marker.evaluate(environment.markers()) for environment in environments]
    wheels = [has_wheel(requirement, environment) for environment in environments]
    disagreements = {
        environment.name: f"marker {'installs' if install else 'leaves out'}, wheel {'exists' if wheel else 'missing'}"
        for environment, install, wheel in zip(environments, installs, wheels, strict=True)
        if install != wheel
    }
    assert disagreements == {}
    left_out = [environment.name for environment, install in zip(environments, installs, strict=True) if not install]
    print(f"NumPy in {len(environments) - len(left_out)} of {len(environments)} test environments, not in {left_out}")
