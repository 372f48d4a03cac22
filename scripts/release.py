"""The main job: build, audit, test and publish a release, locally, exactly as a tag does on GitHub.

Usage: python scripts/release.py [--tag vX.Y.Z] [--out DIR] [--python TAG]... [--allow-untested TAG]...
                                 [--arch MACHINE]... [--jobs N] [--repository NAME | --repository-url URL]
                                 [--keep-serving]

Stages (each a program in scripts/ that the GitHub workflows call too):
 0. preflight      in seconds, before any compile: tools, disk and interpreters are there or are
                   provided; else one line names what is missing and the command that provides it
 1. version gate   the tag (--tag or GITHUB_REF) equals Cargo.toml's version; its CHANGELOG section
                   exists and says something; the tree is clean
 2. sdist          built once, contents checked, unpacked: every wheel is built from it
 3. wheels         one Rust build per wheel kind of this machine's targets, manylinux_2_28 via zig;
                   a kind that cannot be built here with exactly wheels.toml's tags is not built
                   and is named
 4. audit          auditwheel, the stable-ABI rule, twine check --strict, check-wheel-contents, zip CRCs
 5. test           every wheel on every installed interpreter it claims, from the wheelhouse only,
                   with the release gate's Hypothesis profile; suites run --jobs at a time
 6. expected set   the release holds exactly the files wheels.toml lists for this machine
 7. publish        to an embedded index (pypiserver on 127.0.0.1, upload authentication) by
                   default, or any index through twine's own configuration
 8. post-publish   the index serves exactly the release's bytes; fresh environments install the
                   version from it, binary only, and run a smoke test
Any failure stops the release with one line, before anything is uploaded. The report (the table
printed at the end) is also written as OUT/report.json. Files appear in OUT/dist only once they
are complete; an interrupted run leaves no server running and no half-written file there.
--python narrows the interpreters the release tests on; --allow-untested lets the named one be
missing (see scripts/preflight.py). --arch aarch64 adds wheels.toml's targets of that architecture
that this machine builds under emulation: cross-compiled (scripts/cross_toolchain.py), audited,
tested on that architecture's interpreters under QEMU (scripts/emulation.py), gated, published and
installed back with the rest. A terminal shows live progress; anything else one line per step.

Exit codes: 0 released; otherwise the failing stage's code (see scripts/release_errors.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import audit_wheels
import build_sdist
import build_wheels
import expected_wheels
import post_publish_check
import publish
import test_wheels
import version_gate
from debian_roots import ARCHITECTURES
from emulation import EMULATED_TEST_ENV
from interpreters import HOST_MACHINE, Interpreter, discover, missing_kinds
from preflight import Readiness, preflight
from project import REPO, on_a_terminal, shared_build
from release_errors import WheelBuildError, WheelTestError, run_main
from release_matrix import claims, matrix
from release_report import Cell, Report, stage
from rich.console import Console


@contextmanager
def build_progress(console: Console) -> Iterator[Callable[[str, str], Callable[[str], None]]]:
    """On a terminal, a status line for the wheels stage: which kind, how long, crates compiled so far.

    Yields start(kind, position): it returns the function that takes each line cargo prints.
    Elsewhere build_wheels' own lines (one per kind) are the progress.
    """
    if not on_a_terminal(console.file):
        yield lambda kind, position: lambda line: None
        return
    with console.status("wheels") as status:

        def start(kind: str, position: str) -> Callable[[str], None]:
            compiled = 0

            def on_output(line: str) -> None:
                nonlocal compiled
                if line.lstrip().startswith("Compiling"):
                    compiled += 1
                    status.update(f"wheels: {kind} ({position}): {compiled} crates compiled, now {line.split()[1]}")

            status.update(f"wheels: {kind} ({position})")
            return on_output

        yield start


# How an interpreter says a native module was built for a newer release of it: a missing C API symbol.
TOO_OLD_FOR_A_NATIVE_MODULE = "undefined symbol"


def wheel_machine(wheel: str) -> str:
    """The architecture a wheel's file name says it is for (its platform tag's end: x86_64, aarch64)."""
    platform = wheel.removesuffix(".whl").rsplit("-", 1)[-1]
    return next((machine for machine in ARCHITECTURES if platform.endswith(f"_{machine}")), HOST_MACHINE)


def build_all_wheels(
    source: Path, staging: Path, readiness: Readiness, report: Report, console: Console
) -> tuple[list[Path], dict[tuple[str, str], str]]:
    """Build every wheel kind of this machine's targets from the unpacked sdist, natively and emulated.

    Returns the wheels, and the (platform, kind) pairs not buildable here with the reason (the gate names them).
    """
    data = matrix()
    native = build_wheels.BuildSettings(source, staging, "release", zig=True)
    builds = [(HOST_MACHINE, target, native) for target in data.selected(local_only=True)]
    for machine, emulated in readiness.emulated.items():
        cross = dataclasses.replace(native, cross=emulated.toolchain)
        builds += [(machine, target, cross) for target in data.emulated_targets(machine)]
    jobs = [(machine, target, kind, shared) for machine, target, shared in builds for kind in data.kinds_of([target])]
    wheels: list[Path] = []
    unbuildable: dict[tuple[str, str], str] = {}
    with build_progress(console) as start:
        for number, (machine, target, kind, shared) in enumerate(jobs, 1):
            label = kind.name if machine == HOST_MACHINE else f"{kind.name} {machine}"
            settings = dataclasses.replace(shared, on_output=start(label, f"{number} of {len(jobs)}"))
            result = build_wheels.build(kind, discover(machine=machine), settings)
            console.print(f"{label}: {result.note} ({result.seconds:.0f} s)", highlight=False)
            platform = target.platform_for(kind.name)
            if result.wheel is None:
                unbuildable[(platform, kind.name)] = result.note.removeprefix("not buildable here: ")
                report.cells.append(Cell(f"{kind.name} {platform}", "-", result.note))
            else:
                wheels.append(result.wheel)
    if not wheels:
        raise WheelBuildError("no wheel could be built; see the maturin output above")
    unbuilt = [f"{kind} {platform}" for platform, kind in unbuildable]
    report.stage("wheels").detail = f"{len(wheels)} built" + (
        f"; not buildable here: {', '.join(unbuilt)}" if unbuilt else ""
    )
    return wheels, unbuildable


def test_all_wheels(
    wheels: list[Path], out: Path, args: argparse.Namespace, readiness: Readiness, report: Report
) -> None:
    """Run the suite for each wheel on each installed interpreter it claims; name the cells that cannot run.

    A wheel of another architecture runs on that architecture's interpreters, under emulation, with
    the sizes that fit it (emulation.EMULATED_TEST_ENV). Each wheel gets a wheelhouse of its own, so
    the installer cannot prefer a sibling (GIL 3.15 would otherwise always take the abi3t wheel, and
    the abi3 wheel would go untested there).
    """
    wanted = [kind for kind in matrix().interpreters if not args.python or kind.tag in args.python]
    machines = {HOST_MACHINE: readiness} | {arch: ready.interpreters for arch, ready in readiness.emulated.items()}
    interpreters: dict[str, list[Interpreter]] = {}
    missing: dict[str, dict[str, str]] = {}
    for machine, machine_readiness in machines.items():
        interpreters[machine] = [i for i in discover(machine=machine) if not args.python or i.tag in args.python]
        missing[machine] = dict(line.split(": ", 1) for line in missing_kinds(interpreters[machine], wanted))
        missing[machine].update(machine_readiness.untested)
    suites = []
    for wheel in wheels:
        wheelhouse = out / "work" / "wheelhouses" / wheel.name
        wheelhouse.mkdir(parents=True, exist_ok=True)
        (wheelhouse / wheel.name).unlink(missing_ok=True)
        os.link(wheel, wheelhouse / wheel.name)
        machine = wheel_machine(wheel.name)
        kind = wheel.name.split("-")[3].split(".")[-1]  # the ABI names the suite: abi3, cp314t, abi3t, pypy311_pp80
        emulated = machine != HOST_MACHINE
        # The release gate's examples are the same on every run (tests/conftest.py).
        options = test_wheels.SuiteOptions(
            hypothesis_profile="release", environment=EMULATED_TEST_ENV if emulated else {}
        )
        suffix = f"-{machine}" if emulated else ""
        suites += [
            test_wheels.SuiteRun(f"{i.tag}-{kind}{suffix}", i, wheelhouse, options)
            for i in interpreters[machine]
            if claims(wheel.name, i.tag)
        ]
        report.cells.extend(
            Cell(wheel.name, tag, f"untested here: {reason}")
            for tag, reason in missing[machine].items()
            if claims(wheel.name, tag)
        )
    outcomes = test_wheels.run_suites(suites, out / "work" / "envs", out / "logs", args.jobs)
    untestable = []
    for outcome in outcomes:
        interpreter = outcome.run.interpreter
        tested = next(path.name for path in outcome.run.wheelhouse.iterdir())
        result = outcome.status
        # Under emulation the interpreter is whatever Debian ships for that architecture, which may be
        # too old for a test tool's native module (trixie's PyPy 7.3.19 for hypothesis's pp73 wheel):
        # that one error is loud, and the wheel is still installed back and smoke-tested; any other
        # reason, and any such error natively, is a failure.
        older_abi = TOO_OLD_FOR_A_NATIVE_MODULE in outcome.detail
        if outcome.status == test_wheels.TOOLS_DO_NOT_LOAD and interpreter.machine != HOST_MACHINE and older_abi:
            result = f"untested here: the test tools do not load on {interpreter.path.name} ({outcome.detail})"
            untestable.append(outcome.run.name)
        report.cells.append(Cell(tested, f"{interpreter.tag} {interpreter.version}", result, outcome.seconds))
    failed = [outcome.run.name for outcome in outcomes if outcome.status != "passed"]
    if failed := [name for name in failed if name not in untestable]:
        raise WheelTestError(f"the test suite did not pass: {', '.join(failed)}; see the log tails above")
    passed = len(outcomes) - len(untestable)
    report.stage("test").detail = f"{passed} wheel x interpreter runs passed" + (
        f"; untested here (test tools do not load): {', '.join(untestable)}" if untestable else ""
    )


def pypy_abis_built(wheels: list[Path]) -> dict[str, str]:
    """The ABI tag of each PyPy wheel built here (that of the PyPy that built it), by platform tag."""
    tags = [wheel.name.removesuffix(".whl").split("-")[2:5] for wheel in wheels]
    return {platform: abi for python, abi, platform in tags if python.startswith("pp")}


def move_complete(staging: Path, dist: Path) -> list[Path]:
    """Move finished files into OUT/dist one rename at a time, so a reader never sees half a file."""
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.iterdir():
        old.unlink()
    moved = []
    for path in sorted(staging.iterdir()):
        if path.suffix == ".whl" or path.name.endswith(".tar.gz"):
            target = dist / path.name
            path.replace(target)
            moved.append(target)
    return moved


def parse_arguments() -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", default=None, help="release tag vX.Y.Z (default: GITHUB_REF, else no tag check)")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "release", help="output directory")
    parser.add_argument("--python", action="append", default=[], metavar="TAG", help="test only these interpreters")
    parser.add_argument(
        "--allow-untested", action="append", default=[], metavar="TAG", help="this interpreter may be missing"
    )
    parser.add_argument(
        "--arch",
        action="append",
        default=[],
        metavar="MACHINE",
        choices=matrix().emulated_archs(),
        help="also this architecture's wheels, built and tested under emulation (%(choices)s)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="test suites at a time (%(default)s)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--repository", help="publish to this twine repository (.pypirc), e.g. testpypi")
    target.add_argument("--repository-url", help="publish to this upload URL (TWINE_USERNAME/TWINE_PASSWORD)")
    parser.add_argument("--keep-serving", action="store_true", help="keep the embedded index running at the end")
    return parser.parse_args()


def run(args: argparse.Namespace, report: Report) -> None:
    """All stages in order; the first ReleaseError stops everything before upload."""
    console = Console(highlight=False)
    out: Path = args.out.resolve()
    staging = out / "work" / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # A branch (refs/heads/...) is no tag: only refs/tags/... is, as for the version gate itself.
    tag = args.tag or version_gate.tag_from_environment()

    with stage(report, "preflight") as record:
        readiness = preflight(args.python, args.allow_untested, args.arch)
        record.detail = readiness.line()
    with stage(report, "version gate") as record:
        release = version_gate.check_release(REPO, tag)
        report.version = release.version
        prerelease = " (pre-release)" if release.prerelease else ""
        record.detail = f"{release.version}{prerelease}" + (f", tag {tag}" if tag else ", no tag")
    # The sdist is unpacked and built in the build directory every clone shares (one run at a time),
    # so that a fresh clone finds cargo's compiled dependencies, and an unchanged source compiles nothing.
    with shared_build("checkout") as build_directory:
        with stage(report, "sdist") as record:
            sdist = build_sdist.build_sdist(REPO, staging)
            build_sdist.check_sdist_contents(sdist)
            source = build_sdist.unpack_sdist(sdist, build_directory)
            record.detail = sdist.name
        with stage(report, "wheels"):
            wheels, unbuildable = build_all_wheels(source, staging, readiness, report, console)
    with stage(report, "audit") as record:
        audit_wheels.audit([*wheels, sdist])
        record.detail = f"{len(wheels) + 1} files compliant"
    with stage(report, "test"):
        test_all_wheels(wheels, out, args, readiness, report)
    with stage(report, "expected set") as record:
        pypy_abis = pypy_abis_built(wheels)
        expected = expected_wheels.expected_by_kind(
            release.version, local_only=True, emulated_archs=args.arch, pypy_abi=pypy_abis
        )
        not_buildable = {
            name: reason
            for (platform, kind), reason in unbuildable.items()
            for name in expected.get(kind, ())
            if name.endswith(f"-{platform}.whl")
        }
        expected_files = expected_wheels.expected_files(
            release.version, local_only=True, emulated_archs=args.arch, pypy_abi=pypy_abis
        )
        expected_wheels.check_release_dir(staging, expected_files, not_buildable)
        record.detail = "exactly the expected files"
    files = move_complete(staging, out / "dist")
    report.files = {path.name: path.stat().st_size for path in files}
    # The embedded index (the default) serves from here until the end, so post-publish can use it.
    with publish.open_target(out, repository=args.repository, repository_url=args.repository_url) as index:
        report.index_url = index.simple_url
        with stage(report, "publish") as record:
            record.detail = publish.publish_files(files, index)
        with stage(report, "post-publish") as record:
            post_publish_check.check_served_bytes(release.version, index.simple_url, out / "dist", wait=0)
            interpreters = [
                (i.path, i.tag if machine == HOST_MACHINE else f"{i.tag}-{machine}")
                for machine in [HOST_MACHINE, *readiness.emulated]
                for i in discover(machine=machine)
                if not args.python or i.tag in args.python
            ]
            results = post_publish_check.run_checks(release.version, index.simple_url, interpreters)
            report.post_publish = [
                Cell(f"pyo3-showcase=={release.version}", r.interpreter, r.detail, r.seconds) for r in results
            ]
            record.detail = f"same bytes served; {len(results)} interpreters installed it and passed the smoke test"
        if args.keep_serving:
            print(f"\nserving {index.simple_url} until Ctrl-C", flush=True)
            signal.pause()


def main() -> int:
    """Run the release and print the report, whatever happened."""
    args = parse_arguments()
    report = Report()

    def release_and_report() -> None:
        try:
            run(args, report)
        finally:
            shutil.rmtree(args.out.resolve() / "work" / "staging", ignore_errors=True)
            print("\n" + report.table())
            report.write_json(args.out.resolve() / "report.json")

    return run_main(release_and_report, interrupted="nothing more was built or uploaded")


if __name__ == "__main__":
    sys.exit(main())
