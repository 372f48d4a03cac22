"""Build the Linux wheels exactly as the release workflow does: cibuildwheel, in containers, from the sdist.

Usage: python scripts/docker_wheels.py [--sdist FILE] [--output-dir DIR] [--archs ARCHS] [SELECTOR ...]
Normally run as `uv run noxfile.py -s docker -- [ARGUMENTS]`, which installs the pinned cibuildwheel;
the hosted Linux job runs that same command.

1. The sdist: --sdist FILE (the hosted job passes the one its sdist job built), or else built from
   this checkout by scripts/build_sdist.py (reproducible, its contents checked).
2. `python -m cibuildwheel --platform linux --output-dir DIR SDIST`. Every build option comes from
   the sdist's own pyproject.toml, [tool.cibuildwheel]: which builds, Rust set-up, environment,
   repair (auditwheel), audit (abi3audit) and the test suite on every selected interpreter. Nothing
   else is passed, except:
   - SELECTORs (cibuildwheel build selectors such as cp310-manylinux_x86_64 or 'cp31?-*') choose
     the builds instead of pyproject.toml's build list, through cibuildwheel's CIBW_BUILD (so
     '*-manylinux_x86_64' also picks interpreters the release never builds); without them
     cibuildwheel builds everything pyproject.toml selects for this machine's architecture,
     manylinux and musllinux, as the hosted job does;
   - SOURCE_DATE_EPOCH, unless set: the sdist's own time (maturin stamps it on every member), so
     two builds of one sdist give wheels with the same archive times;
   - --archs ARCHS (cibuildwheel's own option, read as it reads it: aarch64, x86_64,aarch64, all):
     one cibuildwheel run per architecture, each of which may build nothing of a selection meant
     for another. One that this machine runs only under QEMU (aarch64 on x86_64: cibuildwheel's
     documented way, with QEMU registered through binfmt_misc) needs that registration
     (scripts/emulation.py says what is missing), and its suites get the emulated test settings
     (scripts/emulation.py's EMULATED_TEST_ENV, which [tool.cibuildwheel] environment-pass lets
     into the containers; a native run gets none of them), so that no pure-Python reference
     comparison times out. Without --archs, cibuildwheel builds for this machine's architecture,
     as the hosted jobs do.
   Images are the official ones cibuildwheel pins by digest; cibuildwheel's own variables
   (CIBW_MANYLINUX_X86_64_IMAGE and the like) point it at others (scripts/substitute_image.py).
Wheels land in DIR (default: wheelhouse/ in the checkout), beside whatever is already there.

Exit codes: 0 every wheel built, repaired, audited and tested; 3 bad argument or no Docker engine;
11 the sdist is wrong; 18 cibuildwheel failed (its output says where); 19 no QEMU for --archs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import emulation
from build_sdist import build_sdist, check_sdist_contents
from project import REPO
from release_errors import ContainerError, UsageError, run_main

SDIST_DIR = REPO / "target" / "docker-sdist"
DEFAULT_OUTPUT = REPO / "wheelhouse"


def cibuildwheel_command(sdist: Path, output_dir: Path, arch: str | None = None) -> list[str]:
    """One cibuildwheel invocation: the platform, the architecture if chosen, where wheels go, what to build from."""
    archs = ["--archs", arch] if arch else []
    command = [sys.executable, "-m", "cibuildwheel", "--platform", "linux", *archs, "--output-dir", str(output_dir)]
    return [*command, str(sdist)]


# A 32-bit architecture whose programs the 64-bit one runs itself, without QEMU: cibuildwheel builds
# i686 on x86_64 natively, though its `auto` no longer picks it.
NATIVE_32_BIT = {"x86_64": "i686"}


def native_archs() -> set[str]:
    """The Linux architectures this machine runs without emulation: its own, and i686 on x86_64.

    Any other runs under QEMU (aarch64 on x86_64).
    """
    from cibuildwheel.architecture import Architecture  # noqa: PLC0415 - the nox session installs it

    own = Architecture.native_arch("linux")
    if own is None:
        raise UsageError("cibuildwheel knows no Linux architecture of this machine: it builds no Linux wheels here")
    return {own.value, *([NATIVE_32_BIT[own.value]] if own.value in NATIVE_32_BIT else [])}


def split_archs(archs: str | None) -> list[str | None]:
    """The cibuildwheel runs --archs asks for: one per Linux architecture; [None], one run of its default.

    ARCHS is read as cibuildwheel reads it: commas or spaces, any case, keywords such as `all` expanded.
    """
    if archs is None:
        return [None]
    from cibuildwheel.architecture import Architecture  # noqa: PLC0415
    from cibuildwheel.errors import ConfigurationError  # noqa: PLC0415

    try:
        chosen = Architecture.parse_config(archs.strip(), "linux")
    except ConfigurationError as error:
        raise UsageError(
            f"--archs {archs!r}: {error}; Linux has {', '.join(sorted(Architecture.all_archs('linux')))}"
        ) from error
    if not chosen or not chosen <= Architecture.all_archs("linux"):
        others = ", ".join(sorted(arch.value for arch in chosen - Architecture.all_archs("linux"))) or "none"
        raise UsageError(
            f"--archs {archs!r} names no Linux architecture (not Linux: {others}): give aarch64 or the like"
        )
    return sorted(arch.value for arch in chosen)


def sdist_epoch(sdist: Path) -> int:
    """The time maturin stamped on the sdist's PKG-INFO (its SOURCE_DATE_EPOCH)."""
    try:
        with tarfile.open(sdist) as archive:
            pkg_info = next(member for member in archive.getmembers() if member.name.endswith("/PKG-INFO"))
    except (OSError, tarfile.TarError, StopIteration) as error:
        raise UsageError(
            f"{sdist} is not an sdist with a PKG-INFO ({error or 'none found'}): pass a .tar.gz"
        ) from error
    return int(pkg_info.mtime)


# nox's uv backend points these at the session's own environment; cibuildwheel makes environments of
# its own (the audit's, for one), and uv would install into nox's instead.
NOX_ENVIRONMENT_VARIABLES = ("UV_PYTHON", "UV_PROJECT_ENVIRONMENT")


def cibuildwheel_environment(base: Mapping[str, str], sdist: Path, selectors: Sequence[str]) -> dict[str, str]:
    """BASE, without nox's uv settings, plus the selection (if any) and SOURCE_DATE_EPOCH (unless set)."""
    env = {key: value for key, value in base.items() if key not in NOX_ENVIRONMENT_VARIABLES}
    if selectors:
        env["CIBW_BUILD"] = " ".join(selectors)
    if not env.get("SOURCE_DATE_EPOCH", "").strip():
        env["SOURCE_DATE_EPOCH"] = str(sdist_epoch(sdist))
    return env


def require_docker() -> None:
    """Fail with one line unless a Docker engine answers."""
    try:
        answer = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, check=False)
    except FileNotFoundError as error:
        raise UsageError("docker is not installed: cibuildwheel builds Linux wheels in containers") from error
    if answer.returncode != 0:
        raise UsageError("no Docker engine is reachable: start it (`docker info` must work), then re-run")


def wheels_in(directory: Path) -> dict[Path, int]:
    """The wheels in DIRECTORY, each with its modification time: what a run added or replaced shows."""
    return {wheel: wheel.stat().st_mtime_ns for wheel in directory.glob("*.whl")} if directory.is_dir() else {}


def run_environment(base: dict[str, str], arch: str | None, native: set[str], several: bool) -> dict[str, str]:
    """BASE for the run of ARCH: the emulated suite settings for an emulated one, none of them for a native one.

    With SEVERAL runs, a selection may choose nothing for one architecture (cp313-manylinux_aarch64
    in the x86_64 run): cibuildwheel may then build nothing there (its allow-empty option), and the
    caller checks that the runs built something in all.
    """
    env = {key: value for key, value in base.items() if key not in emulation.EMULATED_TEST_ENV}
    if arch and arch not in native:
        env.update(emulation.EMULATED_TEST_ENV)
    if several:
        env["CIBW_ALLOW_EMPTY"] = "1"
    return env


def build_in_containers(
    given_sdist: Path | None, output_dir: Path, selectors: Sequence[str], archs: str | None = None
) -> None:
    """Build the sdist unless given, then run cibuildwheel on it per architecture; ContainerError if one fails."""
    require_docker()
    runs, native = split_archs(archs), native_archs()
    # Before any build: a missing QEMU is a one-line answer, not an hour's wait.
    emulators = {arch: emulation.registered_qemu(arch) for arch in runs if arch and arch not in native}
    if given_sdist is None:
        sdist = build_sdist(REPO, SDIST_DIR)
        check_sdist_contents(sdist, REPO)
    elif given_sdist.is_file():
        sdist = given_sdist.resolve()
    else:
        raise UsageError(f"{given_sdist} does not exist: pass the path of an sdist (.tar.gz)")
    before = wheels_in(output_dir)
    for arch in runs:
        base = cibuildwheel_environment(os.environ, sdist, selectors)
        env = run_environment(base, arch, native, several=len(runs) > 1)
        command = cibuildwheel_command(sdist, output_dir.resolve(), arch)
        print(f"from {sdist.name} (SOURCE_DATE_EPOCH={env['SOURCE_DATE_EPOCH']}): {' '.join(command[1:])}", flush=True)
        if arch in emulators:
            settings = " ".join(f"{key}={value}" for key, value in emulation.EMULATED_TEST_ENV.items())
            print(
                f"{arch} runs under emulation ({emulators[arch].line()}), far slower; its suites run with {settings}",
                flush=True,
            )
        if subprocess.run(command, env=env, check=False).returncode != 0:
            where = f" for {arch}" if arch else ""
            raise ContainerError(f"cibuildwheel failed{where}: its output above names the build and the step")
    if len(runs) > 1 and wheels_in(output_dir) == before:
        raise ContainerError(f"no wheel built for any of {', '.join(map(str, runs))}: the selectors chose nothing")


def main() -> int:
    """Build the sdist if needed, then hand over to cibuildwheel; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdist", type=Path, help="build from this sdist (default: build one from the checkout)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT, help="where wheels go (%(default)s)")
    parser.add_argument(
        "--archs", metavar="ARCHS", help="cibuildwheel's architectures, comma-separated (default: this machine's)"
    )
    parser.add_argument("selectors", nargs="*", metavar="SELECTOR", help="cibuildwheel build selectors")
    args = parser.parse_args()
    return run_main(lambda: build_in_containers(args.sdist, args.output_dir, args.selectors, args.archs))


if __name__ == "__main__":
    sys.exit(main())
