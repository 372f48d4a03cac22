"""Build pyo3-showcase wheels with maturin: one Rust build per ABI, never one per interpreter.

Usage: python scripts/build_wheels.py [--source DIR] [--out DIR] [--abi ABI]... [--zig] [--profile NAME]

ABIs: abi3 (CPython 3.10+ with the GIL, one wheel), cp314t (free-threaded 3.14), cp315t
(free-threaded 3.15, abi3t), pp311 (PyPy 3.11). Default: every ABI for which an interpreter is
installed (see scripts/interpreters.py), plus abi3. An ABI whose interpreter is missing is still
attempted with maturin's built-in interpreter data, and reported "not buildable here" with the
reason if maturin cannot target it: it is never silently dropped.

Each ABI compiles in its own cargo target directory (SOURCE/target/wheels-ABI[-manylinux_2_28]), so building one
ABI never invalidates another's cache, and a re-run without source changes compiles nothing.
With --zig, wheels target manylinux_2_28 through zig's linker (no container needed).

Builds are reproducible: two builds of one commit, in any two directories, give byte-identical
wheels. Archive times come from SOURCE_DATE_EPOCH (default: the last commit's time, or the time an
unpacked sdist carries); rustc writes the source directory and CARGO_HOME as /build/pyo3-showcase
and /cargo; the Rust SBOM (.dist-info/sboms) names the crate by that same /build/pyo3-showcase.

Exit codes: 0 every requested ABI built; 1 a build failed; 3 bad argument.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from interpreters import Interpreter, discover
from release_errors import UsageError

REPO = Path(__file__).resolve().parent.parent
EXIT_BUILD_FAILED, EXIT_USAGE = 1, 3
ALL_ABIS = ("abi3", "cp314t", "cp315t", "pp311")
# The interpreter each ABI is built for, by tag; abi3 builds for its floor, whatever runs it.
ABI_TAGS = {"abi3": "cp310", "cp314t": "cp314t", "cp315t": "cp315t", "pp311": "pp311"}
# Names maturin resolves with its own data when no such interpreter is installed.
ABI_INTERPRETER_NAMES = {"abi3": "python3.10", "cp314t": "python3.14t", "cp315t": "python3.15t", "pp311": "pypy3.11"}
# Where a build says it happened, whatever directory it really ran in (see reproducible_env).
REMAPPED_SOURCE = "/build/pyo3-showcase"
REMAPPED_CARGO_HOME = "/cargo"
# 1980-01-01, the earliest time a zip entry can hold: maturin's own default for wheel entries.
ZIP_EPOCH = 315532800


@dataclass(frozen=True)
class BuildSettings:
    """What every ABI's build shares."""

    source: Path  # the project or an unpacked sdist
    out: Path  # where wheels go
    profile: str  # cargo profile
    zig: bool  # link for manylinux_2_28 with zig


@dataclass(frozen=True)
class BuildResult:
    """One ABI's outcome: the wheel built, or why not."""

    abi: str
    wheel: Path | None
    note: str  # which interpreter was used, or why nothing was built
    seconds: float


def interpreter_for(abi: str, interpreters: list[Interpreter]) -> str:
    """The interpreter to hand maturin: an installed one if any, else the name maturin knows."""
    tag = ABI_TAGS[abi]
    if abi == "abi3":
        gil_builds = [i for i in interpreters if i.implementation == "cpython" and not i.free_threaded]
        if gil_builds:
            return str(min(gil_builds, key=lambda i: i.minor).path)
    for interpreter in interpreters:
        if interpreter.tag == tag:
            return str(interpreter.path)
    return ABI_INTERPRETER_NAMES[abi]


def default_abis(interpreters: list[Interpreter]) -> list[str]:
    """abi3, plus every other ABI that has an installed interpreter to test its wheel."""
    present = {interpreter.tag for interpreter in interpreters}
    return ["abi3", *(abi for abi in ALL_ABIS[1:] if ABI_TAGS[abi] in present)]


def source_date_epoch(source: Path) -> int:
    """The time every archive entry carries, as seconds since 1970.

    $SOURCE_DATE_EPOCH if set; else the last commit's time if SOURCE is a git checkout; else
    PKG-INFO's time if SOURCE is an unpacked sdist (maturin stamps every sdist entry with the
    sdist's SOURCE_DATE_EPOCH, and unpack_sdist keeps it on PKG-INFO); else 1980-01-01.
    """
    if value := os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        if not value.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={value} is not a number of seconds: fix or unset it")
        return int(value)
    toplevel = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=source, capture_output=True, text=True, check=False
    )
    # An sdist unpacked inside some repository's target/ must not take that repository's time.
    if toplevel.returncode == 0 and Path(toplevel.stdout.strip()).resolve() == source.resolve():
        commit_time = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=source, capture_output=True, text=True, check=False
        )
        if commit_time.returncode == 0 and commit_time.stdout.strip():
            return int(commit_time.stdout.strip())
    pkg_info = source / "PKG-INFO"
    if pkg_info.is_file():
        return max(int(pkg_info.stat().st_mtime), ZIP_EPOCH)
    return ZIP_EPOCH


def cargo_home() -> Path:
    """Where cargo keeps the registry sources that rustc reads dependencies from."""
    return Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo").resolve()


def reproducible_env(source: Path, base: Mapping[str, str]) -> dict[str, str]:
    """BASE plus what makes a build independent of where and when it runs.

    SOURCE_DATE_EPOCH fixes the time in the wheel's zip entries and in the Rust SBOM (which,
    without it, also gets a random serial number). --remap-path-prefix replaces the source
    directory (the target directory is inside it) and CARGO_HOME in panic locations and debug
    info. Cargo's `trim-paths` would do this, but is not stable in Rust 1.95. The flags go in
    CARGO_ENCODED_RUSTFLAGS, which survives spaces in paths, after any the caller already set.
    """
    if encoded := base.get("CARGO_ENCODED_RUSTFLAGS"):
        flags = encoded.split("\x1f")
    else:
        flags = base.get("RUSTFLAGS", "").split()
    # rustc applies the last matching remapping, so the longer (more specific) prefix goes last.
    remaps = sorted(
        [(source.resolve(), REMAPPED_SOURCE), (cargo_home(), REMAPPED_CARGO_HOME)], key=lambda r: len(str(r[0]))
    )
    flags += [f"--remap-path-prefix={path}={remapped}" for path, remapped in remaps]
    env = {key: value for key, value in base.items() if key != "RUSTFLAGS"}
    env["CARGO_ENCODED_RUSTFLAGS"] = "\x1f".join(flags)
    env["SOURCE_DATE_EPOCH"] = str(source_date_epoch(source))
    return env


def record_hash(data: bytes) -> str:
    """A RECORD file's hash field for DATA."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def remap_sbom_paths(wheel: Path, source: Path) -> None:
    """Name the source directory REMAPPED_SOURCE in the wheel's SBOMs, as rustc does in the binary.

    cargo-cyclonedx identifies the crate by its absolute path (path+file:///.../crate), and maturin
    offers no way to change that; it is the one thing in the wheel that still depends on where the
    build ran. The wheel is rewritten in place with the same entry order, times and modes.
    """
    # Cargo URL-quotes the path as pathlib does; the path as given or the real one, if a link leads
    # there. The longer first, so that neither replaces part of the other.
    uris = {f"{path.as_uri()}/".encode() for path in (source.absolute(), source.resolve())}
    build_uris = sorted(uris, key=len, reverse=True)
    remapped_uri = f"{Path(REMAPPED_SOURCE).as_uri()}/".encode()
    with zipfile.ZipFile(wheel) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    changed = {
        info.filename: functools.reduce(lambda text, uri: text.replace(uri, remapped_uri), build_uris, data)
        for info, data in entries
        if "/sboms/" in info.filename and any(uri in data for uri in build_uris)
    }
    if not changed:
        return
    rewritten = wheel.with_name(wheel.name + ".part")
    with zipfile.ZipFile(rewritten, "w") as archive:
        for info, data in entries:
            if info.filename.endswith(".dist-info/RECORD"):
                archive.writestr(info, updated_record(data.decode(), changed))
            else:
                archive.writestr(info, changed.get(info.filename, data))
    rewritten.replace(wheel)


def updated_record(record: str, changed: Mapping[str, bytes]) -> str:
    """RECORD with the hash and size of every CHANGED file brought up to date."""
    lines = []
    for line in record.splitlines():
        name = line.split(",", 1)[0]
        lines.append(f"{name},{record_hash(changed[name])},{len(changed[name])}" if name in changed else line)
    return "".join(f"{line}\n" for line in lines)


def build(abi: str, interpreter: str, settings: BuildSettings) -> BuildResult:
    """Run maturin for one ABI; a failure becomes a result, not an exception."""
    started = time.monotonic()
    command = ["maturin", "build", "--locked", "--profile", settings.profile, "--interpreter", interpreter]
    command += ["--out", str(settings.out)]
    if settings.zig:
        command += ["--zig", "--compatibility", "manylinux_2_28"]
    env = reproducible_env(settings.source, os.environ)
    # Zig-linked (manylinux_2_28) and native builds use different linkers: separate caches, so that
    # alternating between them never recompiles everything.
    linkage = "-manylinux_2_28" if settings.zig else ""
    # maturin finds zig (from the ziglang package) on PATH: make this environment's scripts visible.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["CARGO_TARGET_DIR"] = str(settings.source / "target" / f"wheels-{abi}{linkage}")
    print(f"== {abi}: {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=settings.source, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    # maturin ends with "Built wheel for ... to PATH"; the file may have replaced an identical name.
    built = [
        Path(line.rsplit(" to ", 1)[1].strip())
        for line in (result.stderr + result.stdout).splitlines()
        if "Built wheel" in line and " to " in line
    ]
    if result.returncode != 0 or not built:
        reason = next((line.strip() for line in reversed(result.stderr.splitlines()) if line.strip()), "no output")
        print(result.stderr[-4000:], file=sys.stderr)
        return BuildResult(abi, None, f"not buildable here: {reason}", seconds)
    remap_sbom_paths(built[0], settings.source)
    return BuildResult(abi, built[0], f"built for {interpreter}", seconds)


def main() -> int:
    """Build the requested ABIs and print one line each; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=REPO, help="project or unpacked sdist (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "wheelhouse", help="wheel output directory")
    parser.add_argument("--abi", action="append", choices=ALL_ABIS, help="ABI to build (repeatable)")
    parser.add_argument("--zig", action="store_true", help="link for manylinux_2_28 with zig (needs ziglang)")
    parser.add_argument("--profile", default="release", help="cargo profile (default: %(default)s)")
    args = parser.parse_args()

    source = args.source.resolve()
    if not (source / "pyproject.toml").is_file():
        print(f"error: {source} has no pyproject.toml", file=sys.stderr)
        return EXIT_USAGE
    try:
        source_date_epoch(source)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    args.out.mkdir(parents=True, exist_ok=True)
    interpreters = discover()
    abis = args.abi or default_abis(interpreters)
    settings = BuildSettings(source, args.out.resolve(), args.profile, args.zig)
    results = [build(abi, interpreter_for(abi, interpreters), settings) for abi in abis]
    for result in results:
        print(f"{result.abi:7} {result.seconds:6.1f}s  {result.wheel.name if result.wheel else '-'}  ({result.note})")
    return EXIT_BUILD_FAILED if any(result.wheel is None for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
