"""A pytest plugin that records the examples each property test runs with, for test_release_profile.py.

Loaded with `-p example_recorder`; writes {test: [repr of each example's arguments]} as JSON to the
file PYO3_SHOWCASE_RECORD_EXAMPLES names, when the session ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import is_hypothesis_test

RECORD = "PYO3_SHOWCASE_RECORD_EXAMPLES"
recorded: dict[str, list[str]] = {}


def recording(name: str, inner: Callable[..., Any]) -> Callable[..., Any]:
    """INNER, noting the arguments of every call under NAME first."""

    def record_then_run(*args: Any, **kwargs: Any) -> Any:
        recorded.setdefault(name, []).append(repr((args, sorted(kwargs.items()))))
        return inner(*args, **kwargs)

    return record_then_run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Wrap each property test's inner test (Hypothesis' documented hook) once."""
    wrapped: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        if isinstance(item, pytest.Function) and is_hypothesis_test(test) and id(test) not in wrapped:
            wrapped.add(id(test))
            hypothesis = test.hypothesis  # type: ignore[union-attr]
            hypothesis.inner_test = recording(item.nodeid.split("[")[0], hypothesis.inner_test)


def pytest_sessionfinish() -> None:
    """Write what was recorded."""
    if target := os.environ.get(RECORD):
        Path(target).write_text(json.dumps(recorded, indent=1, sort_keys=True), encoding="utf-8")
