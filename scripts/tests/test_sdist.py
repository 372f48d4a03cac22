"""scripts/build_sdist.py: the sdist of this checkout holds exactly what it should, and builds."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from build_sdist import build_sdist, check_sdist_contents, expected_contents, unpack_sdist
from project import shared_build
from release_errors import SdistError
from version_gate import read_version

SCRIPTS = Path(__file__).resolve().parent.parent
REPO = SCRIPTS.parent
# What building a wheel needs, whatever else changes.
REQUIRED = {
    "PKG-INFO",
    "pyproject.toml",
    "Cargo.toml",
    "Cargo.lock",
    "README.md",
    "LICENSE",
    "rust-toolchain.toml",  # the compiler the release pins
    "crate/Cargo.toml",
    "crate/src/lib.rs",
    "python/pyo3_showcase/__init__.py",
    "python/pyo3_showcase/_native.pyi",
    "python/pyo3_showcase/py.typed",
    # cibuildwheel builds every wheel from the sdist and runs the suite from it (test-sources)
    "tests/conftest.py",
    "tests/test_functions.py",
}
# What the sdist must never carry.
FORBIDDEN_PREFIXES = (
    "scripts/",
    "benchmarks/",
    ".github/",
    ".ci/",
    "target/",
    "crate/examples/",
    "crate/pyo3-",
)
FORBIDDEN_FILES = {"noxfile.py", ".gitignore", "CHANGELOG.md", "python/stubtest-allowlist.txt"}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist of this checkout, built once for the module."""
    return build_sdist(REPO, tmp_path_factory.mktemp("dist"))


def names(sdist: Path) -> set[str]:
    """The files in SDIST, relative to its top directory."""
    with tarfile.open(sdist) as archive:
        return {member.name.split("/", 1)[1] for member in archive.getmembers() if member.isfile()}


def rewritten(
    sdist: Path, out: Path, drop: set[str], add: dict[str, bytes], links: frozenset[str] = frozenset()
) -> Path:
    """A copy of SDIST in OUT without the files DROP, with the files ADD and symlinks LINKS."""
    out.mkdir()
    copy = out / sdist.name
    root = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            if member.name.split("/", 1)[1] not in drop:
                target.addfile(member, source.extractfile(member))
        for name, data in add.items():
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
        for name in links:
            info = tarfile.TarInfo(f"{root}/{name}")
            info.type, info.linkname = tarfile.SYMTYPE, "../../../etc/passwd"
            target.addfile(info)
    return copy


def test_sdist_is_named_for_the_one_version(sdist: Path) -> None:
    """Its name carries the version the gate reads from Cargo.toml."""
    assert sdist.name == f"pyo3_showcase-{read_version(REPO)}.tar.gz"


def test_sdist_holds_exactly_the_expected_files(sdist: Path) -> None:
    """The check passes, and by rules written out here rather than taken from the script."""
    check_sdist_contents(sdist)
    found = names(sdist)
    assert found == expected_contents(REPO)
    assert found >= REQUIRED
    # The stable-ABI rule is the one script the sdist carries: cibuildwheel audits with it from there.
    shipped = {name for name in found if name.startswith(FORBIDDEN_PREFIXES)} - {"scripts/stable_abi_audit.py"}
    assert not shipped | (found & FORBIDDEN_FILES)
    assert {name for name in found if name.startswith("crate/")} - {"crate/Cargo.toml", "crate/README.md"} == {
        name for name in found if name.startswith("crate/src/") and name.endswith(".rs")
    }


def test_extra_files_are_rejected_by_name(sdist: Path, tmp_path: Path) -> None:
    """A stray test data file and a script that slipped in are both named."""
    extra = {"tests/scratch.txt": b"", "scripts/release.py": b""}
    with pytest.raises(
        SdistError, match=r"missing files \[\] and unexpected files \[scripts/release\.py, tests/scratch"
    ):
        check_sdist_contents(rewritten(sdist, tmp_path / "extra", set(), extra))


def test_missing_files_are_rejected_by_name(sdist: Path, tmp_path: Path) -> None:
    """A lost source file and the lock file are both named."""
    drop = {"crate/src/lib.rs", "Cargo.lock"}
    with pytest.raises(SdistError, match=r"missing files \[Cargo\.lock, crate/src/lib\.rs\] and unexpected files \[\]"):
        check_sdist_contents(rewritten(sdist, tmp_path / "missing", drop, {}))


def test_links_are_rejected(sdist: Path, tmp_path: Path) -> None:
    """A symlink in place of a source file is not a source file."""
    copy = rewritten(sdist, tmp_path / "link", {"crate/src/text.rs"}, {}, links=frozenset({"crate/src/text.rs"}))
    with pytest.raises(SdistError, match=r"links or special files \(pyo3_showcase-[^/]+/crate/src/text\.rs\)"):
        check_sdist_contents(copy)


def test_same_sources_give_the_same_bytes(sdist: Path, tmp_path: Path) -> None:
    """SOURCE_DATE_EPOCH comes from the last commit unless set, so a rebuild is byte-identical."""
    again = build_sdist(REPO, tmp_path)
    assert again.read_bytes() == sdist.read_bytes()
    commit_time = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=True
    )
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or commit_time.stdout)
    with tarfile.open(sdist) as archive:
        assert {member.mtime for member in archive.getmembers()} == {epoch}


def test_unpack_replaces_sources_and_keeps_cargo_caches(sdist: Path, tmp_path: Path) -> None:
    """Re-unpacking drops stale files, keeps target/, and dates sources now so cargo rebuilds them."""
    tree = unpack_sdist(sdist, tmp_path)
    assert tree == tmp_path / sdist.name.removesuffix(".tar.gz")
    (tree / "target" / "wheels-abi3").mkdir(parents=True)
    (tree / "target" / "wheels-abi3" / "cache").write_text("kept")
    (tree / "crate" / "src" / "stale.rs").write_text("")
    before = time.time() - 1
    assert unpack_sdist(sdist, tmp_path) == tree
    assert (tree / "target" / "wheels-abi3" / "cache").read_text() == "kept"
    assert not (tree / "crate" / "src" / "stale.rs").exists()
    assert {
        str(path.relative_to(tree)) for path in tree.rglob("*") if path.is_file() and "target" not in path.parts
    } == (names(sdist))
    assert (tree / "crate" / "src" / "lib.rs").stat().st_mtime >= before
    with tarfile.open(sdist) as archive:
        assert (tree / "PKG-INFO").stat().st_mtime == archive.getmembers()[0].mtime


def test_unpacking_the_same_sdist_again_leaves_an_intact_tree_untouched(sdist: Path, tmp_path: Path) -> None:
    """An identical tree keeps its file times, so cargo sees no change and a warm release compiles nothing."""
    tree = unpack_sdist(sdist, tmp_path)
    lib = tree / "crate" / "src" / "lib.rs"
    os.utime(lib, (1_000_000_000, 1_000_000_000))
    assert unpack_sdist(sdist, tmp_path) == tree
    assert lib.stat().st_mtime == 1_000_000_000
    lib.write_text(lib.read_text() + "// edited\n")
    unpack_sdist(sdist, tmp_path)
    assert "// edited" not in lib.read_text(), "a tree that differs from the sdist is replaced"


@pytest.mark.timeout(1200)
def test_wheel_builds_from_the_unpacked_sdist_with_locked_cargo(sdist: Path, tmp_path: Path) -> None:
    """The release path: unpack, then scripts/build_wheels.py (cargo --locked) on the unpacked tree."""
    # The shared build directory the test command builds in, so a warm run compiles nothing.
    with shared_build("checkout") as directory:
        tree = unpack_sdist(sdist, directory)
        out = tmp_path / "wheelhouse"
        command = [sys.executable, str(SCRIPTS / "build_wheels.py"), "--source", str(tree), "--abi", "abi3", "--zig"]
        result = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "maturin build --locked " in result.stdout
    (wheel,) = out.glob("pyo3_showcase-*-cp310-abi3-manylinux_2_28_x86_64.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "pyo3_showcase/_native.abi3.so" in archive.namelist()
