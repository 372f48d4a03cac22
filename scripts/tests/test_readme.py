"""The README's support table is the one wheels.toml generates, so the two cannot drift apart."""

from __future__ import annotations

import re

from conftest import REPO
from expected_wheels import load, markdown_table


def test_readme_support_table_is_generated_from_wheels_toml() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- support-table:[^\n]*-->\n(.*?)\n<!-- end support-table -->", readme, re.DOTALL)
    assert found is not None, "README.md lost its support-table markers"
    assert found.group(1).strip() == markdown_table(load()).strip()
