"""The Docker reproduction for another architecture: `--archs aarch64` on an x86_64 machine.

What runs here in seconds: which architectures run under QEMU, one cibuildwheel run per
architecture with the emulated suite's settings, the refusal (before any build) where QEMU is not
registered, and the stand-in image's architecture label, which `docker run --platform linux/arm64`
(cibuildwheel's way of starting an aarch64 container) depends on. The build itself takes most of an
hour under emulation: it is the README's own command, measured there.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import docker_wheels
import emulation
import pytest
from conftest import REPO
from debian_roots import ARCHITECTURES
from docker_wheels import cibuildwheel_command, emulated, split_archs
from image_archive import load_image
from release_errors import PreflightError, UsageError
from substitute_image import cibuildwheel_linux_directories, image_repository

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


@pytest.mark.parametrize(
    ("host", "arch", "expected"),
    [
        ("x86_64", "aarch64", True),
        ("x86_64", "x86_64", False),
        ("x86_64", "i686", False),  # 32-bit x86 runs natively on x86_64
        ("aarch64", "x86_64", True),
        ("aarch64", "aarch64", False),
        ("x86_64", "native", False),  # keywords name no architecture of their own
    ],
)
def test_only_another_architecture_runs_under_emulation(host: str, arch: str, expected: bool) -> None:
    assert emulated(arch, host) is expected


def test_each_architecture_is_a_cibuildwheel_run_of_its_own() -> None:
    assert split_archs(None) == [None], "without --archs, one run: cibuildwheel's default"
    assert split_archs("x86_64, aarch64,aarch64") == ["x86_64", "aarch64"]
    with pytest.raises(UsageError, match="names no architecture"):
        split_archs(" , ")
    command = cibuildwheel_command(Path("dist/p.tar.gz"), Path("wheelhouse"), "aarch64")
    assert command[1:] == [
        "-m",
        "cibuildwheel",
        "--platform",
        "linux",
        "--archs",
        "aarch64",
        "--output-dir",
        "wheelhouse",
        "dist/p.tar.gz",
    ]


def test_without_qemu_an_emulated_arch_is_refused_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulation, "BINFMT_MISC", tmp_path / "absent")
    monkeypatch.setattr(docker_wheels, "require_docker", lambda: None)

    def build_sdist(*_: object) -> Path:
        raise AssertionError("the sdist was built before QEMU was checked")

    monkeypatch.setattr(docker_wheels, "build_sdist", build_sdist)
    with pytest.raises(PreflightError, match=r"binfmt_misc is not mounted.*mount -t binfmt_misc"):
        docker_wheels.build_in_containers(None, tmp_path, [], "x86_64,aarch64")


def test_the_containers_are_let_see_the_emulated_suite_settings() -> None:
    """cibuildwheel passes only the variables environment-pass lists into its containers."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["cibuildwheel"]
    passed = settings["linux"]["environment-pass"]
    assert set(emulation.EMULATED_TEST_ENV) <= set(passed), passed


def test_cibuildwheel_knows_the_aarch64_directories_the_image_fills() -> None:
    directories = cibuildwheel_linux_directories("aarch64")
    assert directories["cp313"][0] == "cp313-cp313"
    assert directories["pp311"][0].startswith("pp311-pypy311_pp")
    assert directories.keys() == cibuildwheel_linux_directories("x86_64").keys()
    assert image_repository("aarch64") != image_repository("x86_64"), "each keeps only its newest image"


def test_the_loaded_stage_says_arm64_so_docker_runs_it_as_such(tmp_path: Path) -> None:
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine reachable (`docker info` fails)")
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello").write_text("hello\n")
    layer = tmp_path / "layer.tar"
    with tarfile.open(layer, "w") as archive:
        archive.add(content / "hello", arcname="hello")
    name = f"pyo3-showcase/label-test:{uuid.uuid4().hex[:12]}"
    load_image(name, layer, ARCHITECTURES["aarch64"])
    try:
        inspect = ["docker", "image", "inspect", name, "--format", "{{.Os}}/{{.Architecture}}"]
        assert subprocess.run(inspect, capture_output=True, text=True, check=True).stdout.strip() == "linux/arm64"
        # The engine takes it for the platform cibuildwheel asks for: no pull (which would fail offline).
        create = ["docker", "create", "--platform", "linux/arm64", name, "/hello"]
        created = subprocess.run(create, capture_output=True, text=True, check=False)
        assert created.returncode == 0, created.stderr
        subprocess.run(["docker", "rm", created.stdout.strip()], capture_output=True, check=False)
    finally:
        subprocess.run(["docker", "rmi", name], capture_output=True, check=False)
