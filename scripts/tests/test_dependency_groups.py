"""Every job installs only what it runs, and that installs from binaries on every runner that runs it.

The windows-11-arm jobs once installed the whole release toolset, whose pypi-attestations needs a
cryptography/rfc3161-client build that has no win_arm64 wheel. Here each workflow job's dependency
groups (its `scripts/install_tools.py` steps, or the nox sessions it runs: noxfile.py's
SESSION_GROUPS) are resolved by uv for each runner platform the job runs on (wheels.toml's
[runners]), binaries only. This asks the package index, so it needs the network the test command
has anyway.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import pytest
from conftest import REPO
from release_matrix import github_matrix, matrix, runner_matrix
from ruamel.yaml import YAML

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

WORKFLOWS = REPO / ".github" / "workflows"
PYTHON_VERSION = "3.13"  # what the jobs' setup-python installs (release.yml's PYTHON_VERSION)
INSTALL_STEP = re.compile(r"scripts/install_tools\.py ((?:[\w-]+ ?)+)")
NOX_SESSION = re.compile(r"uv run noxfile\.py -s ([\w-]+)")


def session_groups() -> dict[str, tuple[str, ...]]:
    """noxfile.py's SESSION_GROUPS, read without importing nox."""
    tree = ast.parse((REPO / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "SESSION_GROUPS" and node.value:
            groups: dict[str, tuple[str, ...]] = ast.literal_eval(node.value)
            return groups
    raise AssertionError("noxfile.py has no SESSION_GROUPS")


def job_groups(job: dict[str, Any]) -> set[str]:
    """The dependency groups a job installs."""
    groups: set[str] = set()
    for step in job.get("steps", []):
        command = step.get("run", "")
        for found in INSTALL_STEP.findall(command):
            groups.update(found.split())
        for session in NOX_SESSION.findall(command):
            groups.update(session_groups()[session])
    return groups


def job_runners(job: dict[str, Any]) -> list[str]:
    """The runners a job runs on: its literal runs-on, or its matrix (wheels.toml's, or a literal list)."""
    runs_on = job["runs-on"]
    if runs_on == "${{ matrix.os }}":
        return list(job["strategy"]["matrix"]["os"])
    if runs_on != "${{ matrix.runner }}":
        return [runs_on]
    source = job["strategy"]["matrix"]["include"]
    data = matrix()
    if "outputs.linux" in source:
        return [entry["runner"] for entry in github_matrix(data, linux=True)]
    if "outputs.macos-windows" in source:
        return [entry["runner"] for entry in github_matrix(data, linux=False)]
    assert "outputs.runners" in source, source
    return [entry["runner"] for entry in runner_matrix(data)]


@cache
def installs() -> list[tuple[str, str, str]]:
    """(job, group, runner) for every group every job installs on every runner it runs on."""
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        jobs = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))["jobs"]
        for name, job in jobs.items():
            if "uses" in job:  # a called workflow: its own jobs are listed from its own file
                continue
            found += [
                (f"{path.name}:{name}", group, runner) for group in job_groups(job) for runner in job_runners(job)
            ]
    return found


def resolve(group: str, runner: str) -> subprocess.CompletedProcess[str]:
    """uv's resolution of GROUP for RUNNER's platform, binaries only."""
    platform = matrix().runners[runner].python_platform
    command = ["uv", "pip", "compile", "--quiet", "--no-header"]  # the resolution goes to stdout
    command += ["--group", f"pyproject.toml:{group}", "--python-platform", platform, "--python-version", PYTHON_VERSION]
    command += ["--no-python-downloads"]  # resolving for a Python version needs no such interpreter
    return subprocess.run(
        [*command, "--only-binary", ":all:"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )


def test_every_job_installs_some_group_and_the_release_jobs_only_their_own() -> None:
    jobs = {(job, group) for job, group, _ in installs()}
    assert ("release.yml:wheels", "wheels") in jobs
    assert {group for job, group in jobs if job == "release.yml:wheels"} == {"wheels"}
    assert {group for job, group in jobs if job == "release.yml:post-publish"} == {"post-publish"}
    assert {group for job, group in jobs if job == "release.yml:publish"} == {"publish"}
    assert not any(group == "release" for _, group in jobs), "no job installs the whole release toolset"


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv resolves the groups for other platforms")
@pytest.mark.timeout(900)
def test_every_group_installs_from_binaries_on_every_runner_that_installs_it() -> None:
    pairs = sorted({(group, runner) for _, group, runner in installs()})
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(pairs, pool.map(lambda pair: resolve(*pair), pairs), strict=True))
    failures = {
        f"{group} on {runner}": result.stderr.strip().splitlines()[-3:]
        for (group, runner), result in results.items()
        if result.returncode != 0
    }
    assert failures == {}
    assert ("wheels", "windows-11-arm") in results


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv resolves the groups for other platforms")
def test_the_full_release_toolset_would_not_install_on_windows_arm() -> None:
    """Why the groups are split: what the publish job needs has no win_arm64 wheels (it runs on Linux)."""
    result = resolve("publish", "windows-11-arm")
    assert result.returncode != 0
    assert "no usable wheels" in result.stderr


def test_every_group_a_job_names_exists() -> None:
    defined = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"])
    assert {group for _, group, _ in installs()} <= defined
