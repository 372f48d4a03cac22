# /// script
# requires-python = ">=3.11"
# dependencies = ["nox==2026.10.20"]
# ///
"""Developer commands. Run them all with `uv run noxfile.py` (see the README); one with `-s NAME`.

Sessions only wire the programs in scripts/ and the standard tools together; tool versions are
pinned in pyproject.toml's [dependency-groups] (nox itself in the header above, which uv reads).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "rust", "tests", "pipeline"]
nox.options.error_on_missing_interpreters = True

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "scripts"))  # project.py: standard library only, so usable before any install
from emulation import qemu_problem  # noqa: E402 - standard library only, like project.py
from project import BUILD_CACHE  # noqa: E402

# What each session installs: dependency groups of pyproject.toml. scripts/tests/test_dependency_groups.py
# resolves each, from binaries alone, for every runner platform a workflow runs that session on.
SESSION_GROUPS: dict[str, tuple[str, ...]] = {
    "lint": ("lint", "typecheck"),
    "rust": (),
    "tests": ("build", "test-wheels"),
    "pipeline": ("pipeline",),
    "docker": ("build", "wheels"),
    "substitute-image": ("provision", "wheels"),
    "release": ("release",),
    "verify": ("release",),
}


def cargo_target(name: str) -> str:
    """Where cargo keeps the output of a check or test (CARGO_TARGET_DIR, if set, wins).

    Shared by every clone, so that a fresh clone finds the dependencies compiled. The wheel builds
    have theirs in scripts/project.py's shared build directories.
    """
    return os.environ.get("CARGO_TARGET_DIR") or str(BUILD_CACHE / name)


def install_groups(session: nox.Session) -> None:
    """Install what this session runs (SESSION_GROUPS), as uv.lock pins it, hashes checked."""
    if groups := SESSION_GROUPS[session.name]:
        session.run("python", "scripts/install_tools.py", *groups)


TEST_WHEELHOUSE = REPO / "target" / "wheelhouse-test"
# The test command's bounded run of Linux aarch64 (wheels.toml's emulated target): the abi3 wheel,
# cross-compiled, and the whole suite on one aarch64 CPython under QEMU, with emulation's sizes
# (about 4 minutes; the main job, `-s release -- --arch aarch64`, builds and tests every kind, and
# publishes and installs them back).
EMULATED_ARCH = "aarch64"
EMULATED_PYTHON = "cp313"  # what scripts/provision_interpreters.py --arch provides offline
EMULATED_WHEELHOUSE = REPO / "target" / f"wheelhouse-test-{EMULATED_ARCH}"
# PyO3 build configuration of a free-threaded CPython 3.14, so the crate can be compiled and linted
# for it on machines that have no free-threaded interpreter (cross-compilation settings).
FREE_THREADED_CONFIG = REPO / "crate" / "pyo3-configs" / "cp314t.txt"


def build_test_wheels(session: nox.Session, *kinds: str) -> None:
    """Build release wheels from this checkout's sdist into a clean test wheelhouse.

    The sdist is unpacked in the build directory every clone shares (scripts/project.py), linked with
    zig as the release links them: the pipeline tests and the main job build in that same tree, so
    each wheel is compiled once, and a fresh clone of unchanged sources compiles nothing.
    """
    shutil.rmtree(TEST_WHEELHOUSE, ignore_errors=True)
    choice = [f"--abi={kind}" for kind in kinds] or ["--testable"]
    arguments = ["--zig", "--out", str(REPO / "target" / "dist-test"), "--wheel-out", str(TEST_WHEELHOUSE), *choice]
    session.run("python", "scripts/build_sdist.py", *arguments)


@nox.session
def lint(session: nox.Session) -> None:
    """Formatting, lints and types: ruff, rustfmt, clippy (GIL and free-threaded), mypy, stubtest."""
    install_groups(session)
    session.run("python", "scripts/lock_tools.py", "--check")  # locks/ holds exactly pyproject.toml's pins
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("cargo", "fmt", "--all", "--check", external=True)
    clippy = ["cargo", "clippy", "--locked", "--all-targets", "--", "-D", "warnings"]
    session.run(*clippy, external=True, env={"CARGO_TARGET_DIR": cargo_target("check")})
    free_threaded = {"PYO3_CONFIG_FILE": str(FREE_THREADED_CONFIG), "CARGO_TARGET_DIR": cargo_target("check-cp314t")}
    session.run("cargo", "clippy", "--locked", "--lib", "--", "-D", "warnings", external=True, env=free_threaded)
    build_test_wheels(session, "abi3")
    session.install("--no-index", "--find-links", str(TEST_WHEELHOUSE), "pyo3-showcase")
    session.run("mypy")  # python/, tests/, benchmarks/ (pyproject.toml)
    session.run("mypy", "scripts")  # separately: scripts/tests/ has a conftest.py of its own
    session.run(
        "python",
        "-m",
        "mypy.stubtest",
        "pyo3_showcase",
        "--allowlist",
        str(REPO / "python" / "stubtest-allowlist.txt"),
    )


@nox.session
def rust(session: nox.Session) -> None:
    """The pure-Rust unit tests."""
    session.run("cargo", "test", "--locked", external=True, env={"CARGO_TARGET_DIR": cargo_target("check")})


@nox.session
def tests(session: nox.Session) -> None:
    """Provide missing interpreters, build one wheel per ABI, and test it on every interpreter.

    Then, bounded, the Linux aarch64 path under QEMU (the main job's --arch aarch64 does all of it).
    """
    install_groups(session)
    session.run("python", "scripts/provision_interpreters.py")
    build_test_wheels(session)
    session.run("python", "scripts/test_wheels.py", str(TEST_WHEELHOUSE), *session.posargs)
    if session.posargs or sys.platform != "linux":
        return  # a chosen run (`-- --python cp311 -- -k text`) is about this machine's wheels; emulation is Linux's
    if problem := qemu_problem(EMULATED_ARCH):
        session.warn(f"{EMULATED_ARCH} wheels untested here: {problem.reason}; provide it with: {problem.remedy}")
        return
    session.run("python", "scripts/provision_interpreters.py", "--arch", EMULATED_ARCH, "--python", EMULATED_PYTHON)
    shutil.rmtree(EMULATED_WHEELHOUSE, ignore_errors=True)
    wheel_out = ["--wheel-out", str(EMULATED_WHEELHOUSE), "--out", str(REPO / "target" / "dist-test")]
    session.run("python", "scripts/build_sdist.py", "--zig", "--arch", EMULATED_ARCH, "--abi", "abi3", *wheel_out)
    emulated = ["--arch", EMULATED_ARCH, "--python", EMULATED_PYTHON]
    session.run("python", "scripts/test_wheels.py", str(EMULATED_WHEELHOUSE), *emulated)


@nox.session
def pipeline(session: nox.Session) -> None:
    """The release pipeline's own tests: every stage, and every way a release must refuse to go on."""
    install_groups(session)
    # The slowest tests are named at the end: where the time of the test command goes.
    session.run("python", "-m", "pytest", "scripts/tests", "--durations=15", *session.posargs)


@nox.session
def docker(session: nox.Session) -> None:
    """The hosted Linux wheel build, in Docker: sdist, then cibuildwheel (scripts/docker_wheels.py)."""
    install_groups(session)
    session.run("python", "scripts/docker_wheels.py", *session.posargs)


@nox.session(name="substitute-image")
def substitute_image(session: nox.Session) -> None:
    """Where no image can be pulled: build a manylinux-layout image to run `docker` against."""
    install_groups(session)
    session.run("python", "scripts/substitute_image.py", "--provision", *session.posargs)


@nox.session
def verify(session: nox.Session) -> None:
    """Rebuild a published version from its sdist and compare the bytes (scripts/verify_release.py)."""
    install_groups(session)
    session.run("python", "scripts/verify_release.py", *session.posargs)


@nox.session
def lock(session: nox.Session) -> None:
    """Re-lock the tools every job installs (locks/), after pyproject.toml's pins changed."""
    session.run("python", "scripts/lock_tools.py")


@nox.session
def release(session: nox.Session) -> None:
    """The main job: sdist, wheels, audit, tests, expected set, publish, install back (scripts/release.py)."""
    install_groups(session)
    session.run("python", "scripts/release.py", *session.posargs)  # its preflight provides the interpreters


if __name__ == "__main__":
    nox.main()
