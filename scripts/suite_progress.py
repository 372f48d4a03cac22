"""How the suites of scripts/test_wheels.py are doing: a live table on a terminal, else one line per step.

A CI log is no terminal even when FORCE_COLOR makes rich think so (project.on_a_terminal): a table
redrawn twice a second would add a line to the log each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from project import on_a_terminal
from rich.console import Console
from rich.live import Live
from rich.table import Table

if TYPE_CHECKING:
    from test_wheels import Outcome


def progress_table(outcomes: list[Outcome]) -> Table:
    """The live view: one row per suite."""
    table = Table(box=None, pad_edge=False)
    for column in ("suite", "version", "step", "pytest", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for outcome in outcomes:
        style = "green" if outcome.status == "passed" else "red" if outcome.status else ""
        version = outcome.run.interpreter.version
        row = [outcome.run.name, version, outcome.step, outcome.progress, f"{outcome.elapsed:.0f}"]
        table.add_row(*row, style=style)
    return table


@contextmanager
def progress(console: Console, outcomes: list[Outcome]) -> Iterator[Callable[[Outcome, str], None]]:
    """Show how the suites are doing: a live table on a terminal, else one line per step.

    Yields the function each suite calls when it starts or ends.
    """
    lock = threading.Lock()

    def line(outcome: Outcome, event: str) -> None:
        with lock:
            console.print(f"{outcome.run.name}: {event}", highlight=False)

    if not on_a_terminal(console.file):
        yield line
        return
    with Live(progress_table(outcomes), console=console, refresh_per_second=2) as live:
        stop = threading.Event()

        def refresh() -> None:
            while not stop.wait(0.5):
                live.update(progress_table(outcomes))

        refresher = threading.Thread(target=refresh, daemon=True)
        refresher.start()
        try:
            yield lambda outcome, event: None
        finally:
            stop.set()
            refresher.join()
            live.update(progress_table(outcomes))
