"""Which Rust cross-compiles the aarch64 wheels here, and what stops it (scripts/cross_toolchain.py).

The roots are stand-ins (a dpkg status file each): building real ones takes minutes under emulation,
and the test command's aarch64 run builds a wheel with the real toolchain anyway.
"""

from __future__ import annotations

from pathlib import Path

import cross_toolchain
import debian_roots
import pytest
from debian_roots import RootFilesystem
from release_errors import PreflightError, UsageError


def root_with(tmp_path: Path, name: str, package: str, version: str) -> RootFilesystem:
    """A root filesystem whose dpkg database says PACKAGE VERSION is installed."""
    root = tmp_path / name
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "usr/lib/rustlib").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(
        f"Package: other\nStatus: install ok installed\nVersion: 1\n\n"
        f"Package: {package}\nStatus: install ok installed\nVersion: {version}\nDescription: x\n more\n"
    )
    return RootFilesystem(root, frozenset())


@pytest.fixture
def no_rustup_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine where rustup cannot download the aarch64 standard library."""
    monkeypatch.setattr(cross_toolchain, "pinned_toolchain", lambda architecture: (None, "rustup is offline"))
    monkeypatch.setattr(debian_roots, "missing_tools", lambda: None)


@pytest.mark.usefixtures("no_rustup_target")
def test_debian_rustc_and_the_aarch64_standard_library_must_be_one_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = root_with(tmp_path, "host", "rustc", "1.85.1+dfsg1-1")
    target = root_with(tmp_path, "target", "libstd-rust-dev", "1.85.0+dfsg1-2")
    monkeypatch.setattr(debian_roots, "build", lambda *arguments: host)
    monkeypatch.setattr(cross_toolchain, "emulated_root", lambda machine, packages: target)
    with pytest.raises(PreflightError, match=r"rustc 1\.85\.1\+dfsg1-1 and libstd-rust-dev:arm64 1\.85\.0") as caught:
        cross_toolchain.provide("aarch64")
    assert f"remove {host.path} and run again" in str(caught.value)


@pytest.mark.usefixtures("no_rustup_target")
def test_a_root_that_could_not_be_built_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failed = RootFilesystem(None, frozenset(), "E: Couldn't download packages")
    monkeypatch.setattr(debian_roots, "build", lambda *arguments: failed)
    monkeypatch.setattr(cross_toolchain, "emulated_root", lambda machine, packages: failed)
    with pytest.raises(PreflightError, match="cannot provide Debian's Rust for aarch64-unknown-linux-gnu: E: Couldn't"):
        cross_toolchain.provide("aarch64")


def test_only_another_architecture_is_cross_compiled_for() -> None:
    with pytest.raises(UsageError, match="not another architecture this machine builds for"):
        cross_toolchain.provide("x86_64")
