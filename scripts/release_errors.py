"""The one error type of the release pipeline: a single line saying what is wrong and what to do.

Each stage raises a subclass with its own exit code, so a workflow (or a person) can tell
failures apart without parsing messages. Nothing is uploaded once any of them is raised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


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


def exit_code_of(action: Callable[[], object]) -> int:
    """Run a script's ACTION: 0 if it succeeds, else its ReleaseError's exit code, the one line printed."""
    try:
        action()
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0
