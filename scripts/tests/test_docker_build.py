"""The CI Linux build reproduced in Docker by the README's command, end to end, here.

`uv run noxfile.py -s docker` builds the sdist, then cibuildwheel builds, repairs (auditwheel),
audits (scripts/stable_abi_audit.py: abi3audit, PEP 793's exports allowed) and tests in containers:
exactly what the hosted Linux job runs. No image can be pulled here, so cibuildwheel is pointed at
the substitute image (scripts/substitute_image.py) through its own CIBW_MANYLINUX_X86_64_IMAGE
option; everything else is the contributor's command. Skipped,
with the reason, where no Docker engine is reachable or the image's tools (root, debootstrap, uv)
are missing; a failure to provision the interpreters or to build the image is a test failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from audit_wheels import check_auditwheel, why_not
from conftest import REPO, SCRIPTS
from project import run_module
from substitute_image import cibuildwheel_linux_directories

# The builds: every interpreter the image holds, which here is CPython 3.10-3.15 (the abi3 wheel,
# built by 3.10 and tested on each) and PyPy 3.11. The free-threaded builds need an interpreter no
# source here offers (the hosted workflow builds and tests them); musllinux needs a musl image (likewise).
REQUIRED = {"cp310", "pp311"}
# The substitute is Debian bookworm: the newest glibc its wheels may need.
SUBSTITUTE_GLIBC = ("manylinux", 2, 36)
BUILD_TIMEOUT = 40 * 60
# Building the image cold and then the wheels takes minutes, beyond the suite's per-test timeout;
# the build's own, shorter timeout stops it cleanly first (see run_to_the_end).
pytestmark = pytest.mark.timeout(BUILD_TIMEOUT + 10 * 60)


@dataclass(frozen=True)
class DockerBuild:
    """What one run of the README's Docker command printed and left behind."""

    returncode: int
    output: str
    wheels: list[Path]
    cpythons: list[str]  # the GIL CPython build tags in the image, oldest first: cp310, cp311, ...
    wheel_builds: int  # the builds that make a wheel: the abi3 one, and each free-threaded or PyPy one


def skip_reason() -> str | None:
    """Why the Docker reproduction cannot run here, in one line; None if it can."""
    if shutil.which("docker") is None:
        return "no docker command here: the Docker reproduction needs a Docker engine"
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        return "no Docker engine reachable (`docker info` fails): the Docker reproduction needs one"
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        return "the substitute image needs root and debootstrap (no image can be pulled here)"
    if shutil.which("uv") is None:
        return "uv is not installed: the README's command is `uv run noxfile.py -s docker`"
    return None


def run_to_the_end(command: list[str], environment: dict[str, str]) -> tuple[int, str]:
    """Run COMMAND in the repository; past BUILD_TIMEOUT, interrupt it all (nox, cibuildwheel, its container)."""
    with subprocess.Popen(
        command,
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, to interrupt as a whole
    ) as process:
        try:
            output, _ = process.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Ctrl-C, as a person would: cibuildwheel then removes its container.
            os.killpg(process.pid, signal.SIGINT)
            output, _ = process.communicate(timeout=120)
            output += f"\n(interrupted after {BUILD_TIMEOUT} s)"
    return process.returncode, output


@pytest.fixture(scope="module")
def docker_build(tmp_path_factory: pytest.TempPathFactory) -> DockerBuild:
    """Build the substitute image (cached), then run the README's Docker command against it."""
    if reason := skip_reason():
        pytest.skip(reason)
    # As `uv run noxfile.py -s substitute-image` does: the interpreters first, then the image.
    command = [sys.executable, str(SCRIPTS / "substitute_image.py"), "--provision"]
    image = subprocess.run(command, capture_output=True, text=True, check=False)
    assert image.returncode == 0, image.stderr
    assert len(image.stdout.splitlines()) == 1, f"standard output is the image name alone: {image.stdout!r}"
    listing = ["docker", "run", "--rm", image.stdout.strip(), "ls", "/opt/python"]
    names = subprocess.run(listing, capture_output=True, text=True, check=True).stdout.split()
    # cibuildwheel's directory names (cp314-cp314t) back to its build tags (cp314t); the utility
    # interpreter's cp39-cp39 is no build of ours.
    tag_of = {directory: tag for tag, (directory, _) in cibuildwheel_linux_directories().items()}
    tags = {tag_of[name] for name in names if name in tag_of and tag_of[name] != "cp39"}
    assert tags >= REQUIRED, f"the image lacks {REQUIRED - tags}: provision the interpreters"
    cpythons = sorted(tag for tag in tags if tag.startswith("cp") and not tag.endswith("t"))
    selectors = [f"{tag}-manylinux_x86_64" for tag in sorted(tags)]
    output_dir = tmp_path_factory.mktemp("wheelhouse")
    environment = {
        **os.environ,
        "CIBW_MANYLINUX_X86_64_IMAGE": image.stdout.strip(),
        # The package index here lacks some exact releases cibuildwheel's constraints pin (certifi,
        # for abi3audit's environment): take the newest it has. Users with the real index need not.
        "CIBW_DEPENDENCY_VERSIONS": "latest",
    }
    command = ["uv", "run", "noxfile.py", "-s", "docker", "--", "--output-dir", str(output_dir), *selectors]
    returncode, output = run_to_the_end(command, environment)
    (output_dir.parent / "docker-build.log").write_text(output, encoding="utf-8")
    wheel_builds = 1 + len(tags - set(cpythons))
    return DockerBuild(returncode, output, sorted(output_dir.glob("*.whl")), cpythons, wheel_builds)


def test_the_readme_command_builds_repairs_and_tests_in_containers(docker_build: DockerBuild) -> None:
    assert docker_build.returncode == 0, docker_build.output[-4000:]
    assert "from pyo3_showcase-" in docker_build.output, "the wheels must come from the sdist"
    assert "Repairing wheel..." in docker_build.output
    assert "Running audit command: python scripts/stable_abi_audit.py" in docker_build.output
    assert re.search(r"pyo3_showcase-[^ ]+-cp310-abi3-[^ ]+\.whl: stable ABI only", docker_build.output)
    names = [wheel.name for wheel in docker_build.wheels]
    assert len(names) == docker_build.wheel_builds, names
    assert any(re.fullmatch(r"pyo3_showcase-[^-]+-cp310-abi3-manylinux_2_\d+_x86_64\.whl", name) for name in names)
    assert any(re.fullmatch(r"pyo3_showcase-[^-]+-pp311-pypy311_pp\d+-manylinux_2_\d+_x86_64\.whl", n) for n in names)


def test_the_abi3_wheel_is_tested_on_every_cpython_and_pypy_on_its_own(docker_build: DockerBuild) -> None:
    output = docker_build.output
    assert docker_build.cpythons[0] == "cp310"
    for later in docker_build.cpythons[1:]:
        assert re.search(rf"Found previously built wheel \S+cp310-abi3\S+, that's compatible with {later}-", output)
        assert re.search(rf"^  {later}-manylinux_x86_64: .* \(test only\)$", output, flags=re.MULTILINE)
    # One pytest summary per interpreter, each with passed tests and no failures.
    summaries = re.findall(r"^=+ (.*) in [\d.]+s.* =+$", output, flags=re.MULTILINE)
    assert len(summaries) == len(docker_build.cpythons) + docker_build.wheel_builds - 1, summaries
    assert all("passed" in summary and "failed" not in summary for summary in summaries), summaries
    # NumPy is in cibuildwheel's test environment wherever it publishes a wheel (pyproject.toml's numpy
    # group): every CPython runs the arrays tests; PyPy 8.0, which NumPy has no wheel for, skips them.
    ran_arrays = re.findall(r"^tests/test_arrays\.py \.+ ", output, flags=re.MULTILINE)
    assert len(ran_arrays) == len(docker_build.cpythons), ran_arrays
    pypy_skip = r"^SKIPPED \[1\] tests/test_arrays\.py:\d+: NumPy is not installed for pypy 3\.11"
    assert re.search(pypy_skip, output, flags=re.MULTILINE)
    # On GitHub Actions the summary follows a "::endgroup::" on the same line.
    assert re.search(rf"(^|::endgroup::){docker_build.wheel_builds} wheels produced in ", output, flags=re.MULTILINE)


@pytest.mark.parametrize("kind", ["cp310-abi3", "pp311"])
def test_the_repaired_tag_is_what_auditwheel_finds_and_only_glibc_sets_it(docker_build: DockerBuild, kind: str) -> None:
    """The substitute's glibc is newer than the official image's, so its wheels carry a newer
    manylinux tag; the tag must still be what auditwheel finds, and symbol versions the only reason
    it is not manylinux_2_28 (the zig builds of the local release prove that floor, and the hosted
    gate checks the official images' wheels against wheels.toml)."""
    if docker_build.returncode != 0:
        pytest.fail("the Docker build failed (see the test above)")
    (wheel,) = [wheel for wheel in docker_build.wheels if f"-{kind}-" in wheel.name]
    result = check_auditwheel(wheel, SUBSTITUTE_GLIBC)
    assert result.status == "ok", result.detail
    show = json.loads(run_module("auditwheel", "show", "--json", str(wheel)).stdout)
    assert not show.get("external_libs"), "the wheel must link no library outside the manylinux policy"
    assert not show.get("ucs2")
    assert not show.get("unsupported_isa")
    if not wheel.name.endswith("manylinux_2_28_x86_64.whl"):
        assert why_not(show, ("manylinux", 2, 28)).startswith("needs GLIBC_2.")
