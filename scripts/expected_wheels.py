"""The files a release must hold, read from wheels.toml: the gate, the workflow matrix, the README table.

Usage: python scripts/expected_wheels.py [--version V] [--local] [--pypy-abi TAG]
                                         [--check DIR | --markdown | --github-matrix WHICH | --count]

With no mode, prints the expected file names, one per line (needs --version).
  --check DIR      the *.whl and *.tar.gz files in DIR are exactly the expected ones (needs --version)
  --markdown       the README's support table, platform x interpreter
  --github-matrix linux|macos-windows
                   JSON for a release workflow job's `strategy.matrix.include`: one entry per
                   runner, with cibuildwheel's platform, archs and build identifiers
  --count          how many wheels each platform ships, and the total
--local keeps only the targets this machine builds (`local = true` in wheels.toml); --pypy-abi
replaces a PyPy wheel's ABI tag by the one of the PyPy actually used (pypy311_pp73, say), so the
local gate stays exact whatever PyPy series built the wheel.

Exit codes: 0 as expected; 15 a file is missing or unexpected (ExpectedSetError); 3 bad arguments
or a malformed wheels.toml (UsageError).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version
from release_errors import ExpectedSetError, UsageError, exit_code_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

REPO = Path(__file__).resolve().parent.parent
WHEELS_TOML = REPO / "wheels.toml"

PYPY_ABI = re.compile(r"pypy3(\d+)_pp\d+")
PYPY_SOABI = re.compile(r"(pypy3\d+)-(pp\d+)(-.+)?")
TAG = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
MACOSX_PLATFORM = re.compile(r"macosx_(\d+)_(\d+)_(x86_64|arm64)")


class ListOfStr:
    """In the schema below: a TOML array of strings."""


# The schema: each table's keys and their types (optional keys may be left out).
TOP_LEVEL_KEYS: dict[str, type] = {"distribution": str, "wheels": dict, "targets": list}
WHEEL_KEYS: dict[str, type] = {"python": str, "abi": str, "build": str, "label": str}
OPTIONAL_WHEEL_KEYS: dict[str, type] = {"tested_by": ListOfStr}
TARGET_KEYS: dict[str, type] = {
    "label": str,
    "platform": str,
    "runner": str,
    "cibuildwheel": str,
    "archs": str,
    "identifier": str,
    "wheels": ListOfStr,
}
OPTIONAL_TARGET_KEYS: dict[str, type] = {"local": bool, "macosx_deployment_target": str, "platform_by_wheel": dict}


@dataclass(frozen=True)
class WheelKind:
    """One Rust build per ABI: its file name tags and how cibuildwheel and the README call it."""

    name: str  # the [wheels.<name>] key: abi3, cp314t, cp315t, pp311
    python: str  # python tag, e.g. cp310
    abi: str  # ABI tag(s), e.g. abi3 or abi3.abi3t
    build: str  # python part of cibuildwheel's build identifier, e.g. cp315t
    label: str  # README column
    tested_by: tuple[str, ...] = ()  # builds that make no wheel: cibuildwheel tests this one on them

    @property
    def is_pypy(self) -> bool:
        """Whether this is a PyPy wheel, whose ABI tag names the PyPy series."""
        return self.python.startswith("pp")


@dataclass(frozen=True)
class Target:
    """One platform a release ships wheels for, and the hosted runner that builds them."""

    label: str  # README row
    platform: str  # the repaired wheel's platform tag
    runner: str  # GitHub-hosted runner label
    cibuildwheel: str  # cibuildwheel --platform
    archs: str  # cibuildwheel --archs
    identifier: str  # platform part of cibuildwheel's build identifiers
    wheels: tuple[str, ...]  # WheelKind names
    local: bool  # built on this machine too
    macosx_deployment_target: str | None
    platform_by_wheel: Mapping[str, str]  # a wheel kind whose platform tag differs from `platform`

    def platform_for(self, kind: str) -> str:
        """The platform tag of this target's ``kind`` wheel."""
        return self.platform_by_wheel.get(kind, self.platform)


@dataclass(frozen=True)
class ReleaseData:
    """wheels.toml, checked."""

    distribution: str
    wheels: Mapping[str, WheelKind]
    targets: tuple[Target, ...]

    def selected(self, *, local_only: bool) -> tuple[Target, ...]:
        """Every target, or only those this machine builds."""
        return tuple(target for target in self.targets if target.local or not local_only)


def malformed(path: Path, what: str) -> UsageError:
    """The one-line error for a wheels.toml that does not follow its documented schema."""
    return UsageError(f"{path}: {what}; fix wheels.toml (its comments document every key)")


def check_keys(
    path: Path, where: str, table: Mapping[str, Any], required: Mapping[str, type], optional: Mapping[str, type]
) -> None:
    """A table has every required key, nothing but required and optional keys, each of its type."""
    if missing := sorted(required.keys() - table.keys()):
        raise malformed(path, f"{where} lacks {', '.join(missing)}")
    if unknown := sorted(table.keys() - required.keys() - optional.keys()):
        raise malformed(path, f"{where} has unknown key(s) {', '.join(unknown)}")
    for key, value in table.items():
        wanted = {**required, **optional}[key]
        if wanted is ListOfStr:
            if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise malformed(path, f"{where}.{key} must be a list of strings")
        elif not isinstance(value, wanted):
            raise malformed(path, f"{where}.{key} must be a {wanted.__name__}")


def parse_wheel_kind(path: Path, name: str, table: Mapping[str, Any]) -> WheelKind:
    """One [wheels.<name>] table."""
    check_keys(path, f"wheels.{name}", table, WHEEL_KEYS, OPTIONAL_WHEEL_KEYS)
    kind = WheelKind(
        name, table["python"], table["abi"], table["build"], table["label"], tuple(table.get("tested_by", ()))
    )
    if not (TAG.fullmatch(kind.python) and TAG.fullmatch(kind.abi)):
        raise malformed(path, f"wheels.{name}: python and abi must be wheel tags (lowercase, dot-separated)")
    if kind.is_pypy and not ((match := PYPY_ABI.fullmatch(kind.abi)) and f"pp3{match[1]}" == kind.python):
        raise malformed(path, f"wheels.{name}: a {kind.python} wheel's abi must be pypy3{kind.python[3:]}_ppNN")
    return kind


def parse_target(path: Path, number: int, table: Mapping[str, Any], kinds: Mapping[str, WheelKind]) -> Target:
    """One [[targets]] table."""
    where = f"targets[{number}] ({table.get('label', '?')})"
    check_keys(path, where, table, TARGET_KEYS, OPTIONAL_TARGET_KEYS)
    target = Target(
        label=table["label"],
        platform=table["platform"],
        runner=table["runner"],
        cibuildwheel=table["cibuildwheel"],
        archs=table["archs"],
        identifier=table["identifier"],
        wheels=tuple(table["wheels"]),
        local=table.get("local", False),
        macosx_deployment_target=table.get("macosx_deployment_target"),
        platform_by_wheel=dict(table.get("platform_by_wheel", {})),
    )
    if unknown := sorted(set(target.wheels) - kinds.keys()):
        raise malformed(path, f"{where}.wheels names {', '.join(unknown)}, which [wheels] does not define")
    if len(set(target.wheels)) != len(target.wheels):
        raise malformed(path, f"{where}.wheels lists a kind twice")
    if stray := sorted(target.platform_by_wheel.keys() - set(target.wheels)):
        raise malformed(path, f"{where}.platform_by_wheel names {', '.join(stray)}, which it does not build")
    for platform in {target.platform, *target.platform_by_wheel.values()}:
        if not isinstance(platform, str) or not TAG.fullmatch(platform):
            raise malformed(path, f"{where}: {platform!r} is not a platform tag")
    check_macos(path, where, target)
    return target


def check_macos(path: Path, where: str, target: Target) -> None:
    """A macOS target's tags agree with its deployment target: never older, the base tag equal."""
    if target.cibuildwheel != "macos":
        if target.macosx_deployment_target is not None:
            raise malformed(path, f"{where}: macosx_deployment_target is for macOS targets only")
        return
    if target.macosx_deployment_target is None:
        raise malformed(path, f"{where}: a macOS target needs macosx_deployment_target")
    major, _, minor = target.macosx_deployment_target.partition(".")
    if target.platform != f"macosx_{major}_{minor or 0}_{target.archs}":
        raise malformed(path, f"{where}: platform {target.platform} does not say {target.macosx_deployment_target}")
    for platform in target.platform_by_wheel.values():
        match = MACOSX_PLATFORM.fullmatch(platform)
        if not match or match[3] != target.archs or (int(match[1]), int(match[2])) < (int(major), int(minor or 0)):
            raise malformed(path, f"{where}: {platform} is not a macOS {target.archs} tag at or above the target")


def load(path: Path = WHEELS_TOML) -> ReleaseData:
    """Read and check wheels.toml; UsageError names the first thing wrong with it."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}; run from a checkout of pyo3-showcase") from error
    except tomllib.TOMLDecodeError as error:
        raise malformed(path, f"not TOML ({error})") from error
    check_keys(path, "the top level", document, TOP_LEVEL_KEYS, {})
    if not all(isinstance(table, dict) for table in [*document["wheels"].values(), *document["targets"]]):
        raise malformed(path, "wheels must be tables [wheels.<kind>] and targets an array of tables [[targets]]")
    kinds = {name: parse_wheel_kind(path, name, table) for name, table in document["wheels"].items()}
    targets = tuple(parse_target(path, n, table, kinds) for n, table in enumerate(document["targets"]))
    built = [f"{kind} for {target.platform_for(kind)}" for target in targets for kind in target.wheels]
    if duplicates := sorted({wheel for wheel in built if built.count(wheel) > 1}):
        raise malformed(path, f"two targets build the same wheel: {', '.join(duplicates)}")
    return ReleaseData(document["distribution"], kinds, targets)


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


def expected_files(
    version: str, *, local_only: bool, pypy_abi: str | None = None, data: ReleaseData | None = None
) -> set[str]:
    """The file names a release of VERSION holds: the sdist and every target's wheels.

    ``local_only`` keeps the targets this machine builds; ``pypy_abi`` (e.g. "pypy311_pp73") is the
    ABI tag of the PyPy that built the matching PyPy wheel, when it is not the one wheels.toml names.
    """
    data = data or load()
    version = normalized_version(version)
    kinds = with_pypy_abi(data.wheels, pypy_abi) if pypy_abi else data.wheels
    files = {f"{data.distribution}-{version}.tar.gz"}
    for target in data.selected(local_only=local_only):
        for name in target.wheels:
            kind = kinds[name]
            files.add(f"{data.distribution}-{version}-{kind.python}-{kind.abi}-{target.platform_for(name)}.whl")
    return files


def check_release_dir(directory: Path, expected: set[str]) -> None:
    """DIRECTORY's wheels and sdists are exactly EXPECTED; ExpectedSetError names every difference.

    Only *.whl and *.tar.gz files count: logs, reports and subdirectories may sit beside them.
    """
    if not directory.is_dir():
        raise ExpectedSetError(f"{directory} is not a directory: nothing to release")
    present = {path.name for path in directory.iterdir() if path.is_file() and path.name.endswith((".whl", ".tar.gz"))}
    missing, unexpected = sorted(expected - present), sorted(present - expected)
    if missing or unexpected:
        parts = [f"missing {', '.join(missing)}"] if missing else []
        parts += [f"unexpected {', '.join(unexpected)}"] if unexpected else []
        raise ExpectedSetError(
            f"{directory} is not the release wheels.toml lists: {'; '.join(parts)}; "
            "build what is missing and remove the rest (or change wheels.toml), then run the release again"
        )


def pypy_abi_of(interpreter: Path) -> str:
    """The wheel ABI tag of the PyPy at INTERPRETER (pypy311_pp80), from its own SOABI."""
    command = [str(interpreter), "-c", "import sysconfig; print(sysconfig.get_config_var('SOABI'))"]
    try:
        soabi = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"cannot ask {interpreter} for its ABI: {error}") from error
    match = PYPY_SOABI.fullmatch(soabi)
    if not match:
        raise UsageError(f"{interpreter} is not a PyPy (its SOABI is {soabi!r})")
    return f"{match[1]}_{match[2]}"


def markdown_table(data: ReleaseData, *, local_only: bool = False) -> str:
    """The README's support table: one row per platform, one column per kind of interpreter."""
    kinds = list(data.wheels.values())
    lines = [
        "| Platform | " + " | ".join(kind.label for kind in kinds) + " |",
        "|---" * (len(kinds) + 1) + "|",
    ]
    for target in data.selected(local_only=local_only):
        cells = ["✅" if kind.name in target.wheels else "—" for kind in kinds]
        lines.append(f"| {target.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def github_matrix(data: ReleaseData, *, linux: bool) -> list[dict[str, str]]:
    """A release workflow matrix: one job per runner, building and testing every wheel its targets list.

    The Linux jobs (linux=True) run `uv run noxfile.py -s docker`, which passes cibuildwheel no
    option: their archs and builds say what pyproject.toml selects on that runner. The macOS and
    Windows jobs pass their archs and builds to cibuildwheel.
    """
    by_runner: dict[str, list[Target]] = {}
    for target in data.targets:
        if (target.cibuildwheel == "linux") == linux:
            by_runner.setdefault(target.runner, []).append(target)
    entries = []
    for runner, targets in by_runner.items():
        for field in ("cibuildwheel", "macosx_deployment_target"):
            if len({getattr(target, field) for target in targets}) > 1:
                raise UsageError(f"{WHEELS_TOML}: targets on runner {runner} disagree on {field}; fix wheels.toml")
        archs = list(dict.fromkeys(target.archs for target in targets))
        entries.append(
            {
                "name": "-".join([targets[0].cibuildwheel, *archs]),
                "runner": runner,
                "platform": targets[0].cibuildwheel,
                "archs": " ".join(archs),
                "build": " ".join(
                    f"{build}-{target.identifier}"
                    for target in targets
                    for kind in target.wheels
                    for build in (data.wheels[kind].build, *data.wheels[kind].tested_by)
                ),
                "macosx_deployment_target": targets[0].macosx_deployment_target or "",
            }
        )
    return entries


def count_lines(data: ReleaseData, *, local_only: bool) -> list[str]:
    """One line per platform: how many wheels, of which kinds; then the total."""
    targets = data.selected(local_only=local_only)
    lines = [f"{target.label:32} {len(target.wheels)} wheels: {', '.join(target.wheels)}" for target in targets]
    wheels = sum(len(target.wheels) for target in targets)
    lines.append(f"{'total':32} {wheels + 1} files: {wheels} wheels + 1 sdist")
    return lines


def run(args: argparse.Namespace) -> None:
    """Do what the command line asks; ReleaseError on any failure."""
    data = load()
    if args.markdown:
        print(markdown_table(data, local_only=args.local))
    elif args.github_matrix:
        print(json.dumps(github_matrix(data, linux=args.github_matrix == "linux")))
    elif args.count:
        print("\n".join(count_lines(data, local_only=args.local)))
    else:
        if args.version is None:
            raise UsageError("--version is required to name or check files: pass the version being released")
        expected = expected_files(args.version, local_only=args.local, pypy_abi=args.pypy_abi, data=data)
        if args.check is None:
            print("\n".join(sorted(expected)))
        else:
            check_release_dir(args.check, expected)
            print(f"{args.check}: exactly the {len(expected)} expected files")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", help="the version being released, as in the file names (e.g. 1.2.0rc1)")
    parser.add_argument("--local", action="store_true", help="only the targets this machine builds")
    parser.add_argument("--pypy-abi", metavar="TAG", help="ABI tag of the PyPy that built the wheel (pypy311_pp80)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", type=Path, metavar="DIR", help="DIR holds exactly the expected files")
    mode.add_argument("--markdown", action="store_true", help="print the README's support table")
    mode.add_argument("--github-matrix", choices=["linux", "macos-windows"], help="print a workflow matrix as JSON")
    mode.add_argument("--count", action="store_true", help="print how many wheels each platform ships")
    args = parser.parse_args()
    return exit_code_of(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
