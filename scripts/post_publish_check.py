"""Release stage 8: the index serves exactly the release's bytes, and they install and work.

Usage: python scripts/post_publish_check.py VERSION [--index-url URL | --repository NAME]
                                            [--dist DIR] [--runner LABEL | --python PATH_OR_TAG...]
                                            [--wait SECONDS]

1. With --dist DIR (the release's files): every file there is listed by the index with the same
   sha256, and the index lists no other file of VERSION.
2. For each interpreter, a new virtual environment installs `pyo3-showcase==VERSION` from the
   index *binary only* (a user must get a wheel, never a compile) and runs scripts/smoke_test.py.
   Interpreters: --python (paths or tags), or --runner LABEL: the ones that matter on that GitHub
   runner (scripts/release_matrix.py: for every wheel kind and interpreter build, the oldest and
   the newest whose installer picks that wheel: abi3 on its oldest and newest CPython, abi3t,
   free-threaded, PyPy), provided first if missing; default: every supported one found here.
A new file can take minutes to appear on a real index (its CDN): each check is retried until it
passes or --wait seconds have gone by (default 600; 0 for the embedded index). The index is pip's
default unless --index-url is given, or --repository names one of twine's repositories (e.g.
testpypi), whose simple index is derived from twine's own configuration.

Uses uv when it is installed (it works with any interpreter, whatever its distribution did to
ensurepip), else the standard library's venv and pip; it runs on Linux, macOS and Windows alike.
Exit codes: 0 every check passed; 17 the index serves other bytes or a file is missing, or an
install or smoke test failed; 3 bad argument.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from project import file_sha256, last_line, run_tool, venv_python
from release_errors import PostPublishError, PublishError, UsageError, run_main
from simple_index import project_files, served_sha256

SMOKE_TEST = Path(__file__).resolve().parent / "smoke_test.py"
PROJECT = "pyo3-showcase"
RETRY_EVERY = 20.0  # seconds between attempts while the index catches up


@dataclass(frozen=True)
class InstallCheck:
    """One interpreter's outcome."""

    interpreter: str  # the interpreter's tag (cp311, ...) or path
    passed: bool
    detail: str  # the smoke test's line, or why it failed
    seconds: float


def simple_index_of(repository: str) -> str:
    """The simple index of one of twine's named repositories, from twine's own configuration."""
    from twine import utils  # noqa: PLC0415 - only needed for --repository

    config = utils.get_config(utils.DEFAULT_CONFIG_FILE)
    if repository not in config:
        raise UsageError(f"twine knows no repository named {repository!r} (see ~/.pypirc)")
    upload_url = config[repository]["repository"]
    if upload_url is None or not upload_url.rstrip("/").endswith("/legacy"):
        raise UsageError(f"cannot derive a simple index from {upload_url!r}; pass --index-url")
    return str(upload_url).rstrip("/").removesuffix("/legacy") + "/simple/"


def pip_default_index() -> str:
    """The simple index pip and uv use by default (the one their own configuration names)."""
    from pypi_simple import PYPI_SIMPLE_ENDPOINT  # noqa: PLC0415 - the same default, kept by its maintainers

    return PYPI_SIMPLE_ENDPOINT


def retrying(wait: float, attempt: Callable[[], str | None]) -> str | None:
    """Call ATTEMPT (None when it passes, else why not) until it passes or WAIT seconds are over."""
    deadline = time.monotonic() + wait
    while True:
        why_not = attempt()
        if why_not is None or time.monotonic() + RETRY_EVERY > deadline:
            return why_not
        print(f"  not yet ({why_not}); trying again in {RETRY_EVERY:.0f} s", flush=True)
        time.sleep(RETRY_EVERY)


def version_of(file_name: str) -> str:
    """The version part of a wheel's or an sdist's file name."""
    return file_name.removesuffix(".tar.gz").split("-")[1]


def served_differently(version: str, simple_url: str, dist: Path) -> str | None:
    """How the index's files of VERSION differ from the release in DIST; None if they are the same bytes."""
    try:
        listed = project_files(simple_url, PROJECT)
    except PublishError as error:
        return str(error)
    ours = {path.name: file_sha256(path) for path in sorted(dist.iterdir()) if path.name.endswith((".whl", ".tar.gz"))}
    theirs = {name: entry for name, entry in listed.items() if version_of(name) == version}
    if missing := sorted(ours.keys() - theirs.keys()):
        return f"the index does not list {', '.join(missing)}"
    if extra := sorted(theirs.keys() - ours.keys()):
        return f"the index lists {', '.join(extra)}, which the release does not hold"
    if other := [name for name, sha256 in ours.items() if served_sha256(theirs[name]) != sha256]:
        return f"the index serves other bytes under the name {', '.join(other)}"
    return None


def check_served_bytes(version: str, simple_url: str, dist: Path, wait: float) -> None:
    """PostPublishError unless, within WAIT seconds, the index serves exactly the files in DIST."""
    if why_not := retrying(wait, lambda: served_differently(version, simple_url, dist)):
        raise PostPublishError(f"{why_not}: the published release is not the one built")
    count = sum(1 for path in dist.iterdir() if path.name.endswith((".whl", ".tar.gz")))
    print(f"the index serves exactly the release's {count} files (sha256 compared)", flush=True)


@dataclass(frozen=True)
class Installation:
    """What every interpreter installs, from where, and how long to wait for the index."""

    version: str
    index_url: str | None  # None: the installer's default index
    work_dir: Path
    wait: float


def check(interpreter: Path, label: str, installation: Installation) -> InstallCheck:
    """Install from the index into a fresh venv of ``interpreter`` and smoke-test; never raises."""
    started = time.monotonic()
    version, index_url = installation.version, installation.index_url
    env_dir = installation.work_dir / label
    shutil.rmtree(env_dir, ignore_errors=True)

    def failure(step: str, result: subprocess.CompletedProcess[str]) -> InstallCheck:
        reason = last_line(result.stderr) if result.stderr.strip() else last_line(result.stdout)
        return InstallCheck(label, False, f"{step}: {reason}", time.monotonic() - started)

    uv = shutil.which("uv")
    create = [uv, "venv", "--python", str(interpreter)] if uv else [str(interpreter), "-m", "venv"]
    created = run_tool([*create, str(env_dir)])
    if created.returncode != 0:
        return failure("venv", created)
    python = str(venv_python(env_dir))
    # No cache: what gets installed must come from the index now, not from an earlier download.
    if uv:
        install = [uv, "pip", "install", "--python", python, "--no-cache", "--only-binary", ":all:"]
    else:
        install = [python, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--only-binary", ":all:"]
    install += ["--index-url", index_url] if index_url else []
    outcome: list[subprocess.CompletedProcess[str]] = []

    def install_once() -> str | None:
        outcome[:] = [run_tool([*install, f"{PROJECT}=={version}"])]
        return None if outcome[0].returncode == 0 else last_line(outcome[0].stderr)

    retrying(installation.wait, install_once)
    if outcome[0].returncode != 0:
        return failure("install", outcome[0])
    smoke = run_tool([python, str(SMOKE_TEST), version])
    if smoke.returncode != 0:
        return failure("smoke test", smoke)
    return InstallCheck(label, True, smoke.stdout.strip(), time.monotonic() - started)


def interpreters_to_check(requested: list[str], runner: str | None) -> list[tuple[Path, str]]:
    """(path, label) for each interpreter to check: paths, tags found here, or a runner's own set."""
    from interpreters import discover  # noqa: PLC0415 - discovery only when tags are used

    if runner:
        from provision_interpreters import provide  # noqa: PLC0415 - only a runner provisions
        from release_matrix import matrix  # noqa: PLC0415

        data = matrix()
        kinds = data.install_checks(data.tested_on(runner))
        if unprovided := provide(kinds):
            raise UsageError(f"cannot provide {', '.join(item.kind.tag for item in unprovided)} on {runner}")
        requested = [kind.tag for kind in kinds]
    if requested and all(Path(item).exists() for item in requested):
        return [(Path(item), Path(item).name) for item in requested]
    by_tag = {i.tag: i for i in discover()}
    if not requested:
        return [(i.path, i.tag) for i in by_tag.values()]
    if missing := [tag for tag in requested if tag not in by_tag and not Path(tag).exists()]:
        raise UsageError(f"not installed here: {', '.join(missing)}")
    return [(Path(tag), Path(tag).name) if Path(tag).exists() else (by_tag[tag].path, tag) for tag in requested]


def run_checks(
    version: str, index_url: str | None, interpreters: list[tuple[Path, str]], wait: float = 0.0
) -> list[InstallCheck]:
    """Check every interpreter in a temporary directory; raise PostPublishError if any failed."""
    with tempfile.TemporaryDirectory(prefix="post-publish-") as work_dir:
        installation = Installation(version, index_url, Path(work_dir), wait)
        results = [check(path, label, installation) for path, label in interpreters]
    for result in results:
        status = "passed" if result.passed else "FAILED"
        print(f"{result.interpreter:10} {status:7} {result.seconds:6.1f}s  {result.detail}")
    failed = ", ".join(result.interpreter for result in results if not result.passed)
    if failed:
        raise PostPublishError(f"{PROJECT}=={version} does not install or work from the index on {failed}")
    return results


def post_publish(args: argparse.Namespace) -> None:
    """Compare the served bytes (with --dist), then install and smoke-test."""
    index_url = simple_index_of(args.repository) if args.repository else args.index_url
    if args.dist is not None:
        check_served_bytes(args.version, index_url or pip_default_index(), args.dist, args.wait)
    run_checks(args.version, index_url, interpreters_to_check(args.python, args.runner), args.wait)


def main() -> int:
    """Parse arguments and run the checks; one line on failure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the version that was just published, e.g. 1.2.0")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--index-url", help="simple index to install from (default: pip's default index)")
    target.add_argument("--repository", help="one of twine's repositories, e.g. testpypi")
    parser.add_argument("--dist", type=Path, help="the release's files, to compare with what the index serves")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--python", action="append", default=[], help="interpreter path or tag (repeatable)")
    who.add_argument("--runner", help="check the interpreters that matter on this GitHub runner")
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to retry while the index catches up")
    args = parser.parse_args()
    return run_main(lambda: post_publish(args))


if __name__ == "__main__":
    sys.exit(main())
