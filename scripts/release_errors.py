"""The one error type of the release pipeline: a single line saying what is wrong and what to do.

Each stage raises a subclass with its own exit code, so a workflow (or a person) can tell
failures apart without parsing messages. Nothing is uploaded once any of them is raised.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType


class ReleaseError(Exception):
    """A release step failed; ``str(error)`` is the one line to print."""

    exit_code = 1


class UsageError(ReleaseError):
    """Bad arguments or environment (missing tool, unknown interpreter, ...)."""

    exit_code = 3


class VersionGateError(ReleaseError):
    """The tag does not match the version, or the work tree is not clean."""

    exit_code = 10


class SdistError(ReleaseError):
    """The sdist is missing files, has extra files, or does not build."""

    exit_code = 11


class WheelBuildError(ReleaseError):
    """A wheel could not be built."""

    exit_code = 12


class AuditError(ReleaseError):
    """A wheel or sdist failed an audit (manylinux policy, abi3, metadata, contents, integrity)."""

    exit_code = 13


class WheelTestError(ReleaseError):
    """The test suite failed on an installed wheel."""

    exit_code = 14


class ExpectedSetError(ReleaseError):
    """The release holds a file too many or too few."""

    exit_code = 15


class PublishError(ReleaseError):
    """The index is unreachable, refused the credentials, or already holds different bytes."""

    exit_code = 16


class PostPublishError(ReleaseError):
    """A published version could not be installed back or failed its smoke test."""

    exit_code = 17


class ContainerError(ReleaseError):
    """The container engine is unreachable, a container image cannot be built, or a build in one failed."""

    exit_code = 18


class PreflightError(ReleaseError):
    """The machine lacks something a stage needs, and cannot provide it by itself."""

    exit_code = 19


EXIT_INTERRUPTED = 130  # what a shell reports for a program stopped by Ctrl-C


def interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: stop the way Ctrl-C does, so that every `with` and `finally` cleans up."""
    raise KeyboardInterrupt


def run_main(action: Callable[[], object], *, interrupted: str = "nothing more was done") -> int:
    """Run a program's ACTION, the one way every program in scripts/ ends.

    Returns 0 when it succeeds; else prints one line and returns the ReleaseError's exit code, or
    130 after Ctrl-C or SIGTERM (INTERRUPTED says what state that leaves).
    """
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        action()
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"interrupted: {interrupted}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
