"""Build pyo3-showcase wheels with maturin: one Rust build per ABI, never one per interpreter.

Usage: python scripts/build_wheels.py [--source DIR] [--out DIR] [--abi KIND]... [--zig] [--profile NAME]

ABIs are wheels.toml's wheel kinds (scripts/release_matrix.py): today abi3 (GIL CPython from its
floor on, one wheel), cp314t (free-threaded 3.14), cp315t (3.15 and 3.15t, abi3.abi3t) and pp311
(PyPy 3.11). Default: every kind of this machine's targets that some installed interpreter can
test (see scripts/interpreters.py). Each kind is built by its `build` interpreter when installed.
Without it, a CPython kind is built from maturin's own interpreter data, whose tags are exact (they
follow from the version and the ABI alone); a PyPy kind is not built at all, because its ABI tag
names the PyPy release series (pp73, pp80), which only the interpreter can tell: it is reported
"not buildable here", never tagged by a guess. A wheel whose tags differ from wheels.toml's (or, for
PyPy, from the interpreter's own) is deleted and reported the same way.

Each ABI compiles in its own cargo target directory (SOURCE/target/wheels-ABI[-manylinux_2_28]), so building one
ABI never invalidates another's cache, and a re-run without source changes compiles nothing.
With --zig, wheels target manylinux_2_28 through zig's linker (no container needed).

Builds are reproducible: two builds of one commit, in any two directories, give byte-identical
wheels. Archive times come from SOURCE_DATE_EPOCH (default: the last commit's time, or the time an
unpacked sdist carries); rustc writes the source directory and CARGO_HOME as /build/pyo3-showcase
and /cargo; the Rust SBOM (.dist-info/sboms) names the crate by that same /build/pyo3-showcase.

Exit codes: 0 every requested kind built; 12 one was not (its line says why); 3 bad argument.
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from build_tools import build_tools_environment, path_with_build_tools
from interpreters import Interpreter, discover, pypy_abi_of
from project import REPO, last_line, venv_script
from release_errors import UsageError, WheelBuildError, run_main
from release_matrix import InterpreterKind, WheelKind, matrix

if TYPE_CHECKING:
    from cross_toolchain import CrossToolchain

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
    on_output: Callable[[str], None] = lambda line: None  # each line maturin and cargo print, as they do
    cross: CrossToolchain | None = None  # cross-compile for another architecture (scripts/cross_toolchain.py)


@dataclass(frozen=True)
class BuildResult:
    """One ABI's outcome: the wheel built, or why not."""

    abi: str
    wheel: Path | None
    note: str  # which interpreter was used, or why nothing was built
    seconds: float


def say(line: str) -> None:
    """Print one line of this program's own, at once."""
    print(line, flush=True)


def interpreter_for(kind: WheelKind, interpreters: list[Interpreter]) -> Interpreter | None:
    """The installed interpreter that builds KIND (any GIL CPython for abi3, which sets its own floor)."""
    if kind.abi == "abi3":
        gil_builds = [i for i in interpreters if i.implementation == "cpython" and not i.free_threaded]
        if gil_builds:
            return min(gil_builds, key=lambda i: i.minor)
    return next((interpreter for interpreter in interpreters if interpreter.tag == kind.build), None)


def maturin_interpreter(kind: WheelKind, interpreters: list[Interpreter]) -> tuple[str | None, str]:
    """What to hand maturin's --interpreter for KIND, and a note; None if no exact build is possible here.

    An installed interpreter; else, for CPython, the name maturin resolves from its own data (exact:
    the tags follow from version and ABI); for PyPy nothing, since its ABI tag names the PyPy series.
    """
    if installed := interpreter_for(kind, interpreters):
        return str(installed.path), f"built with {installed.tag} {installed.version}"
    builder = InterpreterKind(kind.build)
    if kind.is_pypy:
        return None, (
            f"not buildable here: no {builder.description} (a PyPy wheel's ABI tag names the PyPy release "
            "series, which only the interpreter can tell; maturin's own data would guess it)"
        )
    return builder.executable, f"built from maturin's {builder.description} data (no such interpreter here)"


def default_kinds(interpreters: list[Interpreter]) -> list[str]:
    """The wheel kinds of this machine's targets that some installed interpreter can test."""
    data = matrix()
    present = {interpreter.tag for interpreter in interpreters}
    kinds = data.kinds_of(data.selected(local_only=True))
    return [kind.name for kind in kinds if present & {served.tag for served in data.served_by(kind)}]


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


def wrong_tags(wheel: Path, kind: WheelKind, builder: Interpreter | None) -> str | None:
    """Why WHEEL's tags are not KIND's (for PyPy: not those of the PyPy that built it); None if they are."""
    python_tag, abi_tag = wheel.name.split("-")[2:4]
    expected_abi = pypy_abi_of(builder.path) if kind.is_pypy and builder else kind.abi
    if (python_tag, abi_tag) == (kind.python, expected_abi):
        return None
    return f"maturin tagged it {python_tag}-{abi_tag}, not {kind.python}-{expected_abi}"


def build(kind: WheelKind, interpreters: list[Interpreter], settings: BuildSettings) -> BuildResult:
    """Run maturin for one wheel kind; a failure becomes a result, not an exception."""
    started = time.monotonic()
    interpreter, note = maturin_interpreter(kind, interpreters)
    if interpreter is None:
        say(f"== {kind.name}: {note}")
        return BuildResult(kind.name, None, note, 0.0)
    command = ["maturin", "build", "--locked", "--profile", settings.profile, "--interpreter", interpreter]
    command += ["--out", str(settings.out)]
    env = reproducible_env(settings.source, os.environ)
    if settings.zig:
        command += ["--zig", "--compatibility", "manylinux_2_28"]
        # maturin and zig from the one environment every zig build shares: the linker's path, and
        # so cargo's cache, is then the same whoever builds (scripts/build_tools.py).
        tools = build_tools_environment()
        command[0] = str(venv_script(tools, "maturin"))
        env["PATH"] = path_with_build_tools(tools, env.get("PATH"))
    else:
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # Zig-linked (manylinux_2_28) and native builds use different linkers: separate caches, so that
    # alternating between them never recompiles everything.
    linkage = "-manylinux_2_28" if settings.zig else ""
    if settings.cross:
        command += ["--target", settings.cross.rust_target]
        env = settings.cross.environment(env)
        linkage += f"-{settings.cross.rust_target}"  # another rustc: another cache
    env["CARGO_TARGET_DIR"] = str(settings.source / "target" / f"wheels-{kind.name}{linkage}")
    say(f"== {kind.name}: {' '.join(['maturin', *command[1:]])}")
    output: list[str] = []
    with subprocess.Popen(
        command, cwd=settings.source, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as maturin:
        assert maturin.stdout is not None
        for line in maturin.stdout:
            output.append(line)
            settings.on_output(line)
    seconds = time.monotonic() - started
    # maturin ends with "Built wheel for ... to PATH"; the file may have replaced an identical name.
    built = [Path(line.rsplit(" to ", 1)[1].strip()) for line in output if "Built wheel" in line and " to " in line]
    if maturin.returncode != 0 or not built:
        print("".join(output[-60:]), file=sys.stderr)
        return BuildResult(kind.name, None, f"not buildable here: {last_line(''.join(output))}", seconds)
    if mismatch := wrong_tags(built[0], kind, interpreter_for(kind, interpreters)):
        built[0].unlink()
        return BuildResult(kind.name, None, f"not buildable here: {mismatch}", seconds)
    remap_sbom_paths(built[0], settings.source)
    return BuildResult(kind.name, built[0], note, seconds)


def build_requested(source: Path, out: Path, names: list[str] | None, zig: bool, profile: str) -> None:
    """Build the requested kinds (default: default_kinds) and print one line each; WheelBuildError if any fails."""
    if not (source / "pyproject.toml").is_file():
        raise UsageError(f"{source} has no pyproject.toml: pass --source the project or an unpacked sdist")
    source_date_epoch(source)
    out.mkdir(parents=True, exist_ok=True)
    interpreters = discover()
    kinds = matrix().wheels
    settings = BuildSettings(source, out.resolve(), profile, zig)
    results = [build(kinds[name], interpreters, settings) for name in names or default_kinds(interpreters)]
    for result in results:
        print(f"{result.abi:7} {result.seconds:6.1f}s  {result.wheel.name if result.wheel else '-'}  ({result.note})")
    if failed := [result.abi for result in results if result.wheel is None]:
        raise WheelBuildError(f"not built: {', '.join(failed)} (the line of each says why)")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=REPO, help="project or unpacked sdist (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "wheelhouse", help="wheel output directory")
    parser.add_argument(
        "--abi", action="append", choices=list(matrix().wheels), help="wheel kind to build (repeatable)"
    )
    parser.add_argument("--zig", action="store_true", help="link for manylinux_2_28 with zig (needs ziglang)")
    parser.add_argument("--profile", default="release", help="cargo profile (default: %(default)s)")
    args = parser.parse_args()
    return run_main(lambda: build_requested(args.source.resolve(), args.out, args.abi, args.zig, args.profile))


if __name__ == "__main__":
    sys.exit(main())
