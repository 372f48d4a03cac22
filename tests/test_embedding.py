"""Embedding: the test suite builds and runs ``crate/examples/hello.rs`` against the interpreter under test."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

# The first build of the example compiles PyO3 and takes about a minute; later runs reuse its target directory.
BUILD_TIMEOUT_SECONDS = 900
USER = "embedding-tester"


def source_checkout() -> Path | None:
    """The repository root named by PYO3_SHOWCASE_SOURCE, or None when it is not set.

    Opt-in (scripts/test_wheels.py sets it): wheel tests elsewhere, e.g. in release containers,
    must not start compiling Rust just because a checkout happens to be nearby.
    """
    configured = os.environ.get("PYO3_SHOWCASE_SOURCE")
    if not configured:
        return None
    root = Path(configured)
    if not (root / "crate" / "Cargo.toml").is_file():
        pytest.fail(f"PYO3_SHOWCASE_SOURCE={configured} has no crate/Cargo.toml; point it at the repository root")
    return root


def build_directory(root: Path) -> Path:
    """Where the example's builds go: PYO3_SHOWCASE_EMBEDDING_TARGET (scripts/test_wheels.py points it
    at a directory every clone shares, so a fresh clone finds PyO3 compiled), else the checkout's target/."""
    configured = os.environ.get("PYO3_SHOWCASE_EMBEDDING_TARGET")
    return Path(configured) if configured else root / "target" / "embedding"


def example_environment(root: Path) -> dict[str, str]:
    """Build against the interpreter under test, in a target directory of its own, and run with its libpython."""
    implementation = sys.implementation.name
    version = platform.python_version()
    # Drop settings such as PYO3_CONFIG_FILE (used to build wheels) so that PYO3_PYTHON alone picks the interpreter.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYO3_")}
    library_dirs = [str(sysconfig.get_config_var("LIBDIR")), os.environ.get("LD_LIBRARY_PATH", "")]
    env.update(
        PYO3_PYTHON=sys.executable,
        CARGO_TARGET_DIR=str(build_directory(root) / f"{implementation}-{version}"),
        LD_LIBRARY_PATH=os.pathsep.join(directory for directory in library_dirs if directory),
        USER=USER,
    )
    return env


@pytest.mark.thread_unsafe(reason="runs cargo, which locks its target directory")
@pytest.mark.timeout(BUILD_TIMEOUT_SECONDS + 60)
def test_hello_example_embeds_the_interpreter_under_test() -> None:
    if sys.implementation.name != "cpython":
        pytest.skip(f"embedding needs CPython, not {sys.implementation.name}")
    library = Path(str(sysconfig.get_config_var("LIBDIR"))) / str(sysconfig.get_config_var("LDLIBRARY"))
    if not sysconfig.get_config_var("Py_ENABLE_SHARED") or not library.is_file():
        pytest.skip(f"this interpreter has no shared libpython to link against ({library} is missing)")
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed")
    root = source_checkout()
    if root is None:
        pytest.skip("PYO3_SHOWCASE_SOURCE is not set (the repository root to build the example from)")

    result = subprocess.run(
        [cargo, "run", "--locked", "--quiet", "--example", "hello"],
        cwd=root,
        env=example_environment(root),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Hello {USER}, I'm Python {platform.python_version()} (cpython)\n"
