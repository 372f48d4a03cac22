"""Release stage 6, the expected-set gate: the release holds exactly the files wheels.toml lists.

Usage: python scripts/expected_wheels.py --version V [--local [--arch MACHINE]...] [--pypy-abi TAG]
                                         [--check DIR] [--not-buildable KIND=REASON]...

Without --check, prints the expected file names, one per line. With --check DIR, the *.whl and
*.tar.gz files in DIR must be exactly those: otherwise nothing is uploaded.
--local keeps only the targets this machine builds (`local = true` in wheels.toml), and with
--arch aarch64 also those it builds under emulation (`emulated = true`, the main job's --arch); --pypy-abi
replaces a PyPy wheel's ABI tag by the one of the PyPy that built it (pypy311_pp73, say), so the
local gate stays exact whatever PyPy series built the wheel; --not-buildable names a wheel kind the
wheels stage could not build, and why, so that the refusal says so rather than "missing".
The matrices and the README table come from scripts/release_matrix.py.

Exit codes: 0 as expected; 15 a file is missing or unexpected (ExpectedSetError); 3 bad arguments
or a malformed wheels.toml (UsageError).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version
from release_errors import ExpectedSetError, UsageError, run_main
from release_matrix import PYPY_ABI, ReleaseData, WheelKind, matrix


def normalized_version(version: str) -> str:
    """VERSION as maturin writes it into file names (PEP 440 normal form: 1.2.0-rc.1 is 1.2.0rc1)."""
    try:
        return str(Version(version))
    except InvalidVersion as error:
        raise UsageError(f"{version!r} is not a PEP 440 version: pass the version maturin builds") from error


def with_pypy_abi(kinds: Mapping[str, WheelKind], pypy_abi: str) -> dict[str, WheelKind]:
    """The wheel kinds, with the PyPy wheel of PYPY_ABI's Python version tagged PYPY_ABI."""
    match = PYPY_ABI.fullmatch(pypy_abi)
    if not match:
        raise UsageError(f"--pypy-abi {pypy_abi}: not a PyPy ABI tag such as pypy311_pp80")
    python = f"pp3{match[1]}"
    if not any(kind.python == python for kind in kinds.values()):
        raise UsageError(f"--pypy-abi {pypy_abi}: wheels.toml has no {python} wheel to apply it to")
    return {
        name: dataclasses.replace(kind, abi=pypy_abi) if kind.python == python else kind for name, kind in kinds.items()
    }


def wheel_name(distribution: str, version: str, kind: WheelKind, platform: str) -> str:
    """A wheel's file name (PEP 427): {distribution}-{version}-{python}-{abi}-{platform}.whl."""
    return f"{distribution}-{version}-{kind.python}-{kind.abi}-{platform}.whl"


def expected_by_kind(
    version: str,
    *,
    local_only: bool,
    emulated_archs: Sequence[str] = (),
    pypy_abi: str | Mapping[str, str] | None = None,
    data: ReleaseData | None = None,
) -> dict[str, set[str]]:
    """The wheel file names of a release of VERSION, by wheel kind (see expected_files)."""
    data = data or matrix()
    version = normalized_version(version)
    files: dict[str, set[str]] = {}
    for target in data.selected(local_only=local_only, emulated_archs=emulated_archs):
        for name in target.wheels:
            platform = target.platform_for(name)
            platform_abi = pypy_abi.get(platform) if isinstance(pypy_abi, Mapping) else pypy_abi
            kinds = with_pypy_abi(data.wheels, platform_abi) if platform_abi else data.wheels
            files.setdefault(name, set()).add(wheel_name(data.distribution, version, kinds[name], platform))
    return files


def expected_files(
    version: str,
    *,
    local_only: bool,
    emulated_archs: Sequence[str] = (),
    pypy_abi: str | Mapping[str, str] | None = None,
    data: ReleaseData | None = None,
) -> set[str]:
    """The file names a release of VERSION holds: the sdist and every target's wheels.

    ``local_only`` keeps the targets this machine builds, and of those it builds under emulation,
    the ones of ``emulated_archs``; ``pypy_abi`` (e.g. "pypy311_pp73") is the ABI tag of the PyPy
    that built the matching PyPy wheel, when it is not the one wheels.toml names; by platform tag,
    where the PyPys of two architectures are of different series.
    """
    data = data or matrix()
    wheels = expected_by_kind(
        version, local_only=local_only, emulated_archs=emulated_archs, pypy_abi=pypy_abi, data=data
    )
    return {f"{data.distribution}-{normalized_version(version)}.tar.gz"}.union(*wheels.values())


def check_release_dir(
    directory: Path,
    expected: set[str],
    not_buildable: Mapping[str, str] | None = None,
) -> None:
    """DIRECTORY's wheels and sdists are exactly EXPECTED; ExpectedSetError names every difference.

    Only *.whl and *.tar.gz files count: logs, reports and subdirectories may sit beside them.
    NOT_BUILDABLE maps a missing file to why the wheels stage could not build it here.
    """
    if not directory.is_dir():
        raise ExpectedSetError(f"{directory} is not a directory: nothing to release")
    present = {path.name for path in directory.iterdir() if path.is_file() and path.name.endswith((".whl", ".tar.gz"))}
    missing, unexpected = sorted(expected - present), sorted(present - expected)
    not_buildable = not_buildable or {}
    unbuilt = [f"{name} (not buildable here: {not_buildable[name]})" for name in missing if name in not_buildable]
    absent = [name for name in missing if name not in not_buildable]
    if missing or unexpected:
        parts = [f"not built {', '.join(unbuilt)}"] if unbuilt else []
        parts += [f"missing {', '.join(absent)}"] if absent else []
        parts += [f"unexpected {', '.join(unexpected)}"] if unexpected else []
        advice = (
            "provide what the build needs (the preflight names it), then run the release again"
            if unbuilt and not absent and not unexpected
            else "build what is missing and remove the rest (or change wheels.toml), then run the release again"
        )
        raise ExpectedSetError(f"{directory} is not the release wheels.toml lists: {'; '.join(parts)}; {advice}")


def run(args: argparse.Namespace) -> None:
    """Print or check the expected files; ReleaseError on any failure."""
    built_here = {"local_only": args.local, "emulated_archs": args.arch}
    expected = expected_files(args.version, **built_here, pypy_abi=args.pypy_abi)
    if args.check is None:
        print("\n".join(sorted(expected)))
        return
    not_buildable = {}
    for item in args.not_buildable:
        kind, _, reason = item.partition("=")
        wheels = expected_by_kind(args.version, **built_here, pypy_abi=args.pypy_abi).get(kind)
        if wheels is None:
            raise UsageError(f"--not-buildable {item}: wheels.toml has no wheel kind {kind!r}")
        not_buildable.update(dict.fromkeys(wheels, reason or "no reason given"))
    check_release_dir(args.check, expected, not_buildable)
    print(f"{args.check}: exactly the {len(expected)} expected files")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", required=True, help="the version being released (e.g. 1.2.0rc1)")
    parser.add_argument("--local", action="store_true", help="only the targets this machine builds")
    parser.add_argument(
        "--arch",
        action="append",
        default=[],
        metavar="MACHINE",
        choices=matrix().emulated_archs(),
        help="with --local: also the targets of this architecture built under emulation (%(choices)s)",
    )
    parser.add_argument("--pypy-abi", metavar="TAG", help="ABI tag of the PyPy that built the wheel (pypy311_pp80)")
    parser.add_argument("--check", type=Path, metavar="DIR", help="DIR holds exactly the expected files")
    parser.add_argument(
        "--not-buildable", action="append", default=[], metavar="KIND=REASON", help="a wheel kind not built here"
    )
    args = parser.parse_args()
    return run_main(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
