"""Install pyo3-showcase from a wheelhouse into a fresh environment per interpreter and run the tests.

Usage: python scripts/test_wheels.py WHEELHOUSE [--python TAG]... [--runner LABEL | --arch MACHINE] [--jobs N]
                                    [--parallel-threads WHERE] [--hypothesis-profile explore|release]
                                    [--log-dir DIR] [-- PYTEST_ARGS...]

Which interpreters: those named with --python (cp310, cp314t, pp311, ...); else, with --runner, every
interpreter that runner's wheels serve (scripts/release_matrix.py; all must be installed: run
scripts/provision_interpreters.py --runner LABEL first); else every one this machine's wheels serve,
where a missing kind is listed with its reason, one line each, never skipped silently. --arch
aarch64 tests the wheels of that architecture on its interpreters (scripts/provision_interpreters.py
--arch aarch64), under QEMU (scripts/emulation.py), with the sizes that fit emulation
(emulation.EMULATED_TEST_ENV, shown in pytest's header) and no pytest-run-parallel pass.

For each, a new virtual environment gets the test dependencies (dependency group "test" of
pyproject.toml) and pyo3-showcase from WHEELHOUSE alone (no index, binary only), and the suite runs.
Independent suites run side by side, --jobs at a time (default: one per core), each writing its
output to LOG_DIR/<interpreter>.log; a terminal shows a live table (interpreter, step, pytest's
progress, time), anything else one line per step; the end is a summary table, with the tail of the
log of any suite that failed. A second pass under pytest-run-parallel (every test on 4 threads at
once) runs where --parallel-threads says: "newest" (default: the newest GIL CPython and every
free-threaded one, where shared state is really contended), "all" or "none".

The property tests draw fresh examples on every run ("explore", the default: a failure is printed
with its example and seed, and kept in the example database, PYO3_SHOWCASE_HYPOTHESIS_DB or
CACHE_DIR/hypothesis, so that the next run tries it first), or the same examples on every run and
every platform ("release": what the release's gates use, so that a tag cannot fail or pass by
chance). The interpreters that get the pytest-run-parallel pass also check that the release profile
draws the same examples twice.

Exit codes: 0 every run passed; 14 a test run failed, or no wheel installs on an interpreter
(WheelTestError); 3 no interpreter to test with, or a bad argument.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from emulation import EMULATED_TEST_ENV, registered_qemu
from interpreters import HOST_MACHINE, Interpreter, discover, missing_kinds
from project import BUILD_CACHE, CACHE_DIR, REPO, venv_python, venv_script
from release_errors import UsageError, WheelTestError, run_main
from release_matrix import matrix
from rich.console import Console
from suite_progress import progress

PYTEST_PROGRESS = re.compile(r"\[\s*(\d+)%\]")
# The status of a suite whose interpreter cannot import the test tools it was given (a native
# module built for a newer release of that interpreter): nothing of the wheel was tested.
TOOLS_DO_NOT_LOAD = "test tools do not load"
LOG_TAIL_LINES = 60  # shown for a failed suite


@dataclass(frozen=True)
class SuiteOptions:
    """How the suite runs on one interpreter."""

    pytest_args: tuple[str, ...] = ()
    parallel_threads: bool = False  # a second pass under pytest-run-parallel, and the release-profile check
    hypothesis_profile: str = "explore"  # or "release": the same examples on every run
    environment: Mapping[str, str] = field(default_factory=dict)  # set for the suite (emulation's sizes)


@dataclass(frozen=True)
class SuiteRun:
    """One suite to run: an interpreter, the wheelhouse to install from, and how."""

    name: str  # unique within a batch: the log file's name and the table's row
    interpreter: Interpreter
    wheelhouse: Path
    options: SuiteOptions


@dataclass
class Outcome:
    """What happened to one suite run (mutable while it runs, for the progress display)."""

    run: SuiteRun
    step: str = "waiting"  # waiting, creating the environment, testing, parallel pass, then the status
    status: str = ""  # "passed", "failed", "not installable" or TOOLS_DO_NOT_LOAD once finished
    detail: str = ""  # for TOOLS_DO_NOT_LOAD: the error the interpreter gave
    wheel: str = ""  # the wheel file that was installed, or "" if none could be
    started: float = 0.0
    seconds: float = 0.0
    log: Path = field(default_factory=Path)

    @property
    def progress(self) -> str:
        """Pytest's own progress, from the last "[ NN%]" in the log."""
        try:
            with self.log.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
                found = PYTEST_PROGRESS.findall(log.read().decode(errors="replace"))
        except OSError:
            return ""
        return f"{found[-1]}%" if found and not self.status else ""

    @property
    def elapsed(self) -> float:
        """Seconds so far (or in all, once finished)."""
        return self.seconds or (time.monotonic() - self.started if self.started else 0.0)


def installed_wheel(python: Path) -> str:
    """The wheel file name pip recorded for the installed pyo3-showcase (from its dist-info)."""
    code = (
        "from importlib.metadata import distribution as d; dist = d('pyo3-showcase'); "
        "tags = [l.split(': ', 1)[1] for l in dist.read_text('WHEEL').splitlines() if l.startswith('Tag: ')]; "
        'print(f"pyo3_showcase-{dist.version}-{tags[0]}")'
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def logged(command: Sequence[str], log: Path, *, env: dict[str, str] | None = None) -> int:
    """Run COMMAND in the repository, its output appended to LOG; its exit code."""
    with log.open("a", encoding="utf-8") as output:
        output.write(f"$ {' '.join(command)}\n")
        output.flush()
        completed = subprocess.run(
            list(command), cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
        return completed.returncode


def create_environment(interpreter: Interpreter, env_dir: Path, wheelhouse: Path, log: Path) -> Path | None:
    """A fresh venv with the test tools and pyo3-showcase from the wheelhouse; None if no wheel fits."""
    if logged(["uv", "venv", "--quiet", "--clear", "--python", str(interpreter.path), str(env_dir)], log) != 0:
        raise WheelTestError(f"uv could not create a virtual environment of {interpreter.path}: see {log}")
    python = venv_python(env_dir)
    install = ["uv", "pip", "install", "--quiet", "--python", str(python)]
    # The test tools as uv.lock pins them, hashes checked.
    if logged([sys.executable, str(REPO / "scripts" / "install_tools.py"), "test", "--python", str(python)], log) != 0:
        raise WheelTestError(f"could not install the test tools for {interpreter.tag}: see {log}")
    # NumPy is no tool: whichever release has a wheel for this interpreter. The group's markers leave
    # it out where NumPy publishes none (the arrays tests skip there), as in cibuildwheel's test step.
    if logged([*install, "--only-binary", ":all:", "--group", "pyproject.toml:numpy"], log) != 0:
        raise WheelTestError(
            f"could not install NumPy for {interpreter.tag}, where pyproject.toml's numpy group asks for it: see {log}"
        )
    from_wheelhouse = ["--no-index", "--only-binary", ":all:", "--find-links", str(wheelhouse), "pyo3-showcase"]
    return python if logged([*install, *from_wheelhouse], log) == 0 else None


def tools_do_not_load(python: Path, log: Path) -> str | None:
    """Why the test tools do not import in PYTHON's environment (the error's last line); None if they do."""
    check = [str(python), "-c", "import hypothesis, pytest"]
    result = subprocess.run(check, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return None
    with log.open("a", encoding="utf-8") as output:
        output.write(f"$ {' '.join(check)}\n{result.stdout}{result.stderr}")
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {result.returncode}"


def run_suite(suite: SuiteRun, work_dir: Path, outcome: Outcome) -> None:
    """Install into a fresh environment for the suite's interpreter and run the tests; never raises on failure."""
    outcome.started = time.monotonic()
    outcome.log.unlink(missing_ok=True)
    interpreter, options = suite.interpreter, suite.options
    outcome.step = "creating the environment"
    env_dir = work_dir / suite.name
    python = create_environment(interpreter, env_dir, suite.wheelhouse, outcome.log)
    if python is None:
        outcome.status = "not installable"
    elif failure := tools_do_not_load(python, outcome.log):
        outcome.status, outcome.detail = TOOLS_DO_NOT_LOAD, failure
    else:
        outcome.wheel = installed_wheel(python)
        # The venv's pytest program, not `python -m pytest`, so the working directory is not on sys.path.
        pytest = [str(venv_script(env_dir, "pytest")), "-p", "no:cacheprovider"]
        pytest += [f"--hypothesis-profile={options.hypothesis_profile}", *options.pytest_args]
        env = {
            **os.environ,
            "PYO3_SHOWCASE_SOURCE": str(REPO),
            "PYO3_SHOWCASE_EMBEDDING_TARGET": str(BUILD_CACHE / "embedding"),  # tests/test_embedding.py
            "PYO3_SHOWCASE_HYPOTHESIS_DB": os.environ.get("PYO3_SHOWCASE_HYPOTHESIS_DB", str(CACHE_DIR / "hypothesis")),
            "PYO3_SHOWCASE_CHECK_RELEASE_PROFILE": "1" if options.parallel_threads else "0",
            **options.environment,
        }
        outcome.step = "testing"
        passed = logged(pytest, outcome.log, env=env) == 0
        if passed and options.parallel_threads:
            outcome.step = "parallel pass"
            once = {**env, "PYO3_SHOWCASE_CHECK_RELEASE_PROFILE": "0"}  # checked in the first pass
            passed = logged([*pytest, "-q", "--parallel-threads=4"], outcome.log, env=once) == 0
        outcome.status = "passed" if passed else "failed"
    outcome.seconds = time.monotonic() - outcome.started
    outcome.step = outcome.status


def run_suites(suites: list[SuiteRun], work_dir: Path, log_dir: Path, jobs: int) -> list[Outcome]:
    """Run the suites, JOBS at a time, showing progress; every outcome, in the order given."""
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = [Outcome(suite, log=log_dir / f"{suite.name}.log") for suite in suites]
    console = Console(highlight=False)
    console.print(f"{len(suites)} suite run(s), {jobs} at a time; logs in {log_dir}")
    with progress(console, outcomes) as say:

        def one(outcome: Outcome) -> None:
            say(outcome, f"started ({outcome.run.interpreter.path})")
            run_suite(outcome.run, work_dir, outcome)
            say(outcome, f"{outcome.status} in {outcome.seconds:.1f} s")

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(one, outcomes))
    for outcome in outcomes:
        if outcome.status != "passed":
            console.rule(f"{outcome.run.name} {outcome.status}: from {outcome.log}")
            console.print("\n".join(what_failed(outcome.log)), markup=False, highlight=False)
    return outcomes


def what_failed(log: Path) -> list[str]:
    """The lines of a failed suite's log that say what failed: pytest's short summary, else the end."""
    lines = log.read_text(errors="replace").splitlines()
    summaries = [number for number, line in enumerate(lines) if "short test summary info" in line]
    start = summaries[-1] if summaries else len(lines) - LOG_TAIL_LINES
    return lines[max(start, 0) :][:LOG_TAIL_LINES]


def parallel_threads_wanted(interpreter: Interpreter, interpreters: list[Interpreter], where: str) -> bool:
    """Whether ``interpreter`` gets the pytest-run-parallel pass under the --parallel-threads policy."""
    if where != "newest":
        return where == "all"
    gil_cpythons = [i for i in interpreters if i.implementation == "cpython" and not i.free_threaded]
    return interpreter.free_threaded or interpreter == max(gil_cpythons, key=lambda i: i.minor, default=None)


def summary(outcomes: list[Outcome], missing: list[str]) -> str:
    """A table of interpreter, installed wheel, result and duration, then the missing kinds."""
    lines = [f"{'interpreter':12} {'version':8} {'result':15} {'seconds':>7}  wheel"]
    for outcome in outcomes:
        i = outcome.run.interpreter
        lines.append(f"{i.tag:12} {i.version:8} {outcome.status:15} {outcome.seconds:7.1f}  {outcome.wheel or '-'}")
    lines.extend(f"untested: {line}" for line in missing)
    return "\n".join(lines)


def chosen_interpreters(
    requested: list[str], runner: str | None, machine: str = HOST_MACHINE
) -> tuple[list[Interpreter], list[str]]:
    """The interpreters to test, and a line for each wanted kind that is missing (never silently)."""
    data = matrix()
    found = discover(machine=machine)
    if requested:
        if unknown := sorted(set(requested) - {i.tag for i in found}):
            where = "" if machine == HOST_MACHINE else f" --arch {machine}"
            raise UsageError(f"not installed here: {', '.join(unknown)} (scripts/provision_interpreters.py{where})")
        return [i for i in found if i.tag in requested], []
    if runner:
        wanted = data.interpreters_for(data.tested_on(runner))
    elif machine != HOST_MACHINE:
        wanted = data.interpreters_for(data.emulated_targets(machine))
    else:
        wanted = data.interpreters_for(data.selected(local_only=True))
    chosen = [i for i in found if i.tag in {kind.tag for kind in wanted}]
    missing = missing_kinds(found, wanted)
    if runner and missing:
        raise UsageError(
            f"{runner} tests {', '.join(k.tag for k in wanted)}, but {'; '.join(missing)}: "
            f"run scripts/provision_interpreters.py --runner {runner} first"
        )
    return chosen, missing


def test_wheelhouse(args: argparse.Namespace, pytest_args: list[str]) -> None:
    """Test the wheelhouse on each chosen interpreter and print a summary; WheelTestError if any failed."""
    if not any(args.wheelhouse.glob("pyo3_showcase-*.whl")):
        raise UsageError(f"no pyo3_showcase wheel in {args.wheelhouse}; build one first")
    interpreters, missing = chosen_interpreters(args.python, args.runner, args.arch)
    if not interpreters:
        raise UsageError("no supported Python interpreter found (scripts/provision_interpreters.py provides them)")
    emulated = args.arch != HOST_MACHINE
    if emulated:
        registered_qemu(args.arch)  # one line naming what is missing, rather than a failing suite
    suites = [
        SuiteRun(
            f"{i.tag}-{args.arch}" if emulated else i.tag,
            i,
            args.wheelhouse.resolve(),
            SuiteOptions(
                tuple(pytest_args),
                not emulated and parallel_threads_wanted(i, interpreters, args.parallel_threads),
                args.hypothesis_profile,
                EMULATED_TEST_ENV if emulated else {},
            ),
        )
        for i in interpreters
    ]
    outcomes = run_suites(suites, args.work_dir.resolve(), args.log_dir.resolve(), args.jobs)
    print("\n" + summary(outcomes, missing))
    if failed := [outcome.run.name for outcome in outcomes if outcome.status != "passed"]:
        raise WheelTestError(f"the test suite did not pass on {', '.join(failed)}: see the log tails above")


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheelhouse", type=Path, help="directory holding the wheels to test")
    parser.add_argument(
        "--python", action="append", default=[], metavar="TAG", help="test only this interpreter kind; repeatable"
    )
    machine = parser.add_mutually_exclusive_group()
    machine.add_argument("--runner", help="test what this GitHub runner of the release tests (wheels.toml)")
    machine.add_argument(
        "--arch",
        default=HOST_MACHINE,
        choices=[HOST_MACHINE, *matrix().emulated_archs()],
        help="test this architecture's wheels, under emulation if it is not this machine's (%(default)s)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="suites at a time (%(default)s)")
    parser.add_argument(
        "--work-dir", type=Path, default=REPO / "target" / "test-envs", help="where the environments go (%(default)s)"
    )
    parser.add_argument(
        "--log-dir", type=Path, default=REPO / "target" / "test-logs", help="where each suite's log goes (%(default)s)"
    )
    parser.add_argument(
        "--parallel-threads",
        choices=["newest", "all", "none"],
        default="newest",
        help="where to add a pass under pytest-run-parallel (default: %(default)s)",
    )
    parser.add_argument(
        "--hypothesis-profile",
        choices=["explore", "release"],
        default="explore",
        help="fresh examples each run, or the release gates' fixed ones (default: %(default)s)",
    )
    # Everything after "--" goes to pytest untouched (argparse would try to parse "-x" itself).
    argv = sys.argv[1:]
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    return run_main(lambda: test_wheelhouse(args, pytest_args))


if __name__ == "__main__":
    sys.exit(main())
