"""Two builds of one commit, in two different directories, give byte-identical sdists and wheels.

Each build is the release path: clone, scripts/build_sdist.py (sdist, contents check, unpack),
and the abi3 wheel built from the unpacked sdist with cargo --locked, linked with zig, with
the release profile (fat LTO). The unpacked trees live in two shared build directories
(project.shared_build), so cargo keeps what each one compiled: after a source change it compiles
and links the crate in both directories; without one it reuses both outputs, each still compiled
in a directory of its own from the same sources.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from build_wheels import REMAPPED_SOURCE, cargo_home
from project import BUILD_CACHE

SCRIPTS = Path(__file__).resolve().parent.parent
REPO = SCRIPTS.parent
# Two names of different lengths, so a path that leaks in also shifts offsets.
CLONES = ("first", "second-clone")


def release_build(clone: Path, name: str) -> tuple[Path, Path]:
    """The sdist and abi3 wheel of CLONE, built as the release builds them."""
    out = clone.parent / f"{name}-out"
    command = [sys.executable, str(SCRIPTS / "build_sdist.py"), "--repo", str(clone), "--zig"]
    command += ["--out", str(out / "dist"), "--build-name", f"reproducible-{name}", "--wheel-out", str(out / "wheels")]
    # The default SOURCE_DATE_EPOCH, the last commit's time, is part of what is tested.
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    (sdist,) = (out / "dist").glob("*.tar.gz")
    (wheel,) = (out / "wheels").glob("*-cp310-abi3-*.whl")
    return sdist, wheel


def sha256(path: Path) -> str:
    """The SHA-256 of the file at PATH, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def differing_entries(first: Path, second: Path) -> list[str]:
    """The names of the zip entries whose content or metadata differ: what a failure points at."""
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        entries = {info.filename: (info.CRC, info.date_time, info.external_attr) for info in one.infolist()}
        other = {info.filename: (info.CRC, info.date_time, info.external_attr) for info in two.infolist()}
    return sorted(name for name in entries.keys() | other.keys() if entries.get(name) != other.get(name))


@pytest.mark.timeout(1800)
def test_two_clones_build_identical_sdists_and_wheels(tmp_path: Path) -> None:
    """Same commit, different directories: same bytes, and no build directory inside."""
    builds = []
    for name in CLONES:
        clone = tmp_path / name
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, capture_output=True)
        builds.append(release_build(clone, name))
    (first_sdist, first_wheel), (second_sdist, second_wheel) = builds

    assert first_sdist.name == second_sdist.name
    assert sha256(first_sdist) == sha256(second_sdist)
    assert first_wheel.name == second_wheel.name
    assert sha256(first_wheel) == sha256(second_wheel), differing_entries(first_wheel, second_wheel)

    with zipfile.ZipFile(first_wheel) as wheel:
        contents = b"".join(wheel.read(info) for info in wheel.infolist())
        sboms = [wheel.read(name) for name in wheel.namelist() if "/sboms/" in name]
    for leaked in (tmp_path, BUILD_CACHE, cargo_home()):
        assert str(leaked).encode() not in contents
    assert sboms
    assert all(f"path+file://{REMAPPED_SOURCE}/crate".encode() in sbom for sbom in sboms)
