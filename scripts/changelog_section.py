"""Print the CHANGELOG section of one version: the notes of its GitHub release.

Usage: python scripts/changelog_section.py VERSION [--changelog PATH] > notes.md

The section is everything under the heading "## [X]" (a date may follow) whose X is VERSION,
compared as PEP 440 versions, so that 1.2.0-rc1, 1.2.0rc1 and 1.2.0-rc.1 name one section, up to
the next "## " heading. A version without a section, or with an empty one, is an error: a release
must not go out with blank notes. The version gate (scripts/version_gate.py) refuses such a version
before anything is built; the GitHub release job reads the notes with this.
Exit codes: 0 printed; 10 no such section, or an empty one (VersionGateError).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version
from project import REPO
from release_errors import VersionGateError, run_main

CHANGELOG = REPO / "CHANGELOG.md"
HEADING = re.compile(r"^## \[([^\]]+)\][^\n]*$", re.MULTILINE)


def same_version(heading: str, version: str) -> bool:
    """Whether a CHANGELOG heading's [X] names VERSION (as PEP 440 versions; "Unreleased" names none)."""
    try:
        return Version(heading) == Version(version)
    except InvalidVersion:
        return False


def section(changelog: str, version: str) -> str:
    """The body of the "## [version]" section of ``changelog``, without its heading."""
    headings = list(HEADING.finditer(changelog))
    found = next((heading for heading in headings if same_version(heading[1], version)), None)
    if found is None:
        raise VersionGateError(
            f"CHANGELOG.md has no '## [{version}]' section: add one saying what changed before releasing {version}"
        )
    following = re.compile(r"^## ", re.MULTILINE).search(changelog, found.end())
    body = changelog[found.end() : following.start() if following else len(changelog)].strip()
    if not body:
        raise VersionGateError(f"the CHANGELOG.md section of {version} is empty: say what changed")
    return body + "\n"


def print_section(changelog: Path, version: str) -> None:
    """Print the section, or raise with the one line saying why there is none."""
    try:
        text = changelog.read_text(encoding="utf-8")
    except OSError as error:
        raise VersionGateError(f"cannot read {changelog}: {error.strerror}") from error
    sys.stdout.write(section(text, version))


def main() -> int:
    """See the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the version being released, e.g. 1.2.0")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="default: %(default)s")
    args = parser.parse_args()
    return run_main(lambda: print_section(args.changelog, args.version))


if __name__ == "__main__":
    sys.exit(main())
