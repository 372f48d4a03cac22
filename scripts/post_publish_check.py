"""Install a just-published pyo3-showcase from its index into fresh environments and smoke-test it.

Usage: python scripts/post_publish_check.py VERSION [--index-url URL | --repository NAME]
                                            [--python PATH_OR_TAG]... [--work-dir DIR]

For each interpreter (default: every supported one found by scripts/interpreters.py; on a
hosted runner, pass --python with the interpreters the runner has), this creates a new virtual
environment, installs `pyo3-showcase==VERSION` from the index *binary only* (a user must get a
wheel, never a compile) and runs scripts/smoke_test.py in it. The index is pip's default unless
--index-url is given, or --repository names one of twine's repositories (e.g. testpypi), whose
simple index is derived from twine's own configuration.

Uses uv when it is installed (it works with any interpreter, whatever its distribution did to
ensurepip), else the standard library's venv and pip; it runs on Linux, macOS and Windows alike.
Exit codes: 0 every interpreter installed and passed; 17 an install or smoke test failed; 3 bad argument.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from release_errors import PostPublishError, UsageError

SMOKE_TEST = Path(__file__).resolve().parent / "smoke_test.py"


@dataclass(frozen=True)
class CheckResult:
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


def environment_python(env_dir: Path) -> Path:
    """The interpreter inside a virtual environment, on any operating system."""
    windows = env_dir / "Scripts" / "python.exe"
    return windows if windows.exists() else env_dir / "bin" / "python"


def run_quietly(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a command, keeping its output for the report instead of printing it."""
    return subprocess.run(command, capture_output=True, text=True, check=False)


def check(interpreter: Path, label: str, version: str, index_url: str | None, work_dir: Path) -> CheckResult:
    """Install from the index into a fresh venv of ``interpreter`` and smoke-test; never raises."""
    started = time.monotonic()
    env_dir = work_dir / label
    shutil.rmtree(env_dir, ignore_errors=True)

    def failure(step: str, result: subprocess.CompletedProcess[str]) -> CheckResult:
        reason = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["failed"]
        return CheckResult(label, False, f"{step}: {reason[0]}", time.monotonic() - started)

    uv = shutil.which("uv")
    create = [uv, "venv", "--python", str(interpreter)] if uv else [str(interpreter), "-m", "venv"]
    created = run_quietly([*create, str(env_dir)])
    if created.returncode != 0:
        return failure("venv", created)
    python = str(environment_python(env_dir))
    # No cache: what gets installed must come from the index now, not from an earlier download.
    if uv:
        install = [uv, "pip", "install", "--python", python, "--no-cache", "--only-binary", ":all:"]
    else:
        install = [python, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--only-binary", ":all:"]
    install += ["--index-url", index_url] if index_url else []
    installed = run_quietly([*install, f"pyo3-showcase=={version}"])
    if installed.returncode != 0:
        return failure("install", installed)
    smoke = run_quietly([python, str(SMOKE_TEST), version])
    if smoke.returncode != 0:
        return failure("smoke test", smoke)
    return CheckResult(label, True, smoke.stdout.strip(), time.monotonic() - started)


def interpreters_to_check(requested: list[str]) -> list[tuple[Path, str]]:
    """(path, label) for each requested interpreter: a path, or a tag found by discovery."""
    from interpreters import discover  # noqa: PLC0415 - discovery only when tags are used

    if requested and all(Path(item).exists() for item in requested):
        return [(Path(item), Path(item).name) for item in requested]
    found = discover()
    if not requested:
        return [(i.path, i.tag) for i in found]
    by_tag = {i.tag: i for i in found}
    missing = [tag for tag in requested if tag not in by_tag and not Path(tag).exists()]
    if missing:
        raise UsageError(f"not installed here: {', '.join(missing)}")
    return [(Path(tag), Path(tag).name) if Path(tag).exists() else (by_tag[tag].path, tag) for tag in requested]


def run_checks(version: str, index_url: str | None, interpreters: list[tuple[Path, str]]) -> list[CheckResult]:
    """Check every interpreter in a temporary directory; raise PostPublishError if any failed."""
    with tempfile.TemporaryDirectory(prefix="post-publish-") as work_dir:
        results = [check(path, label, version, index_url, Path(work_dir)) for path, label in interpreters]
    for result in results:
        status = "passed" if result.passed else "FAILED"
        print(f"{result.interpreter:10} {status:7} {result.seconds:6.1f}s  {result.detail}")
    failed = ", ".join(result.interpreter for result in results if not result.passed)
    if failed:
        raise PostPublishError(f"pyo3-showcase=={version} does not install or work from the index on {failed}")
    return results


def main() -> int:
    """Parse arguments and run the checks; one line on failure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the version that was just published, e.g. 1.2.0")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--index-url", help="simple index to install from (default: pip's default index)")
    target.add_argument("--repository", help="one of twine's repositories, e.g. testpypi")
    parser.add_argument("--python", action="append", default=[], help="interpreter path or tag (repeatable)")
    args = parser.parse_args()
    try:
        index_url = simple_index_of(args.repository) if args.repository else args.index_url
        run_checks(args.version, index_url, interpreters_to_check(args.python))
    except (UsageError, PostPublishError) as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
