"""The release matrix: wheels.toml, read and checked, and every question the pipeline asks of it.

Usage: python scripts/release_matrix.py --markdown
       python scripts/release_matrix.py --github-matrix linux|macos-windows|runners
       python scripts/release_matrix.py --count [--local]
       python scripts/release_matrix.py --interpreters [--runner LABEL | --local]
       python scripts/release_matrix.py --cibuildwheel-build

wheels.toml is the one description of a release; this module is the one reader of it (as
cibuildwheel's options.py is of its build-platforms.toml). Everything else asks it: which wheel
kinds and targets exist, which interpreters each wheel serves, which interpreters a runner (or
this machine) provisions and tests, which ABIs this machine builds, cibuildwheel's build selection,
the workflows' matrices and the README's support table. Copies that must stay literal (pyproject's
[tool.cibuildwheel] build list, the classifiers, the workflows' job lists) are checked equal to
what this module says by scripts/tests/test_release_matrix.py.

  --markdown         the README's support table, platform x interpreter
  --github-matrix    JSON for a release workflow job's `strategy.matrix.include`: the Linux and the
                     macOS/Windows wheel builds (runner, cibuildwheel platform, archs, build
                     identifiers), or every runner that installs and tests wheels (`runners`)
  --count            how many wheels each platform ships, and the total
  --interpreters     the interpreter kinds a runner (or, with --local, this machine) tests
  --cibuildwheel-build  pyproject.toml's [tool.cibuildwheel] build selection
Standard library only, so that any job can ask it before installing anything.
Exit codes: 0 printed; 3 bad arguments or a malformed wheels.toml (UsageError).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from project import REPO
from release_errors import UsageError, run_main

if sys.version_info >= (3, 11):
    import tomllib
else:  # the release tools run on 3.11+; tomli is tomllib's backport for anyone still on 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

WHEELS_TOML = REPO / "wheels.toml"

INTERPRETER_TAG = re.compile(r"(cp|pp)3(\d+)(t?)")
PYPY_ABI = re.compile(r"pypy3(\d+)_pp\d+")
WHEEL_TAG = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
MACOSX_PLATFORM = re.compile(r"macosx_(\d+)_(\d+)_(x86_64|arm64)")


@dataclass(frozen=True, order=True)
class InterpreterKind:
    """A kind of interpreter the project supports, named by its tag: cp310, cp314t, pp311."""

    tag: str

    @property
    def _parts(self) -> tuple[str, int, bool]:
        match = INTERPRETER_TAG.fullmatch(self.tag)
        if match is None:  # parse() accepts only matching tags
            raise UsageError(f"{self.tag} is not an interpreter tag such as cp310, cp314t or pp311")
        return match[1], int(match[2]), bool(match[3])

    @property
    def implementation(self) -> str:
        """The implementation, as sys.implementation.name says: cpython or pypy."""
        return "pypy" if self._parts[0] == "pp" else "cpython"

    @property
    def minor(self) -> int:
        """The X of Python 3.X."""
        return self._parts[1]

    @property
    def free_threaded(self) -> bool:
        """A free-threaded CPython build (3.14t, ...)."""
        return self._parts[2]

    @property
    def executable(self) -> str:
        """The name it is installed under: python3.14, python3.14t, pypy3.11."""
        stem = "pypy" if self.implementation == "pypy" else "python"
        return f"{stem}3.{self.minor}{'t' if self.free_threaded else ''}"

    @property
    def uv_request(self) -> str:
        """What `uv python install` calls it: cpython-3.14, cpython-3.14+freethreaded, pypy-3.11."""
        return f"{self.implementation}-3.{self.minor}{'+freethreaded' if self.free_threaded else ''}"

    @property
    def description(self) -> str:
        """How a person calls it: CPython 3.14, free-threaded CPython 3.14, PyPy 3.11."""
        name = "PyPy" if self.implementation == "pypy" else "CPython"
        return f"{'free-threaded ' if self.free_threaded else ''}{name} 3.{self.minor}"


@dataclass(frozen=True)
class WheelKind:
    """One Rust build per ABI: its file name tags and how cibuildwheel and the README call it."""

    name: str  # the [wheels.<name>] key: abi3, cp314t, cp315t, pp311
    python: str  # python tag, e.g. cp310
    abi: str  # ABI tag(s), e.g. abi3 or abi3.abi3t
    build: str  # the interpreter that builds it: the python part of cibuildwheel's build identifier
    label: str  # README column

    @property
    def is_pypy(self) -> bool:
        """Whether this is a PyPy wheel, whose ABI tag names the PyPy release series."""
        return self.python.startswith("pp")

    def claims(self, interpreter: InterpreterKind) -> bool:
        """Whether this wheel's tags let ``interpreter`` install it (see the module function claims)."""
        return tags_claim(self.python, self.abi, interpreter.tag)


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
    emulated: bool  # built on this machine when asked for its arch: cross-compiled, tested under QEMU
    tested_on_runner: bool  # the runner installs these wheels natively, so it tests them again
    macosx_deployment_target: str | None
    platform_by_wheel: Mapping[str, str]  # a wheel kind whose platform tag differs from `platform`

    def platform_for(self, kind: str) -> str:
        """The platform tag of this target's ``kind`` wheel."""
        return self.platform_by_wheel.get(kind, self.platform)


@dataclass(frozen=True)
class Runner:
    """A GitHub-hosted runner the release uses."""

    label: str
    python_platform: str  # uv's --python-platform for it: what installs there


@dataclass(frozen=True)
class ReleaseData:
    """wheels.toml, checked, with the answers derived from it."""

    distribution: str
    interpreters: tuple[InterpreterKind, ...]  # every supported kind, in wheels.toml's order
    wheels: Mapping[str, WheelKind]
    targets: tuple[Target, ...]
    runners: Mapping[str, Runner]

    def selected(self, *, local_only: bool, emulated_archs: Iterable[str] = ()) -> tuple[Target, ...]:
        """Every target, or only those this machine builds: natively, and under emulation for EMULATED_ARCHS."""
        archs = set(emulated_archs)
        return tuple(
            target
            for target in self.targets
            if target.local or (target.emulated and target.archs in archs) or not local_only
        )

    def emulated_targets(self, arch: str) -> tuple[Target, ...]:
        """The targets of architecture ARCH that this machine builds under emulation when asked for it."""
        return tuple(target for target in self.targets if target.emulated and target.archs == arch)

    def emulated_archs(self) -> tuple[str, ...]:
        """The architectures this machine can build and test under emulation, each once."""
        return tuple(dict.fromkeys(target.archs for target in self.targets if target.emulated))

    def served_by(self, kind: WheelKind) -> tuple[InterpreterKind, ...]:
        """The supported interpreters whose installer accepts a ``kind`` wheel: each is tested with it."""
        return tuple(interpreter for interpreter in self.interpreters if kind.claims(interpreter))

    def kinds_of(self, targets: Iterable[Target]) -> tuple[WheelKind, ...]:
        """The wheel kinds these targets build, in wheels.toml's order."""
        names = {name for target in targets for name in target.wheels}
        return tuple(kind for name, kind in self.wheels.items() if name in names)

    def interpreters_for(self, targets: Iterable[Target]) -> tuple[InterpreterKind, ...]:
        """Every interpreter the wheels of ``targets`` serve: what must be there to test them all."""
        served = {interpreter for kind in self.kinds_of(targets) for interpreter in self.served_by(kind)}
        return tuple(interpreter for interpreter in self.interpreters if interpreter in served)

    def tested_on(self, runner: str) -> tuple[Target, ...]:
        """The targets whose wheels ``runner`` installs and tests."""
        if runner not in self.runners:
            raise UsageError(f"{runner} is not a runner wheels.toml knows ({', '.join(self.runners)})")
        return tuple(target for target in self.targets if target.runner == runner and target.tested_on_runner)

    def test_runners(self) -> tuple[str, ...]:
        """The runners that install and test wheels, each once, in wheels.toml's order."""
        return tuple(dict.fromkeys(target.runner for target in self.targets if target.tested_on_runner))

    def best_kind(self, interpreter: InterpreterKind, kinds: Iterable[WheelKind]) -> WheelKind | None:
        """The wheel an installer picks for ``interpreter`` among ``kinds``, as pip and uv rank tags.

        That is the claiming one built for the newest Python: cp315-abi3.abi3t over cp310-abi3 on 3.15.
        """
        claiming = [kind for kind in kinds if kind.claims(interpreter)]
        return max(claiming, key=lambda kind: int(kind.python[3:]), default=None)

    def install_checks(self, targets: Iterable[Target]) -> tuple[InterpreterKind, ...]:
        """The interpreters that matter for installing from an index.

        For every wheel kind and every build of interpreter it serves (GIL, free-threaded, PyPy), the
        oldest and the newest whose installer picks that wheel (abi3 on 3.10 and 3.14, abi3t on 3.15
        and 3.15t, ...).
        """
        kinds = self.kinds_of(targets)
        groups: dict[tuple[str, str, bool], list[InterpreterKind]] = {}
        for interpreter in self.interpreters:
            if kind := self.best_kind(interpreter, kinds):
                key = (kind.name, interpreter.implementation, interpreter.free_threaded)
                groups.setdefault(key, []).append(interpreter)
        chosen = {end for group in groups.values() for end in (group[0], group[-1])}
        return tuple(interpreter for interpreter in self.interpreters if interpreter in chosen)

    def cibuildwheel_build(self) -> list[str]:
        """The build selection of pyproject.toml's [tool.cibuildwheel]: every supported interpreter.

        Each either builds its wheel kind or tests the wheel it is served by.
        """
        return [f"{interpreter.tag}-*" for interpreter in self.interpreters]


def tags_claim(python_tag: str, abi_tags: str, interpreter_tag: str) -> bool:
    """Whether a wheel tagged PYTHON_TAG-ABI_TAGS installs on the interpreter kind INTERPRETER_TAG.

    The ABI part may list several tags ("abi3.abi3t"). abi3 covers every GIL CPython from the
    wheel's floor on; abi3t (PEP 803) every CPython build, GIL or free-threaded, from its floor on;
    any other ABI exactly its own interpreter kind (cp314t for cp314-cp314t, pp311 for pp311-pypy311_*).
    """
    minor = int(interpreter_tag[3:].rstrip("t"))
    for abi in abi_tags.split("."):
        if abi in ("abi3", "abi3t"):
            cpython, free_threaded = interpreter_tag.startswith("cp"), interpreter_tag.endswith("t")
            if cpython and minor >= int(python_tag[3:]) and (abi == "abi3t" or not free_threaded):
                return True
        elif interpreter_tag == python_tag + ("t" if abi.endswith("t") else ""):
            return True
    return False


def claims(wheel: str, interpreter_tag: str) -> bool:
    """Whether the wheel file named WHEEL installs on the interpreter kind INTERPRETER_TAG."""
    python_tag, abi_tags = wheel.removesuffix(".whl").split("-")[2:4]
    return tags_claim(python_tag, abi_tags, interpreter_tag)


# Reading wheels.toml


class ListOfStr:
    """In the schema below: a TOML array of strings."""


# The schema: each table's keys and their types (optional keys may be left out).
TOP_LEVEL_KEYS: dict[str, type] = {
    "distribution": str,
    "interpreters": ListOfStr,
    "wheels": dict,
    "targets": list,
    "runners": dict,
}
WHEEL_KEYS: dict[str, type] = {"python": str, "abi": str, "build": str, "label": str}
TARGET_KEYS: dict[str, type] = {
    "label": str,
    "platform": str,
    "runner": str,
    "cibuildwheel": str,
    "archs": str,
    "identifier": str,
    "wheels": ListOfStr,
}
OPTIONAL_TARGET_KEYS: dict[str, type] = {
    "local": bool,
    "emulated": bool,
    "tested_on_runner": bool,
    "macosx_deployment_target": str,
    "platform_by_wheel": dict,
}
RUNNER_KEYS: dict[str, type] = {"python_platform": str}


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


def parse_interpreters(path: Path, tags: list[str]) -> tuple[InterpreterKind, ...]:
    """The top-level `interpreters` list."""
    if bad := [tag for tag in tags if not INTERPRETER_TAG.fullmatch(tag)]:
        raise malformed(path, f"interpreters lists {', '.join(bad)}: use tags such as cp310, cp314t, pp311")
    if len(set(tags)) != len(tags):
        raise malformed(path, "interpreters lists a kind twice")
    return tuple(InterpreterKind(tag) for tag in tags)


def parse_wheel_kind(path: Path, name: str, table: Mapping[str, Any], supported: set[str]) -> WheelKind:
    """One [wheels.<name>] table."""
    check_keys(path, f"wheels.{name}", table, WHEEL_KEYS, {})
    kind = WheelKind(name, table["python"], table["abi"], table["build"], table["label"])
    if not (WHEEL_TAG.fullmatch(kind.python) and WHEEL_TAG.fullmatch(kind.abi)):
        raise malformed(path, f"wheels.{name}: python and abi must be wheel tags (lowercase, dot-separated)")
    if kind.is_pypy and not ((match := PYPY_ABI.fullmatch(kind.abi)) and f"pp3{match[1]}" == kind.python):
        raise malformed(path, f"wheels.{name}: a {kind.python} wheel's abi must be pypy3{kind.python[3:]}_ppNN")
    if kind.build not in supported:
        raise malformed(path, f"wheels.{name}.build is {kind.build}, which `interpreters` does not list")
    if not tags_claim(kind.python, kind.abi, kind.build):
        raise malformed(path, f"wheels.{name}: its tags do not let {kind.build}, which builds it, install it")
    return kind


def parse_target(path: Path, number: int, table: Mapping[str, Any], data: dict[str, Any]) -> Target:
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
        emulated=table.get("emulated", False),
        tested_on_runner=table.get("tested_on_runner", True),
        macosx_deployment_target=table.get("macosx_deployment_target"),
        platform_by_wheel=dict(table.get("platform_by_wheel", {})),
    )
    if unknown := sorted(set(target.wheels) - data["wheels"].keys()):
        raise malformed(path, f"{where}.wheels names {', '.join(unknown)}, which [wheels] does not define")
    if len(set(target.wheels)) != len(target.wheels):
        raise malformed(path, f"{where}.wheels lists a kind twice")
    if target.emulated and (target.local or target.cibuildwheel != "linux"):
        raise malformed(path, f"{where}: only a Linux target that is not built natively (local) can be emulated")
    if target.runner not in data["runners"]:
        raise malformed(path, f"{where}.runner {target.runner} has no [runners.{target.runner!r}] table")
    if stray := sorted(target.platform_by_wheel.keys() - set(target.wheels)):
        raise malformed(path, f"{where}.platform_by_wheel names {', '.join(stray)}, which it does not build")
    for platform in {target.platform, *target.platform_by_wheel.values()}:
        if not isinstance(platform, str) or not WHEEL_TAG.fullmatch(platform):
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


def parse_runners(path: Path, tables: Mapping[str, Any]) -> dict[str, Runner]:
    """The [runners.<label>] tables."""
    runners = {}
    for label, table in tables.items():
        if not isinstance(table, dict):
            raise malformed(path, f"runners.{label} must be a table")
        check_keys(path, f"runners.{label}", table, RUNNER_KEYS, {})
        runners[label] = Runner(label, table["python_platform"])
    return runners


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
    interpreters = parse_interpreters(path, document["interpreters"])
    supported = {interpreter.tag for interpreter in interpreters}
    kinds = {name: parse_wheel_kind(path, name, table, supported) for name, table in document["wheels"].items()}
    runners = parse_runners(path, document["runners"])
    context = {"wheels": kinds, "runners": runners}
    targets = tuple(parse_target(path, n, table, context) for n, table in enumerate(document["targets"]))
    built = [f"{kind} for {target.platform_for(kind)}" for target in targets for kind in target.wheels]
    if duplicates := sorted({wheel for wheel in built if built.count(wheel) > 1}):
        raise malformed(path, f"two targets build the same wheel: {', '.join(duplicates)}")
    data = ReleaseData(document["distribution"], interpreters, kinds, targets, runners)
    if unserved := [i.tag for i in interpreters if not any(kind.claims(i) for kind in kinds.values())]:
        raise malformed(path, f"no wheel kind serves {', '.join(unserved)}: add one, or drop it from interpreters")
    return data


@functools.cache
def matrix() -> ReleaseData:
    """The project's wheels.toml, read once per process."""
    return load()


# What is derived for people and workflows


def markdown_table(data: ReleaseData, *, local_only: bool = False) -> str:
    """The README's support table: one row per platform, one column per kind of wheel."""
    kinds = list(data.wheels.values())
    lines = [
        "| Platform | " + " | ".join(kind.label for kind in kinds) + " |",
        "|---" * (len(kinds) + 1) + "|",
    ]
    for target in data.selected(local_only=local_only):
        cells = ["✅" if kind.name in target.wheels else "—" for kind in kinds]
        lines.append(f"| {target.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_identifiers(data: ReleaseData, target: Target) -> list[str]:
    """The cibuildwheel build identifiers on TARGET: every interpreter its wheels serve.

    Each builds its own wheel or tests the one it is served by.
    """
    return [f"{interpreter.tag}-{target.identifier}" for interpreter in data.interpreters_for([target])]


def github_matrix(data: ReleaseData, *, linux: bool) -> list[dict[str, str]]:
    """A release workflow's wheel-building matrix: one job per runner, building every wheel its targets list.

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
                "build": " ".join(identifier for target in targets for identifier in build_identifiers(data, target)),
                "macosx_deployment_target": targets[0].macosx_deployment_target or "",
            }
        )
    return entries


def runner_matrix(data: ReleaseData) -> list[dict[str, str]]:
    """One entry per runner that installs and tests wheels: the test and post-publish jobs."""
    return [{"runner": runner} for runner in data.test_runners()]


def count_lines(data: ReleaseData, *, local_only: bool) -> list[str]:
    """One line per platform: how many wheels, of which kinds; then the total."""
    targets = data.selected(local_only=local_only)
    lines = [f"{target.label:32} {len(target.wheels)} wheels: {', '.join(target.wheels)}" for target in targets]
    wheels = sum(len(target.wheels) for target in targets)
    lines.append(f"{'total':32} {wheels + 1} files: {wheels} wheels + 1 sdist")
    return lines


def run(args: argparse.Namespace) -> None:
    """Print what the command line asks for."""
    data = matrix()
    if args.markdown:
        print(markdown_table(data))
    elif args.github_matrix == "runners":
        print(json.dumps(runner_matrix(data)))
    elif args.github_matrix:
        print(json.dumps(github_matrix(data, linux=args.github_matrix == "linux")))
    elif args.count:
        print("\n".join(count_lines(data, local_only=args.local)))
    elif args.interpreters:
        targets = data.tested_on(args.runner) if args.runner else data.selected(local_only=args.local)
        print(" ".join(interpreter.tag for interpreter in data.interpreters_for(targets)))
    else:
        print(json.dumps(data.cibuildwheel_build()))


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--markdown", action="store_true", help="print the README's support table")
    mode.add_argument("--github-matrix", choices=["linux", "macos-windows", "runners"], help="print a job matrix")
    mode.add_argument("--count", action="store_true", help="print how many wheels each platform ships")
    mode.add_argument("--interpreters", action="store_true", help="print the interpreter kinds to test")
    mode.add_argument("--cibuildwheel-build", action="store_true", help="print cibuildwheel's build selection")
    parser.add_argument("--local", action="store_true", help="only the targets this machine builds")
    parser.add_argument("--runner", help="with --interpreters: what this GitHub runner tests")
    args = parser.parse_args()
    return run_main(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
