"""Build pyo3-showcase wheels with maturin: one Rust build per ABI, never one per interpreter.

Usage: python scripts/build_wheels.py [--source DIR] [--out DIR] [--abi ABI]... [--zig] [--profile NAME]

ABIs: abi3 (CPython 3.10+ with the GIL, one wheel), cp314t (free-threaded 3.14), cp315t
(free-threaded 3.15, abi3t), pp311 (PyPy 3.11). Default: every ABI for which an interpreter is
installed (see scripts/interpreters.py), plus abi3. An ABI whose interpreter is missing is still
attempted with maturin's built-in interpreter data, and reported "not buildable here" with the
reason if maturin cannot target it: it is never silently dropped.

Each ABI compiles in its own cargo target directory (SOURCE/target/wheels-ABI), so building one
ABI never invalidates another's cache, and a re-run without source changes compiles nothing.
With --zig, wheels target manylinux_2_28 through zig's linker (no container needed).

Exit codes: 0 every requested ABI built; 1 a build failed; 3 bad argument.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from interpreters import Interpreter, discover

REPO = Path(__file__).resolve().parent.parent
EXIT_BUILD_FAILED, EXIT_USAGE = 1, 3
ALL_ABIS = ("abi3", "cp314t", "cp315t", "pp311")
# The interpreter each ABI is built for, by tag; abi3 builds for its floor, whatever runs it.
ABI_TAGS = {"abi3": "cp310", "cp314t": "cp314t", "cp315t": "cp315t", "pp311": "pp311"}
# Names maturin resolves with its own data when no such interpreter is installed.
ABI_INTERPRETER_NAMES = {"abi3": "python3.10", "cp314t": "python3.14t", "cp315t": "python3.15t", "pp311": "pypy3.11"}


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


def build(abi: str, interpreter: str, settings: BuildSettings) -> BuildResult:
    """Run maturin for one ABI; a failure becomes a result, not an exception."""
    started = time.monotonic()
    command = ["maturin", "build", "--locked", "--profile", settings.profile, "--interpreter", interpreter]
    command += ["--out", str(settings.out)]
    if settings.zig:
        command += ["--zig", "--compatibility", "manylinux_2_28"]
    env = {**os.environ, "CARGO_TARGET_DIR": str(settings.source / "target" / f"wheels-{abi}")}
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
