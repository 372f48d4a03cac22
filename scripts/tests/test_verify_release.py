"""verify_release.py against a release published to the embedded index: identical, then tampered with.

The release is the one the main job builds here: the sdist and the wheels built from it with zig
(release_wheels). It is published to an embedded pypiserver; verify_release.py downloads it,
rebuilds every wheel from the downloaded sdist and compares bytes. Then one wheel in the index's
storage is replaced by one with other bytes, and verify must name it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_sdist import build_sdist
from conftest import REPO, SCRIPTS
from embedded_index import EmbeddedIndex
from publish import Target, publish_files
from release_errors import AuditError

VERIFY_TIMEOUT = 900


@pytest.fixture(scope="module")
def published(release_wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    """This checkout's release on an embedded index, serving until the module's tests are done."""
    dist = tmp_path_factory.mktemp("dist")
    sdist = build_sdist(REPO, dist)
    files = [sdist, *(shutil.copy2(wheel, dist) for wheel in release_wheels.values())]
    with EmbeddedIndex(tmp_path_factory.mktemp("index")) as index:
        publish_files(
            [Path(path) for path in files], Target(index.url, index.simple_url, index.twine_settings, embedded=index)
        )
        yield index


def verify(index: EmbeddedIndex, work: Path) -> subprocess.CompletedProcess[str]:
    version = next(index.storage.glob("*.tar.gz")).name.removesuffix(".tar.gz").split("-")[1]
    command = [sys.executable, str(SCRIPTS / "verify_release.py"), version, "--index-url", index.simple_url]
    return subprocess.run(
        [*command, "--work", str(work)], capture_output=True, text=True, timeout=VERIFY_TIMEOUT, check=False
    )


@pytest.mark.timeout(VERIFY_TIMEOUT + 60)
def test_a_release_the_main_job_published_rebuilds_identically(
    published: EmbeddedIndex, release_wheels: dict[str, Path], tmp_path: Path
) -> None:
    result = verify(published, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for wheel in release_wheels.values():
        assert f"{wheel.name}: identical" in result.stdout
    assert (
        f"{len(release_wheels)} of {len(release_wheels)} wheels rebuilt here from the sdist, byte for byte"
        in result.stdout
    )


@pytest.mark.timeout(VERIFY_TIMEOUT + 60)
def test_a_tampered_file_on_the_index_is_named(published: EmbeddedIndex, abi3_wheel: Path, tmp_path: Path) -> None:
    stored = published.storage / abi3_wheel.name
    original = stored.read_bytes()
    try:
        with zipfile.ZipFile(abi3_wheel) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_DEFLATED) as tampered:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "pyo3_showcase/dnd.py":
                    data += b"\nimport os  # an added line\n"
                tampered.writestr(info, data)
        result = verify(published, tmp_path)
    finally:
        stored.write_bytes(original)
    assert result.returncode == AuditError.exit_code, result.stdout + result.stderr
    assert f"{abi3_wheel.name}: differs (first differing member: pyo3_showcase/dnd.py)" in result.stdout
    assert result.stderr.splitlines()[-1] == f"error: {abi3_wheel.name}: not what this repository's source builds"
