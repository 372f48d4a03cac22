"""Progress in a CI log is one line per step, also where FORCE_COLOR makes rich see a terminal.

The workflows set FORCE_COLOR for coloured logs; rich's Console then says it is a terminal, and a
live table redrawn twice a second once added hundreds of lines to a single job's log.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from project import on_a_terminal
from rich.console import Console
from suite_progress import progress
from test_wheels import Outcome


def test_a_coloured_ci_log_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    log = io.StringIO()
    assert Console(file=log).is_terminal, "rich's own answer, which progress must not follow"
    assert not on_a_terminal(log)


def test_each_suite_step_is_one_line_in_a_coloured_ci_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    log = io.StringIO()
    outcome = Outcome(SimpleNamespace(name="cp311"), log=tmp_path / "cp311.log")  # type: ignore[arg-type]
    with progress(Console(file=log), [outcome]) as say:
        say(outcome, "started")
        say(outcome, "passed in 1.0 s")
    assert [line for line in log.getvalue().splitlines() if line.strip()] == [
        "cp311: started",
        "cp311: passed in 1.0 s",
    ]
