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


# Where each operating system's loader looks for a shared library the program does not name by
# path: the variable, and the directory in it that must come first.
LIBRARY_PATH_VARIABLES = {"win32": "PATH", "darwin": "DYLD_FALLBACK_LIBRARY_PATH"}
LINUX_LIBRARY_PATH = "LD_LIBRARY_PATH"


def python_library(system: str = sys.platform) -> Path | None:
    """The shared library of the interpreter under test that the example links, or None without one.

    Windows: python3X.dll (python3Xt.dll free-threaded) beside the base interpreter. macOS: the
    framework's library for a framework build, else libpython like on Linux, where sysconfig names it.
    """
    if system == "win32":
        suffix = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
        return Path(sys.base_prefix) / f"python{sys.version_info.major}{sys.version_info.minor}{suffix}.dll"
    framework_prefix = sysconfig.get_config_var("PYTHONFRAMEWORKPREFIX")
    if system == "darwin" and framework_prefix:
        return Path(str(framework_prefix)) / str(sysconfig.get_config_var("LDLIBRARY"))
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return None
    return Path(str(sysconfig.get_config_var("LIBDIR"))) / str(sysconfig.get_config_var("LDLIBRARY"))


def library_search_path(library_dir: Path, environ: dict[str, str], system: str = sys.platform) -> dict[str, str]:
    """The loader's search path variable for this OS, with `library_dir` first and what was there after.

    Linux: LD_LIBRARY_PATH. macOS: DYLD_FALLBACK_LIBRARY_PATH, which the loader also reads for a
    library whose install name is a bare file name, and which takes nothing away from DYLD_LIBRARY_PATH
    or the install names of other libraries. Windows: PATH, where the loader finds the DLLs of the
    interpreter.
    """
    variable = LIBRARY_PATH_VARIABLES.get(system, LINUX_LIBRARY_PATH)
    directories = [str(library_dir), environ.get(variable, "")]
    return {variable: os.pathsep.join(directory for directory in directories if directory)}


def installation_interpreter() -> str:
    """The interpreter the environment under test was made from, by its real path.

    PyO3's build script runs again, and PyO3 compiles again, whenever PYO3_PYTHON changes; the
    environment under test is fresh, at a path that changes with each clone and run, while its
    installation stays put and answers PyO3's questions (version, library) the same way.
    """
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def example_target(root: Path) -> Path:
    """The example's cargo target directory for the interpreter under test.

    One per implementation, version, build (free-threaded or not) and machine: their builds of PyO3
    differ, and PYO3_PYTHON alone would not tell cargo so when two of them share a path's name.
    """
    free_threaded = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    interpreter = f"{sys.implementation.name}-{platform.python_version()}{free_threaded}-{platform.machine()}"
    return build_directory(root) / interpreter


def example_environment(
    root: Path, library: Path, system: str = sys.platform, python: str = sys.executable
) -> dict[str, str]:
    """Build against PYTHON (the interpreter under test), in a target directory of its own; run with its libpython."""
    # Drop settings such as PYO3_CONFIG_FILE (used to build wheels) so that PYO3_PYTHON alone picks the interpreter.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYO3_")}
    env.update(
        PYO3_PYTHON=python,
        CARGO_TARGET_DIR=str(example_target(root)),
        USER=USER,
        **library_search_path(library.parent, env, system),
    )
    return env


@pytest.mark.parametrize(
    ("system", "variable"),
    [("linux", "LD_LIBRARY_PATH"), ("darwin", "DYLD_FALLBACK_LIBRARY_PATH"), ("win32", "PATH")],
)
def test_the_loader_finds_the_python_library_first_on_each_os(system: str, variable: str) -> None:
    library = Path("/opt/python/lib/libpython3.so")
    env = example_environment(Path("/repo"), library, system)
    assert env[variable].split(os.pathsep)[0] == str(library.parent)
    others = {"LD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PATH"} - {variable}
    assert all(env.get(other) == os.environ.get(other) for other in others), "only the OS's own variable changes"


def test_the_loader_keeps_the_directories_already_on_its_path() -> None:
    env = library_search_path(Path("/opt/python/lib"), {"PATH": os.pathsep.join(["/a", "/b"])}, "win32")
    assert env == {"PATH": os.pathsep.join(["/opt/python/lib", "/a", "/b"])}


@pytest.mark.thread_unsafe(reason="runs cargo, which locks its target directory")
@pytest.mark.timeout(BUILD_TIMEOUT_SECONDS + 60)
def test_hello_example_embeds_the_interpreter_under_test() -> None:
    if sys.implementation.name != "cpython":
        pytest.skip(f"embedding needs CPython, not {sys.implementation.name}")
    library = python_library()
    if library is None or not library.is_file():
        pytest.skip(f"this interpreter has no shared libpython to link against ({library or 'none built'})")
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed")
    root = source_checkout()
    if root is None:
        pytest.skip("PYO3_SHOWCASE_SOURCE is not set (the repository root to build the example from)")
    if os.environ.get("PYO3_SHOWCASE_EMULATED"):
        pytest.skip("under emulation: this machine's cargo cannot link the emulated interpreter's libpython")

    result = subprocess.run(
        [cargo, "run", "--locked", "--quiet", "--example", "hello"],
        cwd=root,
        env=example_environment(root, library, python=installation_interpreter()),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Hello {USER}, I'm Python {platform.python_version()} (cpython)\n"
