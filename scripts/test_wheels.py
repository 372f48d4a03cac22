"""Install pyo3-showcase from a wheelhouse into a fresh environment per interpreter and run the tests.

Usage: python scripts/test_wheels.py WHEELHOUSE [--python TAG]... [--parallel-threads WHERE]
                                    [--hypothesis-profile explore|release] [-- PYTEST_ARGS...]

For every supported interpreter found by scripts/interpreters.py (or only those named with
--python, e.g. cp310, cp314t, pp311), this creates a new virtual environment, installs the
test dependencies (dependency group "test" of pyproject.toml), installs pyo3-showcase from
WHEELHOUSE alone (no index, binary only), and runs the test suite. The thread tests run on every
interpreter; a second pass under pytest-run-parallel (every test on 4 threads at once) runs where
--parallel-threads says: "newest" (default: the newest GIL CPython and every free-threaded one,
where shared state is really contended), "all" or "none". Kinds of interpreter that are supported
but not installed are listed, one line each, never skipped silently.

The property tests draw fresh examples on every run ("explore", the default: a failure is printed
with its example and seed, and kept in the example database, PYO3_SHOWCASE_HYPOTHESIS_DB or
CACHE_DIR/hypothesis, so that the next run tries it first), or the same examples on every run and
every platform ("release": what the release's gates use, so that a tag cannot fail or pass by
chance). The interpreters that get the pytest-run-parallel pass also check that the release profile
draws the same examples twice.

Exit codes: 0 every run passed; 1 a test run failed; 2 no wheel in WHEELHOUSE installs on an
interpreter; 3 no interpreter to test with, or a bad argument.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from interpreters import CACHE_DIR, Interpreter, discover, missing_kinds

REPO = Path(__file__).resolve().parent.parent
EXIT_TEST_FAILED, EXIT_NOT_INSTALLABLE, EXIT_USAGE = 1, 2, 3


@dataclass(frozen=True)
class Outcome:
    """What happened to one interpreter."""

    interpreter: Interpreter
    wheel: str  # the wheel file that was installed, or "" if none could be
    status: str  # "passed", "failed" or "not installable"
    seconds: float


def run(
    command: list[str], *, check: bool = False, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it, with its output passing straight through."""
    print("  $", " ".join(command), flush=True)
    return subprocess.run(command, text=True, check=check, cwd=cwd, env=env)


def installed_wheel(python: Path) -> str:
    """The wheel file name pip recorded for the installed pyo3-showcase (from its dist-info)."""
    code = (
        "from importlib.metadata import distribution as d; dist = d('pyo3-showcase'); "
        "tags = [l.split(': ', 1)[1] for l in dist.read_text('WHEEL').splitlines() if l.startswith('Tag: ')]; "
        'print(f"pyo3_showcase-{dist.version}-{tags[0]}")'
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def install_group(python: Path, group: str, *, binary_only: bool) -> bool:
    """Install a dependency group of pyproject.toml into ``python``'s environment; True if it worked."""
    command = ["uv", "pip", "install", "--quiet", "--python", str(python)]
    command += ["--only-binary", ":all:"] if binary_only else []
    return run([*command, "--group", f"{REPO / 'pyproject.toml'}:{group}"]).returncode == 0


def create_environment(interpreter: Interpreter, env_dir: Path, wheelhouse: Path) -> Path | None:
    """A fresh venv with the test tools and pyo3-showcase from the wheelhouse; None if no wheel fits."""
    run(["uv", "venv", "--quiet", "--clear", "--python", str(interpreter.path), str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    # Test tools may build from source (hypothesis ships only CPython wheels; uv caches the build).
    if not install_group(python, "test", binary_only=False):
        raise RuntimeError(f"could not install the test tools for {interpreter.tag}")
    if not install_group(python, "numpy", binary_only=True):
        print(f"  numpy: no wheel for {interpreter.tag}; the arrays tests will be skipped", flush=True)
    installed = run(
        [
            "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "--no-index",
            "--only-binary",
            ":all:",
            "--find-links",
            str(wheelhouse),
            "pyo3-showcase",
        ]
    )
    return python if installed.returncode == 0 else None


def parallel_threads_wanted(interpreter: Interpreter, interpreters: list[Interpreter], where: str) -> bool:
    """Whether ``interpreter`` gets the pytest-run-parallel pass under the --parallel-threads policy."""
    if where != "newest":
        return where == "all"
    gil_cpythons = [i for i in interpreters if i.implementation == "cpython" and not i.free_threaded]
    return interpreter.free_threaded or interpreter == max(gil_cpythons, key=lambda i: i.minor, default=None)


@dataclass(frozen=True)
class SuiteOptions:
    """How the suite runs on one interpreter."""

    pytest_args: tuple[str, ...] = ()
    parallel_threads: bool = False  # a second pass under pytest-run-parallel, and the release-profile check
    hypothesis_profile: str = "explore"  # or "release": the same examples on every run


def run_suite(interpreter: Interpreter, wheelhouse: Path, work_dir: Path, options: SuiteOptions) -> Outcome:
    """Install into a fresh environment for ``interpreter`` and run the suite; never raises on failure."""
    started = time.monotonic()
    print(f"\n== {interpreter.tag} ({interpreter.version}, {interpreter.path})", flush=True)
    python = create_environment(interpreter, work_dir / interpreter.tag, wheelhouse)
    if python is None:
        return Outcome(interpreter, "", "not installable", time.monotonic() - started)
    wheel = installed_wheel(python)
    # The venv's pytest script, not `python -m pytest`, so the working directory is not on sys.path.
    pytest = [str(python.parent / "pytest"), "-p", "no:cacheprovider"]
    pytest += [f"--hypothesis-profile={options.hypothesis_profile}", *options.pytest_args]
    env = {
        **os.environ,
        "PYO3_SHOWCASE_SOURCE": str(REPO),
        "PYO3_SHOWCASE_HYPOTHESIS_DB": os.environ.get("PYO3_SHOWCASE_HYPOTHESIS_DB", str(CACHE_DIR / "hypothesis")),
        "PYO3_SHOWCASE_CHECK_RELEASE_PROFILE": "1" if options.parallel_threads else "0",
    }
    passed = run(pytest, cwd=REPO, env=env).returncode == 0
    if passed and options.parallel_threads:
        once = {**env, "PYO3_SHOWCASE_CHECK_RELEASE_PROFILE": "0"}  # checked in the first pass
        passed = run([*pytest, "-q", "--parallel-threads=4"], cwd=REPO, env=once).returncode == 0
    return Outcome(interpreter, wheel, "passed" if passed else "failed", time.monotonic() - started)


def summary(outcomes: list[Outcome], missing: list[str]) -> str:
    """A table of interpreter, installed wheel, result and duration, then the missing kinds."""
    lines = [f"{'interpreter':12} {'version':8} {'result':15} {'seconds':>7}  wheel"]
    for outcome in outcomes:
        i = outcome.interpreter
        lines.append(f"{i.tag:12} {i.version:8} {outcome.status:15} {outcome.seconds:7.1f}  {outcome.wheel or '-'}")
    lines.extend(f"untested: {line}" for line in missing)
    return "\n".join(lines)


def main() -> int:
    """Test the wheelhouse on each interpreter and print a summary; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheelhouse", type=Path, help="directory holding the wheels to test")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="TAG",
        help="test only this interpreter kind (cp310, cp314t, pp311, ...); repeatable",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=REPO / "target" / "test-envs",
        help="where the per-interpreter environments are created (default: %(default)s)",
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

    if not any(args.wheelhouse.glob("pyo3_showcase-*.whl")):
        print(f"error: no pyo3_showcase wheel in {args.wheelhouse}; build one first", file=sys.stderr)
        return EXIT_USAGE
    interpreters = discover()
    missing = missing_kinds(interpreters)
    if args.python:
        unknown = set(args.python) - {i.tag for i in interpreters}
        if unknown:
            print(f"error: not installed here: {', '.join(sorted(unknown))}", file=sys.stderr)
            return EXIT_USAGE
        interpreters = [i for i in interpreters if i.tag in args.python]
    if not interpreters:
        print("error: no supported Python interpreter found (see scripts/interpreters.py)", file=sys.stderr)
        return EXIT_USAGE

    outcomes = [
        run_suite(
            i,
            args.wheelhouse.resolve(),
            args.work_dir,
            SuiteOptions(
                tuple(pytest_args),
                parallel_threads_wanted(i, interpreters, args.parallel_threads),
                args.hypothesis_profile,
            ),
        )
        for i in interpreters
    ]
    print("\n" + summary(outcomes, missing))
    if any(outcome.status == "not installable" for outcome in outcomes):
        return EXIT_NOT_INSTALLABLE
    return EXIT_TEST_FAILED if any(outcome.status == "failed" for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
