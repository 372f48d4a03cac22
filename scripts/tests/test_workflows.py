"""The hosted pipeline (.github/), checked here without GitHub: real linters, the schemas, the YAML itself.

zizmor (offline) and check-jsonschema (its vendored GitHub schemas) run for real; the parsed
workflows must keep the hardening rules (SHA pins, least privilege, no credentials left behind, no
expressions in shell code, timeouts); the release matrix must cover every wheels.toml target, and
cibuildwheel, configured by pyproject.toml alone, must select exactly the identifiers each runner
of that matrix is meant to build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from docker_wheels import cibuildwheel_command, cibuildwheel_environment
from release_matrix import github_matrix, load
from ruamel.yaml import YAML

GITHUB = REPO / ".github"
WORKFLOWS = GITHUB / "workflows"
CI = WORKFLOWS / "ci.yml"
RELEASE = WORKFLOWS / "release.yml"
DEPENDABOT = GITHUB / "dependabot.yml"
WORKFLOW_FILES = [CI, RELEASE]

# Logic belongs in scripts/, where it is typed and tested; a step's shell code stays this short.
MAX_RUN_LINES = 3
SELF_USES = re.compile(r"^\s*uses:\s+\./\.github/workflows/[\w-]+\.yml\s*(#.*)?$")
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}\s*$")
# The only jobs that may write, and what they may write.
WRITE_PERMISSIONS = {
    "publish": {"id-token": "write", "attestations": "write"},
    "github-release": {"contents": "write"},
}
# What the workflow may tell cibuildwheel: which wheels this runner builds. How to build them is
# pyproject.toml's [tool.cibuildwheel] alone.
ALLOWED_CIBW_ENV = {"CIBW_PLATFORM", "CIBW_ARCHS", "CIBW_BUILD"}
SKIPPED_NOTE = re.compile(r"Note: (\S+) was selected, but can't be built on")


def tool(name: str) -> str:
    """A command-line tool of the "release" dependency group, beside this interpreter or on PATH."""
    beside = Path(sys.executable).parent / name
    found = shutil.which(name, path=str(beside.parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install the release dependency group (pyproject.toml)")
    return found


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML file as plain data (YAML 1.2, as check-jsonschema reads it: `on:` is a string key)."""
    document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a mapping"
    return document


@pytest.fixture(scope="module")
def release() -> dict[str, Any]:
    return load_yaml(RELEASE)


def all_jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in WORKFLOW_FILES:
        for name, job in load_yaml(path)["jobs"].items():
            yield path.name, name, job


def all_steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for workflow, name, job in all_jobs():
        for step in job.get("steps", []):
            yield workflow, name, step


def test_zizmor_offline_finds_nothing() -> None:
    command = [tool("zizmor"), "--offline", "--pedantic", "--format", "plain", "--no-progress", str(GITHUB)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("path", "schema"),
    [(CI, "vendor.github-workflows"), (RELEASE, "vendor.github-workflows"), (DEPENDABOT, "vendor.dependabot")],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_matches_the_vendored_schema(path: Path, schema: str) -> None:
    command = [tool("check-jsonschema"), "--builtin-schema", schema, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines, f"{path.name} uses no action at all?"
    # This repository's own reusable workflows (./.github/workflows/...) come from the running commit.
    unpinned = [line.strip() for line in lines if not PINNED_USES.match(line) and not SELF_USES.match(line)]
    assert not unpinned, f"pin these to a full commit SHA followed by `# vX.Y.Z`: {unpinned}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_top_level_grants_nothing_and_superseded_runs_are_handled(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == {}
    assert "group" in workflow["concurrency"]


def test_only_publish_and_release_jobs_may_write() -> None:
    for workflow, name, job in all_jobs():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{workflow}: job {name} must state its permissions"
        writes = {scope: level for scope, level in permissions.items() if level == "write"}
        expected = WRITE_PERMISSIONS.get(name, {}) if workflow == RELEASE.name else {}
        assert writes == expected, f"{workflow}: job {name} writes {writes}, expected {expected}"


def test_every_job_has_a_timeout() -> None:
    # A job that calls another workflow runs that workflow's jobs, each with its own timeout.
    missing = [f"{workflow}:{name}" for workflow, name, job in all_jobs() if "timeout-minutes" not in job]
    assert missing == [f"{RELEASE.name}:ci"]


def test_checkouts_keep_no_credentials_and_nothing_is_cached() -> None:
    for workflow, job, step in all_steps():
        action = step.get("uses", "").split("@")[0]
        options = step.get("with", {})
        where = f"{workflow}: job {job}, {action}"
        assert action != "actions/cache", f"{where}: a cache could feed a release"
        if action == "actions/checkout":
            assert options.get("persist-credentials") is False, where
        if action == "astral-sh/setup-uv":
            assert options.get("enable-cache") is False, where
        if action == "actions/setup-python":
            assert "cache" not in options, where


def test_shell_code_is_short_and_takes_values_only_through_env() -> None:
    for workflow, job, step in all_steps():
        run = step.get("run")
        if run is None:
            continue
        where = f"{workflow}: job {job}, step {run.splitlines()[0]!r}"
        assert "${{" not in run, f"{where}: pass expressions through `env:`, never into shell code"
        assert len(run.strip().splitlines()) <= MAX_RUN_LINES, f"{where}: move this logic into scripts/"


def test_publish_waits_for_every_build_test_and_gate(release: dict[str, Any]) -> None:
    jobs = release["jobs"]
    after_publish = {"publish", "github-release", "post-publish"}
    allowed_to_fail = {name for name, job in jobs.items() if job.get("continue-on-error")}
    assert allowed_to_fail == {"graalpy"}
    assert set(jobs["publish"]["needs"]) == set(jobs) - after_publish - allowed_to_fail
    assert "publish" in jobs["github-release"]["needs"]
    assert "publish" in jobs["post-publish"]["needs"]


def test_publish_uses_trusted_publishing_and_routes_prereleases(release: dict[str, Any]) -> None:
    publish = release["jobs"]["publish"]
    assert "push" in publish["if"], "a workflow_dispatch run is a dry run: it must not publish"
    assert "testpypi" in publish["environment"]["name"]
    assert "prerelease" in publish["environment"]["name"]
    commands = [step.get("run", "") for step in publish["steps"]]
    uploads = [command for command in commands if command.startswith("python scripts/publish.py dist")]
    assert len(uploads) == 1
    assert uploads[0].endswith(" --attestations"), "every file goes up with its PEP 740 attestation"
    assert commands.index("pypi-attestations sign dist/*.whl dist/*.tar.gz") < commands.index(uploads[0])
    assert not any("TWINE_PASSWORD" in str(step.get("env", {})) for step in publish["steps"])


def test_release_runs_on_tags_and_by_hand(release: dict[str, Any]) -> None:
    assert release["on"]["push"] == {"tags": ["v*"]}
    assert "workflow_dispatch" in release["on"]
    header = "\n".join(RELEASE.read_text(encoding="utf-8").splitlines()[:20])
    assert "Derived from `maturin generate-ci github` (maturin 1.16.0)" in header


def test_the_wheel_matrices_are_wheels_toml(release: dict[str, Any]) -> None:
    jobs = release["jobs"]
    matrix_code = "\n".join(step.get("run", "") for step in jobs["matrix"]["steps"])
    for job, which in (
        ("linux-wheels", "linux"),
        ("wheels", "macos-windows"),
        ("test-wheels", "runners"),
        ("post-publish", "runners"),
    ):
        assert f"scripts/release_matrix.py --github-matrix {which})" in matrix_code
        assert jobs[job]["strategy"]["matrix"] == {"include": f"${{{{ fromJSON(needs.matrix.outputs.{which}) }}}}"}
        assert jobs[job]["runs-on"] == "${{ matrix.runner }}"
    entries = github_matrix(load(), linux=True) + github_matrix(load(), linux=False)
    for target in load().targets:
        assert any(
            entry["runner"] == target.runner
            and entry["platform"] == target.cibuildwheel
            and target.archs in entry["archs"].split()
            and any(build.endswith(f"-{target.identifier}") for build in entry["build"].split())
            for entry in entries
        ), f"no matrix entry builds {target.label}"


def test_cibuildwheel_gets_only_the_wheel_selection_from_the_workflow(release: dict[str, Any]) -> None:
    for workflow, job, step in all_steps():
        cibw = {key for key in step.get("env", {}) if key.startswith("CIBW_")}
        if not cibw:
            continue
        assert workflow == RELEASE.name, f"{workflow}: job {job} sets {cibw}"
        assert job in {"wheels", "graalpy"}, f"job {job} sets {cibw}"
        assert cibw == ALLOWED_CIBW_ENV, f"only {ALLOWED_CIBW_ENV} may come from the workflow, not {cibw}"
        assert step["run"] == "python -m cibuildwheel --output-dir wheelhouse dist/*.tar.gz"
        if job == "wheels":
            assert step["env"]["CIBW_BUILD"] == "${{ matrix.build }}"
    for workflow_path in WORKFLOW_FILES:
        document = load_yaml(workflow_path)
        for scope in [document, *document["jobs"].values()]:
            assert not [key for key in scope.get("env", {}) if key.startswith("CIBW_")], workflow_path.name
    # cibuildwheel comes from the pinned dependency group, the version tested here, not from an action.
    for job in ("wheels", "linux-wheels"):
        actions = {step["uses"].split("@")[0] for step in release["jobs"][job]["steps"] if "uses" in step}
        assert actions == {
            "actions/checkout",
            "actions/setup-python",
            "astral-sh/setup-uv",
            "actions/download-artifact",
            "actions/upload-artifact",
        }, job


def test_the_hosted_linux_job_runs_the_readme_docker_command_with_no_build_option(release: dict[str, Any]) -> None:
    """The Linux wheels are built by `uv run noxfile.py -s docker`, as the README tells contributors,
    and it hands cibuildwheel the platform, the output directory and the sdist: nothing else."""
    job = release["jobs"]["linux-wheels"]
    commands = [step["run"] for step in job["steps"] if "run" in step]
    assert commands == ["uv run noxfile.py -s docker -- --sdist dist/*.tar.gz --output-dir wheelhouse"]
    assert "uv run noxfile.py -s docker" in (REPO / "README.md").read_text(encoding="utf-8")
    assert not [key for step in job["steps"] for key in step.get("env", {})], "no step may set variables"
    assert "env" not in job
    assert "sdist" in job["needs"]
    sdist, out = Path("dist/pyo3_showcase-1.0.0.tar.gz"), Path("wheelhouse")
    assert cibuildwheel_command(sdist, out)[1:] == [
        "-m",
        "cibuildwheel",
        "--platform",
        "linux",
        "--output-dir",
        str(out),
        str(sdist),
    ]
    environment = cibuildwheel_environment({"SOURCE_DATE_EPOCH": "1"}, sdist, [])
    assert environment == {"SOURCE_DATE_EPOCH": "1"}, "with no selector, the wrapper adds nothing"


def print_build_identifiers(platform: str, archs: str) -> set[str]:
    """What cibuildwheel, reading pyproject.toml only, would build on a runner of PLATFORM/ARCHS."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CIBW_")}
    command = [tool("cibuildwheel"), "--print-build-identifiers", "--platform", platform, "--archs", archs]
    result = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Cross-platform, cibuildwheel notes the identifiers this machine could not build (pp311 for
    # macOS arm64 on an x86_64 host): selected all the same.
    return set(result.stdout.split()) | set(SKIPPED_NOTE.findall(result.stdout + result.stderr))


@pytest.mark.parametrize(
    "entry", github_matrix(load(), linux=True) + github_matrix(load(), linux=False), ids=lambda entry: entry["name"]
)
def test_pyproject_selects_exactly_what_each_runner_builds(entry: dict[str, str]) -> None:
    """The Linux jobs pass no archs: cibuildwheel's default there is the runner's own, the one given here."""
    assert print_build_identifiers(entry["platform"], entry["archs"]) == set(entry["build"].split())


def test_ci_runs_the_suite_through_the_readme_command_on_every_os() -> None:
    """The interpreters are wheels.toml's (scripts/tests/test_release_matrix.py checks the list)."""
    tests = load_yaml(CI)["jobs"]["tests"]
    assert {runner.split("-")[0] for runner in tests["strategy"]["matrix"]["os"]} == {"ubuntu", "macos", "windows"}
    commands = [step.get("run", "") for step in tests["steps"]]
    assert 'uv run noxfile.py -s tests -- --python "$PYTHON_TAG"' in commands


def test_a_tag_publishes_only_what_its_own_ci_passed(release: dict[str, Any]) -> None:
    """release.yml runs ci.yml on the tagged commit, and publish needs it; tags do not run CI twice."""
    assert release["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "ci" in release["jobs"]["publish"]["needs"]
    ci = load_yaml(CI)
    assert "workflow_call" in ci["on"]
    assert ci["on"]["push"] == {"branches": ["**"]}, "a tag push runs CI through release.yml only"
    # Called from release.yml, github.workflow is the caller's name: CI's group must not be the caller's.
    assert not ci["concurrency"]["group"].startswith("${{ github.workflow }}")


def test_every_release_gate_runs_the_suite_with_the_fixed_examples(release: dict[str, Any]) -> None:
    """The release profile (derandomized) wherever a release depends on the suite; CI explores."""
    runs = [step["run"] for job in release["jobs"].values() for step in job.get("steps", []) if "run" in step]
    suites = [run for run in runs if "scripts/test_wheels.py" in run]
    assert len(suites) == 2
    assert all(run.endswith("--hypothesis-profile release") for run in suites), suites
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'test-command = "python -m pytest tests --hypothesis-profile=release"' in pyproject
    ci_tests = load_yaml(CI)["jobs"]["tests"]
    assert "release" not in str(ci_tests["steps"])
    uploads = [step for step in ci_tests["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads[0]["if"] == "always()", "a failing run's examples are kept for the next one"


def test_post_publish_compares_bytes_and_checks_each_runners_interpreters(release: dict[str, Any]) -> None:
    (check,) = [
        step for step in release["jobs"]["post-publish"]["steps"] if "post_publish_check.py" in step.get("run", "")
    ]
    assert '--dist dist --runner "$RUNNER"' in check["run"]
    downloads = [
        step for step in release["jobs"]["post-publish"]["steps"] if "download-artifact" in step.get("uses", "")
    ]
    assert downloads[0]["with"]["pattern"] == "dist-*"


def test_dependabot_updates_every_ecosystem_after_a_cooldown() -> None:
    updates = load_yaml(DEPENDABOT)["updates"]
    assert {update["package-ecosystem"] for update in updates} == {"github-actions", "cargo", "uv", "pip"}
    assert all(update["cooldown"]["default-days"] >= 7 for update in updates)


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflows_use_the_uv_that_local_ci_pins(path: Path) -> None:
    pinned = re.search(r"^uv==(\S+)", (REPO / ".ci" / "uv.txt").read_text(encoding="utf-8"), re.MULTILINE)
    assert pinned is not None, ".ci/uv.txt no longer pins uv"
    assert load_yaml(path)["env"]["UV_VERSION"] == pinned[1]


def test_the_graalpy_row_builds_graalpy_and_publishes_nothing(release: dict[str, Any]) -> None:
    """The allowed-to-fail row selects a GraalPy build cibuildwheel knows, and its wheel never joins dist-*."""
    job = release["jobs"]["graalpy"]
    (build,) = [step for step in job["steps"] if "cibuildwheel" in step.get("run", "")]
    env = build["env"]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CIBW_")}
    environment["CIBW_BUILD"] = env["CIBW_BUILD"]
    command = [tool("cibuildwheel"), "--print-build-identifiers", "--platform", env["CIBW_PLATFORM"]]
    result = subprocess.run(
        [*command, "--archs", env["CIBW_ARCHS"]], cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [env["CIBW_BUILD"]]
    uploads = [step["with"]["name"] for step in job["steps"] if step.get("uses", "").startswith("actions/upload")]
    assert uploads
    assert not any(name.startswith("dist-") for name in uploads)
