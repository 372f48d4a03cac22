"""The GitHub release notes come from the CHANGELOG section of the released version."""

from __future__ import annotations

import pytest
from changelog_section import section
from release_errors import UsageError

CHANGELOG = """# Changelog

## [Unreleased]
- not yet

## [1.2.0] - 2026-11-21
### Added
- a feature

## [1.1.0]
- older
"""


def test_the_section_of_a_version_is_its_body_up_to_the_next_heading() -> None:
    assert section(CHANGELOG, "1.2.0") == "### Added\n- a feature\n"
    assert section(CHANGELOG, "1.1.0") == "- older\n"


def test_a_version_is_matched_exactly_not_as_a_prefix_or_pattern() -> None:
    with pytest.raises(UsageError, match=r"no '## \[1\.2\]' section"):
        section(CHANGELOG, "1.2")
    with pytest.raises(UsageError):
        section(CHANGELOG.replace("1.2.0", "1x2x0"), "1.2.0")


def test_an_empty_section_is_refused() -> None:
    with pytest.raises(UsageError, match="is empty"):
        section("## [2.0.0]\n\n## [1.0.0]\n- x\n", "2.0.0")
