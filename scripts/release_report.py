"""What the main job (scripts/release.py) tells: each stage, each file, each wheel on each interpreter.

Printed as a table at the end and written to OUT/report.json, whatever happened; each stage also
says when it starts and how it ended, as it goes.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

STAGES = (
    "preflight",
    "version gate",
    "sdist",
    "wheels",
    "audit",
    "test",
    "expected set",
    "publish",
    "post-publish",
)


@dataclass
class StageRecord:
    """How one stage went."""

    name: str
    status: str = "not run"  # "passed", "failed", "interrupted" or "not run"
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Cell:
    """One wheel on one interpreter: "passed", "failed", or why it did not run here."""

    wheel: str
    interpreter: str
    result: str
    seconds: float = 0.0


@dataclass
class Report:
    """Everything the summary table and report.json show."""

    version: str = ""
    index_url: str = ""
    stages: list[StageRecord] = field(default_factory=lambda: [StageRecord(name) for name in STAGES])
    files: dict[str, int] = field(default_factory=dict)  # file name -> size in bytes
    cells: list[Cell] = field(default_factory=list)
    post_publish: list[Cell] = field(default_factory=list)

    def stage(self, name: str) -> StageRecord:
        """The record of the stage called ``name``."""
        return next(record for record in self.stages if record.name == name)

    def write_json(self, path: Path) -> None:
        """Write the report atomically: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".partial") as handle:
            json.dump(asdict(self), handle, indent=2)
        Path(handle.name).replace(path)

    def table(self) -> str:
        """The human summary: stages with durations, files with sizes, wheel x interpreter results."""
        lines = [f"pyo3-showcase {self.version or '?'} release" + (f" -> {self.index_url}" if self.index_url else "")]
        lines.append("")
        lines.append(f"{'stage':14} {'result':8} {'seconds':>8}  detail")
        for record in self.stages:
            lines.append(f"{record.name:14} {record.status:8} {record.seconds:8.1f}  {record.detail}")
        if self.files:
            lines.append("")
            lines.append(f"{'file':70} {'bytes':>10}")
            lines.extend(f"{name:70} {size:>10,}" for name, size in sorted(self.files.items()))
        for title, cells in (("tests", self.cells), ("installed back from the index", self.post_publish)):
            if cells:
                lines.append("")
                lines.append(f"{title}:")
                lines.append(f"{'wheel':62} {'interpreter':12} {'seconds':>7}  result")
                lines.extend(
                    f"{cell.wheel:62} {cell.interpreter:12} {cell.seconds:7.1f}  {cell.result}" for cell in cells
                )
        return "\n".join(lines)


@contextmanager
def stage(report: Report, name: str) -> Iterator[StageRecord]:
    """Time a stage, print its progress, and record how it ended (a failure propagates)."""
    record = report.stage(name)
    number = STAGES.index(name) + 1
    print(f"\n[{number}/{len(STAGES)}] {name} ...", flush=True)
    started = time.monotonic()
    try:
        yield record
    except BaseException as error:
        record.status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        record.detail = record.detail or (str(error).splitlines() or [type(error).__name__])[0]
        raise
    finally:
        record.seconds = time.monotonic() - started
    record.status = "passed"
    print(f"[{number}/{len(STAGES)}] {name}: passed in {record.seconds:.1f} s  {record.detail}", flush=True)
