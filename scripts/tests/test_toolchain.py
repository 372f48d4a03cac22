"""One pinned Rust toolchain for every build path: rust-toolchain.toml, read by each, named by none.

Locally rustup reads the file; the sdist carries it; cibuildwheel's Linux before-all installs
exactly its version in the containers (read from the file, as cibuildwheel resolves the option);
every hosted job that runs cargo outside a container installs it with `rustup toolchain install`,
which reads it too. No other place names a Rust version, so a wheel built by next month's tag and
the one a contributor rebuilds use the same compiler.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from build_sdist import FIXED_FILES
from cibuildwheel.options import CommandLineArguments, compute_options
from conftest import REPO
from release_matrix import github_matrix, matrix
from ruamel.yaml import YAML

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

TOOLCHAIN = tomllib.loads((REPO / "rust-toolchain.toml").read_text(encoding="utf-8"))["toolchain"]
RUST_VERSION = re.compile(r"\b1\.\d{2}(\.\d+)?\b")
# Steps that compile Rust on the runner itself (the Linux wheels compile inside containers).
COMPILES = re.compile(r"uv run noxfile\.py -s (lint|rust|tests|pipeline)\b|build_sdist\.py|-m cibuildwheel")


def test_the_pin_is_an_exact_release_with_the_lint_components() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", TOOLCHAIN["channel"]), "pin an exact version, not a channel"
    assert {"clippy", "rustfmt"} <= set(TOOLCHAIN["components"])


def test_the_pin_is_no_older_than_the_crates_floor() -> None:
    floor = tomllib.loads((REPO / "Cargo.toml").read_text(encoding="utf-8"))["workspace"]["package"]["rust-version"]
    pinned = tuple(int(part) for part in TOOLCHAIN["channel"].split("."))
    assert pinned >= tuple(int(part) for part in floor.split(".")), f"rust-version {floor} is above the pin"


def test_this_machine_builds_with_the_pin() -> None:
    version = subprocess.run(["cargo", "--version"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"cargo {TOOLCHAIN['channel']} ")


def test_the_sdist_carries_the_pin() -> None:
    assert "rust-toolchain.toml" in FIXED_FILES


@pytest.mark.parametrize("entry", github_matrix(matrix(), linux=True), ids=lambda entry: entry["name"])
def test_the_containers_install_exactly_the_pinned_toolchain(entry: dict[str, str]) -> None:
    """As cibuildwheel resolves before-all for each Linux build: read from the file, no version written."""
    arguments = dataclasses.replace(CommandLineArguments.defaults(), package_dir=REPO)
    options = compute_options("linux", arguments, env={})
    for identifier in entry["build"].split():
        before_all = options.build_options(identifier).before_all
        assert "{project}/rust-toolchain.toml" in before_all
        assert '--default-toolchain "$pinned"' in before_all
        assert not RUST_VERSION.search(before_all)


def workflow_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    """(workflow, job name, job) for every job of every workflow."""
    jobs = []
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        for name, job in YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))["jobs"].items():
            jobs.append((path.name, name, job))
    return jobs


def test_every_job_that_compiles_on_its_runner_installs_the_pinned_toolchain_first() -> None:
    for workflow, name, job in workflow_jobs():
        commands = [step.get("run", "") for step in job.get("steps", [])]
        compiling = [index for index, command in enumerate(commands) if COMPILES.search(command)]
        if not compiling or name in {"linux-wheels", "graalpy"}:  # those compile in containers only
            continue
        installs = [index for index, command in enumerate(commands) if command.startswith("rustup toolchain install")]
        assert installs, f"{workflow}:{name} compiles Rust without installing the pinned toolchain"
        assert installs[0] < compiling[0], f"{workflow}:{name} compiles before installing the toolchain"


def test_no_workflow_names_a_rust_version() -> None:
    for workflow, name, job in workflow_jobs():
        for step in job.get("steps", []):
            uses, command = step.get("uses", ""), step.get("run", "")
            assert "rust-toolchain" not in uses, f"{workflow}:{name}: the toolchain comes from rust-toolchain.toml"
            if "rustup" in command or "cargo" in command:
                assert not RUST_VERSION.search(command), f"{workflow}:{name}: {command}"
                assert not re.search(r"--toolchain|\+stable|\+nightly", command), f"{workflow}:{name}: {command}"


def test_pyproject_names_no_rust_version() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for line in text.splitlines():
        if "rustup" in line or "cargo" in line:
            assert not RUST_VERSION.search(line), line
    assert Path(REPO / "rust-toolchain.toml").is_file()
