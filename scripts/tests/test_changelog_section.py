"""The GitHub release notes come from the CHANGELOG section of the released version."""

from __future__ import annotations

import pytest
from changelog_section import section
from release_errors import VersionGateError

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
    with pytest.raises(VersionGateError, match=r"no '## \[1\.20\]' section"):
        section(CHANGELOG, "1.20")
    with pytest.raises(VersionGateError):
        section(CHANGELOG.replace("1.2.0", "1x2x0"), "1.2.0")


def test_an_empty_section_is_refused() -> None:
    with pytest.raises(VersionGateError, match="is empty"):
        section("## [2.0.0]\n\n## [1.0.0]\n- x\n", "2.0.0")


def test_versions_are_compared_as_pep_440_versions() -> None:
    changelog = "## [1.3.0-rc.1] - 2026-12-01\n- a candidate\n\n## [1.2.0]\n- a release\n"
    assert section(changelog, "1.3.0rc1") == "- a candidate\n"
    assert section(changelog, "1.3.0-rc1") == "- a candidate\n"
    with pytest.raises(VersionGateError, match=r"no '## \[1\.3\.0\]' section"):
        section(changelog, "1.3.0")
