"""The main job: build, audit, test and publish a release, locally, exactly as a tag does on GitHub.

Usage: python scripts/release.py [--tag vX.Y.Z] [--out DIR] [--python TAG]...
                                 [--repository NAME | --repository-url URL] [--keep-serving]

Stages (each a program in scripts/ that the GitHub workflows call too):
 1. version gate   the tag (--tag or GITHUB_REF) equals Cargo.toml's version; the tree is clean
 2. sdist          built once, contents checked, unpacked: every wheel is built from it
 3. wheels         one Rust build per ABI (abi3, free-threaded, PyPy), manylinux_2_28 via zig
 4. audit          auditwheel, abi3audit, twine check --strict, check-wheel-contents, zip CRCs
 5. test           every wheel on every installed interpreter it claims, from the wheelhouse only
 6. expected set   the release holds exactly the files wheels.toml lists for this machine
 7. publish        to an embedded index (pypiserver on 127.0.0.1, upload authentication) by
                   default, or any index through twine's own configuration
 8. post-publish   fresh environments install the version from that index, binary only, and
                   run a smoke test
Any failure stops the release with one line, before anything is uploaded. The report (the table
printed at the end) is also written as OUT/report.json. Files appear in OUT/dist only once they
are complete; an interrupted run leaves no server running and no half-written file there.

Exit codes: 0 released; otherwise the failing stage's code (see scripts/release_errors.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

import audit_wheels
import build_sdist
import build_wheels
import expected_wheels
import post_publish_check
import publish
import test_wheels
import version_gate
from interpreters import discover, missing_kinds
from release_errors import ReleaseError, WheelBuildError, WheelTestError

REPO = Path(__file__).resolve().parent.parent
STAGES = ("version gate", "sdist", "wheels", "audit", "test", "expected set", "publish", "post-publish")


@dataclass
class StageRecord:
    """How one stage went."""

    name: str
    status: str = "not run"  # "passed", "failed", "interrupted" or "not run"
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Cell:
    """One wheel on one interpreter: "passed", "failed", or why it did not run here."""

    wheel: str
    interpreter: str
    result: str
    seconds: float = 0.0


@dataclass
class Report:
    """Everything the summary table and report.json show."""

    version: str = ""
    index_url: str = ""
    stages: list[StageRecord] = field(default_factory=lambda: [StageRecord(name) for name in STAGES])
    files: dict[str, int] = field(default_factory=dict)  # file name -> size in bytes
    cells: list[Cell] = field(default_factory=list)
    post_publish: list[Cell] = field(default_factory=list)

    def stage(self, name: str) -> StageRecord:
        """The record of the stage called ``name``."""
        return next(record for record in self.stages if record.name == name)

    def write_json(self, path: Path) -> None:
        """Write the report atomically: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".partial") as handle:
            json.dump(asdict(self), handle, indent=2)
        Path(handle.name).replace(path)

    def table(self) -> str:
        """The human summary: stages with durations, files with sizes, wheel x interpreter results."""
        lines = [f"pyo3-showcase {self.version or '?'} release" + (f" -> {self.index_url}" if self.index_url else "")]
        lines.append("")
        lines.append(f"{'stage':14} {'result':8} {'seconds':>8}  detail")
        for record in self.stages:
            lines.append(f"{record.name:14} {record.status:8} {record.seconds:8.1f}  {record.detail}")
        if self.files:
            lines.append("")
            lines.append(f"{'file':70} {'bytes':>10}")
            lines.extend(f"{name:70} {size:>10,}" for name, size in sorted(self.files.items()))
        for title, cells in (("tests", self.cells), ("installed back from the index", self.post_publish)):
            if cells:
                lines.append("")
                lines.append(f"{title}:")
                lines.append(f"{'wheel':62} {'interpreter':12} {'seconds':>7}  result")
                lines.extend(
                    f"{cell.wheel:62} {cell.interpreter:12} {cell.seconds:7.1f}  {cell.result}" for cell in cells
                )
        return "\n".join(lines)


@contextmanager
def stage(report: Report, name: str) -> Iterator[StageRecord]:
    """Time a stage, print its progress, and record how it ended (a failure propagates)."""
    record = report.stage(name)
    number = STAGES.index(name) + 1
    print(f"\n[{number}/{len(STAGES)}] {name} ...", flush=True)
    started = time.monotonic()
    try:
        yield record
    except BaseException as error:
        record.status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        record.detail = record.detail or (str(error).splitlines() or [type(error).__name__])[0]
        raise
    finally:
        record.seconds = time.monotonic() - started
    record.status = "passed"
    print(f"[{number}/{len(STAGES)}] {name}: passed in {record.seconds:.1f} s  {record.detail}", flush=True)


def claims(wheel: str, tag: str) -> bool:
    """Whether a wheel's tags claim the interpreter kind ``tag`` (cp311, cp314t, pp311).

    The ABI part may list several tags ("abi3.abi3t"). abi3 covers every GIL CPython from the
    wheel's floor on; abi3t (PEP 803) every CPython build, GIL or free-threaded, from its floor on;
    any other ABI exactly its own interpreter kind.
    """
    python_tag, abi_tags = wheel.removesuffix(".whl").split("-")[2:4]
    minor = int(tag[3:].rstrip("t"))
    for abi in abi_tags.split("."):
        if abi in ("abi3", "abi3t"):
            if tag.startswith("cp") and minor >= int(python_tag[3:]) and (abi == "abi3t" or not tag.endswith("t")):
                return True
        elif tag == python_tag + ("t" if abi.endswith("t") else ""):
            return True
    return False


def build_all_wheels(source: Path, staging: Path, report: Report) -> list[Path]:
    """Build every ABI from the unpacked sdist; each ABI that cannot be built here is named."""
    interpreters = discover()
    settings = build_wheels.BuildSettings(source, staging, "release", zig=True)
    wheels: list[Path] = []
    unbuildable: list[str] = []
    for abi in build_wheels.ALL_ABIS:
        result = build_wheels.build(abi, build_wheels.interpreter_for(abi, interpreters), settings)
        if result.wheel is None:
            unbuildable.append(abi)
            report.cells.append(Cell(abi, "-", result.note))
        else:
            wheels.append(result.wheel)
    if not wheels:
        raise WheelBuildError("no wheel could be built; see the maturin output above")
    report.stage("wheels").detail = f"{len(wheels)} built" + (
        f"; not buildable here: {', '.join(unbuildable)}" if unbuildable else ""
    )
    return wheels


def test_all_wheels(wheels: list[Path], work_dir: Path, only: list[str], report: Report) -> None:
    """Run the suite for each wheel on each installed interpreter it claims; name the cells that cannot run.

    Each wheel gets a wheelhouse of its own, so the installer cannot prefer a sibling (GIL 3.15
    would otherwise always take the abi3t wheel, and the abi3 wheel would go untested there).
    """
    interpreters = discover()
    missing = [line.split(": ", 1) for line in missing_kinds(interpreters)]
    failed = []
    for wheel in wheels:
        wheelhouse = work_dir / "wheelhouses" / wheel.name
        wheelhouse.mkdir(parents=True, exist_ok=True)
        (wheelhouse / wheel.name).unlink(missing_ok=True)
        os.link(wheel, wheelhouse / wheel.name)
        for interpreter in interpreters:
            if (only and interpreter.tag not in only) or not claims(wheel.name, interpreter.tag):
                continue
            # The release gate's examples are the same on every run (tests/conftest.py).
            options = test_wheels.SuiteOptions(hypothesis_profile="release")
            outcome = test_wheels.run_suite(interpreter, wheelhouse, work_dir / "envs", options)
            report.cells.append(
                Cell(wheel.name, f"{interpreter.tag} {interpreter.version}", outcome.status, outcome.seconds)
            )
            if outcome.status != "passed":
                failed.append(f"{wheel.name} on {interpreter.tag}")
        report.cells.extend(
            Cell(wheel.name, tag, f"untested here: {reason}") for tag, reason in missing if claims(wheel.name, tag)
        )
    if failed:
        raise WheelTestError(f"the test suite failed: {'; '.join(failed)}; see the pytest output above")
    report.stage(
        "test"
    ).detail = f"{sum(cell.result == 'passed' for cell in report.cells)} wheel x interpreter runs passed"


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


def raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into KeyboardInterrupt, so every cleanup below runs (the index server stops)."""
    raise KeyboardInterrupt


def parse_arguments() -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", default=None, help="release tag vX.Y.Z (default: GITHUB_REF, else no tag check)")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "release", help="output directory")
    parser.add_argument("--python", action="append", default=[], metavar="TAG", help="test only these interpreters")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--repository", help="publish to this twine repository (.pypirc), e.g. testpypi")
    target.add_argument("--repository-url", help="publish to this upload URL (TWINE_USERNAME/TWINE_PASSWORD)")
    parser.add_argument("--keep-serving", action="store_true", help="keep the embedded index running at the end")
    return parser.parse_args()


def run(args: argparse.Namespace, report: Report) -> None:
    """All stages in order; the first ReleaseError stops everything before upload."""
    out: Path = args.out.resolve()
    staging = out / "work" / "staging"
    # Only the staging area starts empty: the unpacked sdist keeps its cargo target directories,
    # so a re-run without source changes compiles nothing (unpack_sdist refreshes the sources).
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    tag = args.tag or os.environ.get("GITHUB_REF", "").removeprefix("refs/tags/") or None

    with stage(report, "version gate") as record:
        release = version_gate.check_release(REPO, tag)
        report.version = release.version
        record.detail = (
            f"{release.version}"
            + (" (pre-release)" if release.prerelease else "")
            + (f", tag {tag}" if tag else ", no tag")
        )
    with stage(report, "sdist") as record:
        sdist = build_sdist.build_sdist(REPO, staging)
        build_sdist.check_sdist_contents(sdist)
        source = build_sdist.unpack_sdist(sdist, out / "work" / "sdist")
        record.detail = sdist.name
    with stage(report, "wheels"):
        wheels = build_all_wheels(source, staging, report)
    with stage(report, "audit") as record:
        audit_wheels.audit([*wheels, sdist])
        record.detail = f"{len(wheels) + 1} files compliant"
    with stage(report, "test"):
        test_all_wheels(wheels, out / "work", args.python, report)
    with stage(report, "expected set") as record:
        expected_wheels.check_release_dir(staging, expected_wheels.expected_files(release.version, local_only=True))
        record.detail = "exactly the expected files"
    files = move_complete(staging, out / "dist")
    report.files = {path.name: path.stat().st_size for path in files}
    # The embedded index (the default) serves from here until the end, so post-publish can use it.
    with publish.open_target(out, repository=args.repository, repository_url=args.repository_url) as index:
        report.index_url = index.simple_url
        with stage(report, "publish") as record:
            record.detail = publish.publish_files(files, index)
        with stage(report, "post-publish") as record:
            interpreters = [(i.path, i.tag) for i in discover() if not args.python or i.tag in args.python]
            results = post_publish_check.run_checks(release.version, index.simple_url, interpreters)
            report.post_publish = [
                Cell(f"pyo3-showcase=={release.version}", r.interpreter, r.detail, r.seconds) for r in results
            ]
            record.detail = f"{len(results)} interpreters installed it from the index and passed the smoke test"
        if args.keep_serving:
            print(f"\nserving {index.simple_url} until Ctrl-C", flush=True)
            signal.pause()


def main() -> int:
    """Run the release and print the report, whatever happened."""
    args = parse_arguments()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    report = Report()
    code = 0
    try:
        run(args, report)
    except ReleaseError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        code = error.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted: nothing more was built or uploaded", file=sys.stderr)
        code = 130
    finally:
        shutil.rmtree(args.out.resolve() / "work" / "staging", ignore_errors=True)
        print("\n" + report.table())
        report.write_json(args.out.resolve() / "report.json")
    return code


if __name__ == "__main__":
    sys.exit(main())
