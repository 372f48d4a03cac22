"""Print the CHANGELOG section of one version: the notes of its GitHub release.

Usage: python scripts/changelog_section.py VERSION [--changelog PATH] > notes.md

The section is everything under the heading "## [VERSION]" (a date may follow) up to the next
"## " heading. A version without a section, or with an empty one, is an error: a release must
not go out with blank notes. Standard library only; exit codes: 0 printed; 3 no such section.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from release_errors import UsageError

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"


def section(changelog: str, version: str) -> str:
    """The body of the "## [version]" section of ``changelog``, without its heading."""
    heading = re.compile(rf"^## \[{re.escape(version)}\](?:[ \t].*)?$", re.MULTILINE)
    found = heading.search(changelog)
    if found is None:
        raise UsageError(f"CHANGELOG.md has no '## [{version}]' section: add one before releasing {version}")
    following = re.compile(r"^## ", re.MULTILINE).search(changelog, found.end())
    body = changelog[found.end() : following.start() if following else len(changelog)].strip()
    if not body:
        raise UsageError(f"the CHANGELOG.md section of {version} is empty: say what changed")
    return body + "\n"


def main() -> int:
    """Print the section, or one line saying why there is none."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="the version being released, e.g. 1.2.0")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help="default: %(default)s")
    args = parser.parse_args()
    try:
        sys.stdout.write(section(args.changelog.read_text(encoding="utf-8"), args.version))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
