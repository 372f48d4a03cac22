"""The Docker reproduction for another architecture: `--archs aarch64` on an x86_64 machine.

What runs here in seconds: which architectures run under QEMU, one cibuildwheel run per
architecture with the emulated suite's settings, the refusal (before any build) where QEMU is not
registered, and the stand-in image's architecture label, which `docker run --platform linux/arm64`
(cibuildwheel's way of starting an aarch64 container) depends on. The build itself takes most of an
hour under emulation: it is the README's own command, measured there.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker_wheels
import emulation
import pytest
from conftest import REPO
from debian_roots import ARCHITECTURES
from docker_wheels import cibuildwheel_command, native_archs, split_archs
from image_archive import load_image
from release_errors import ContainerError, PreflightError, UsageError
from substitute_image import cibuildwheel_linux_directories
from test_emulation import binfmt_misc

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


X86_64_HOST = {"x86_64", "i686"}  # what cibuildwheel's `auto` picks on x86_64: 32-bit x86 runs natively


def test_only_another_architecture_runs_under_emulation() -> None:
    native = native_archs()
    assert platform.machine() in native
    if platform.machine() == "x86_64":
        assert native == X86_64_HOST, "aarch64, ppc64le and the rest run under QEMU here"


def test_archs_are_read_as_cibuildwheel_reads_them() -> None:
    assert split_archs(None) == [None], "without --archs, one run: cibuildwheel's default"
    assert split_archs("x86_64, AARCH64 aarch64") == ["aarch64", "x86_64"]
    assert {"aarch64", "ppc64le", "s390x", "x86_64"} <= set(split_archs("all"))
    for wrong in (" , ", "sparc", "universal2"):  # nothing; no architecture; macOS's, not Linux's
        with pytest.raises(UsageError, match="--archs"):
            split_archs(wrong)
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
    monkeypatch.setattr(docker_wheels, "native_archs", lambda: X86_64_HOST)

    def build_sdist(*_: object) -> Path:
        raise AssertionError("the sdist was built before QEMU was checked")

    monkeypatch.setattr(docker_wheels, "build_sdist", build_sdist)
    with pytest.raises(PreflightError, match=r"binfmt_misc is not mounted.*mount -t binfmt_misc"):
        docker_wheels.build_in_containers(None, tmp_path, [], "x86_64,aarch64")


def an_sdist(directory: Path) -> Path:
    """A .tar.gz with a PKG-INFO, as far as scripts/docker_wheels.py reads an sdist."""
    sdist = directory / "pyo3_showcase-0.1.0.tar.gz"
    pkg_info = directory / "PKG-INFO"
    pkg_info.write_text("Metadata-Version: 2.4\nName: pyo3-showcase\nVersion: 0.1.0\n")
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(pkg_info, arcname="pyo3_showcase-0.1.0/PKG-INFO")
    return sdist


@dataclass
class Cibuildwheel:
    """Stands in for the cibuildwheel process: records each run, and builds a wheel for BUILDS_FOR."""

    output_dir: Path
    builds_for: set[str]
    runs: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def run(self, command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        if "cibuildwheel" not in command:
            return REAL_RUN(command, **options)  # QEMU's --version, for one
        arch = command[command.index("--archs") + 1]
        self.runs.append((arch, options["env"]))
        if arch in self.builds_for:
            (self.output_dir / f"pyo3_showcase-0.1.0-cp310-abi3-manylinux_2_28_{arch}.whl").write_bytes(b"")
        return subprocess.CompletedProcess(command, 0)


REAL_RUN = subprocess.run


def two_arch_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builds_for: set[str]) -> Cibuildwheel:
    """--archs x86_64,aarch64 with one selector, QEMU registered and a user's own emulated setting exported."""
    binfmt_misc(tmp_path, monkeypatch, version="10.0.2")
    monkeypatch.setattr(docker_wheels, "require_docker", lambda: None)
    monkeypatch.setattr(docker_wheels, "native_archs", lambda: X86_64_HOST)
    monkeypatch.setenv("PYO3_SHOWCASE_LARGE_TEXT_MIB", "9")
    output_dir = tmp_path / "wheelhouse"
    output_dir.mkdir()
    cibuildwheel = Cibuildwheel(output_dir, builds_for)
    monkeypatch.setattr(subprocess, "run", cibuildwheel.run)
    sdist = an_sdist(tmp_path)
    docker_wheels.build_in_containers(sdist, output_dir, ["cp313-manylinux_aarch64"], "x86_64,aarch64")
    return cibuildwheel


def test_each_architecture_is_a_run_of_its_own_and_only_the_emulated_one_is_scaled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cibuildwheel = two_arch_build(tmp_path, monkeypatch, builds_for={"aarch64"})
    assert [arch for arch, _ in cibuildwheel.runs] == ["aarch64", "x86_64"]
    environments = dict(cibuildwheel.runs)
    for key, value in emulation.EMULATED_TEST_ENV.items():
        assert environments["aarch64"][key] == value
        assert key not in environments["x86_64"], "a native run gets no emulated setting, not even the caller's"
    # The selector chooses nothing for x86_64: that run may build nothing, the two together must not.
    assert all(
        env["CIBW_ALLOW_EMPTY"] == "1" and env["CIBW_BUILD"] == "cp313-manylinux_aarch64"
        for env in environments.values()
    )


def test_runs_that_build_nothing_at_all_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ContainerError, match="no wheel built for any of aarch64, x86_64"):
        two_arch_build(tmp_path, monkeypatch, builds_for=set())


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
