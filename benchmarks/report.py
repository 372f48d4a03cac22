"""The benchmark's report: the targets with PASS or MISS, the Markdown tables and the chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus import MB
from machine import CpuCapacity, Environment, WheelSize
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from timing import PARALLEL, PYTHON, SEQUENTIAL, THREAD_COUNTS, THREADED, CallOverhead, CorpusResult

GB = 10**9
KB = 10**3
WHEEL_SIZE_LIMIT_KB = 400.0


@dataclass(frozen=True)
class Target:
    """A performance goal from the project's issue and the figure measured for it (None: not measured)."""

    description: str
    measured: float | None
    required: float
    unit: str
    at_most: bool = False  # the figure must not exceed `required` (sizes, costs) instead of reaching it

    @property
    def verdict(self) -> str:
        """PASS or MISS, or n/a when there was nothing to measure."""
        if self.measured is None:
            return "n/a"
        passed = self.measured <= self.required if self.at_most else self.measured >= self.required
        return "PASS" if passed else "MISS"

    @property
    def figure(self) -> str:
        """The measured figure with its unit."""
        return "not measured" if self.measured is None else f"{self.measured:.2f}{self.unit}"

    def render(self) -> str:
        """One line: PASS/MISS, the goal, and the measured figure."""
        measured = "not measured" if self.measured is None else f"measured {self.figure}"
        return f"{self.verdict:4}  {self.description}: {measured}"


def evaluate_targets(
    results: Mapping[str, CorpusResult], cpus: int, calls: CallOverhead, wheel: WheelSize | None
) -> list[Target]:
    """The goals of the project's issues, measured on the mixed and ASCII corpora, the calls and the wheel."""
    mixed, ascii_text = results["mixed"], results["ascii"]
    sequential = mixed.find(SEQUENTIAL).bytes_per_second
    wheel_kb = wheel.size_bytes / KB if wheel and wheel.is_installed else None
    return [
        Target(
            "Rust sequential >= 10x pure Python (mixed corpus)",
            sequential / mixed.find(PYTHON).bytes_per_second,
            10.0,
            "x",
        ),
        Target(
            f"Rust parallel >= 1.8x Rust sequential on 2 cores (mixed corpus, {cpus} usable CPUs)",
            mixed.find(PARALLEL).bytes_per_second / sequential,
            1.8,
            "x",
        ),
        Target(
            ">= 1.5 GB/s per core, Rust sequential on ASCII text (ascii corpus)",
            ascii_text.find(SEQUENTIAL).bytes_per_second / GB,
            1.5,
            " GB/s",
        ),
        Target(
            "2 Python threads calling the detached search >= 1.8x one thread (mixed corpus, aggregate)",
            mixed.find(THREADED, 2).bytes_per_second / mixed.find(THREADED, 1).bytes_per_second,
            1.8,
            "x",
        ),
        Target("`add(1, 2)` <= 1.5x the time of `operator.add(1, 2)`", calls.add_ratio, 1.5, "x", at_most=True),
        Target(
            f"abi3 manylinux x86_64 wheel <= {WHEEL_SIZE_LIMIT_KB:.0f} KB (KB = 1000 bytes)",
            wheel_kb,
            WHEEL_SIZE_LIMIT_KB,
            " KB",
            at_most=True,
        ),
    ]


def render_calls(calls: CallOverhead) -> list[str]:
    """The call-overhead table."""
    return [
        "## Calls",
        "",
        "Nanoseconds per call of a statement timed in a loop, as `timeit` does (the loop alone:"
        f" {calls.empty_loop:.1f} ns), best of the runs, the pairs taking turns.",
        "",
        "| Call | ns per call | Compared with | ns per call | Ratio |",
        "|---|--:|---|--:|--:|",
        f"| `add(1, 2)` (Rust) | {calls.rust_add:.1f} | `operator.add(1, 2)` (C) | {calls.operator_add:.1f} "
        f"| {calls.add_ratio:.2f} |",
        f"| `Counter().get()` (#[pyclass]) | {calls.rust_method:.1f} | the same method of a Python class "
        f"| {calls.python_method:.1f} | {calls.method_ratio:.2f} |",
        "",
    ]


def render_wheel(wheel: WheelSize | None) -> list[str]:
    """Which wheel the size target was measured on."""
    if wheel is None:
        return [
            "## Wheel",
            "",
            "No wheel to measure: pass `--wheel PATH` (the abi3 manylinux x86_64 wheel installed here).",
            "",
        ]
    installed = "the one installed here" if wheel.is_installed else "NOT the build installed here, so not judged"
    return [
        "## Wheel",
        "",
        f"`{wheel.path.name}`: {wheel.size_bytes:,} bytes; its extension module is {installed}.",
        "",
    ]


@dataclass(frozen=True)
class Findings:
    """Everything one run measured, and on what."""

    environment: Environment
    capacity: CpuCapacity
    results: Sequence[CorpusResult]
    calls: CallOverhead
    wheel: WheelSize | None
    repeat: int


def render_markdown(findings: Findings, targets: Sequence[Target]) -> str:
    """The results as a Markdown document: environment, one table per corpus, calls, wheel, targets."""
    environment, capacity, results, repeat = findings.environment, findings.capacity, findings.results, findings.repeat
    lines = [
        "# Word-count benchmark",
        "",
        "Generated by `benchmarks/wordcount.py`; its docstring explains what is measured.",
        "",
        f"- Interpreter: {environment.interpreter}",
        f"- Build: {environment.build}",
        f"- CPUs: {environment.usable_cpus} usable; {environment.cpu_model}",
        f"- Platform: {environment.platform}",
        f"- pyo3-showcase {environment.package_version}",
        f"- Load average at start (1, 5, 15 min): {environment.load_average}",
        f"- Other load check: {capacity.threads} threads of C hashing (no interpreter held) ran"
        f" {capacity.before:.2f}x one thread before the benchmark and {capacity.after:.2f}x after"
        f" ({capacity.threads:.2f}x = the CPUs were free; less = other processes shared them).",
        f"- Best of {repeat} runs; sizes are UTF-8 bytes, MB = 10^6 bytes.",
        "",
    ]
    for result in results:
        python = result.find(PYTHON)
        sequential = result.find(SEQUENTIAL)
        lines += [
            f"## `{result.corpus_name}`: {result.size_bytes / MB:.1f} MB, needle `{result.needle}`",
            "",
            f"{result.description}.",
            "",
            "| Implementation | Threads | Bytes timed | Count | Best ms | MB/s | x pure Python | x Rust sequential |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for measurement in result.measurements:
            marker = " *" if measurement.extrapolated else ""
            speed = measurement.bytes_per_second
            lines.append(
                f"| {measurement.implementation}{marker} | {measurement.threads} | {measurement.size_bytes:,} "
                f"| {measurement.count:,} | {measurement.seconds * 1000:.3g} | {speed / MB:,.0f} "
                f"| {speed / python.bytes_per_second:.1f} | {speed / sequential.bytes_per_second:.2f} |"
            )
        lines.append("")
        if python.extrapolated:
            lines += [
                f"\\* timed on the first {python.size_bytes / MB:.1f} MB only; its MB/s (and every speed-up"
                f" against it) is extrapolated to the whole {result.size_bytes / MB:.1f} MB.",
                "",
            ]
        lines += [
            f"First Rust call on this text: {result.first_call_seconds * 1000:.3g} ms"
            " (for a non-ASCII `str` this includes CPython building the cached UTF-8 copy).",
            "",
            "Rust throughput by needle frequency:",
            "",
            "| Needle | Share of words | Count | Sequential MB/s | Parallel MB/s | Parallel / sequential |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        for sweep in result.needle_sweep:
            sequential_speed = result.size_bytes / sweep.sequential_seconds
            parallel_speed = result.size_bytes / sweep.parallel_seconds
            lines.append(
                f"| `{sweep.needle}` | {sweep.share_of_words:.2%} | {sweep.count:,} | {sequential_speed / MB:,.0f} "
                f"| {parallel_speed / MB:,.0f} | {parallel_speed / sequential_speed:.2f} |"
            )
        lines.append("")
    lines += render_calls(findings.calls) + render_wheel(findings.wheel)
    lines += ["## Targets", "", "| Target | Measured | Result |", "|---|--:|---|"]
    lines += [f"| {target.description} | {target.figure} | {target.verdict} |" for target in targets]
    lines.append("")
    return "\n".join(lines)


def draw_chart(environment: Environment, results: Sequence[CorpusResult], path: Path) -> None:
    """Throughput per implementation and corpus, and thread scaling, as a PNG (Agg backend)."""
    figure = Figure(figsize=(18, 6), layout="constrained")
    FigureCanvasAgg(figure)
    throughput_axes, scaling_axes, needle_axes = figure.subplots(1, 3, width_ratios=(3, 2, 2))

    implementations = (PYTHON, SEQUENTIAL, PARALLEL)
    colours = ("tab:gray", "tab:orange", "tab:red")
    width = 0.8 / len(implementations)
    for offset, (implementation, colour) in enumerate(zip(implementations, colours, strict=True)):
        positions = [index + (offset - 1) * width for index in range(len(results))]
        speeds = [result.find(implementation).bytes_per_second / MB for result in results]
        label = implementation.replace("`", "")
        bars = throughput_axes.bar(positions, speeds, width, label=label, color=colour)
        throughput_axes.bar_label(bars, labels=[f"{speed:,.0f}" for speed in speeds], fontsize=8, padding=2)
    throughput_axes.set_yscale("log")
    throughput_axes.set_xticks(
        range(len(results)), [f"{result.corpus_name}\n({result.size_bytes / MB:.1f} MB)" for result in results]
    )
    throughput_axes.set_ylabel("throughput, MB/s (log scale; higher is better)")
    throughput_axes.set_title("Word count throughput (pure Python extrapolated from a sample)")
    throughput_axes.legend(loc="upper left", fontsize=9)
    throughput_axes.margins(y=0.15)

    for result in results:
        one_thread = result.find(THREADED, 1).bytes_per_second
        speedups = [result.find(THREADED, threads).bytes_per_second / one_thread for threads in THREAD_COUNTS]
        scaling_axes.plot(THREAD_COUNTS, speedups, marker="o", label=result.corpus_name)
    scaling_axes.plot(THREAD_COUNTS, THREAD_COUNTS, linestyle=":", color="black", label="ideal (linear)")
    scaling_axes.axhline(environment.usable_cpus, linestyle="--", color="gray", label="usable CPUs")
    scaling_axes.set_xticks(THREAD_COUNTS)
    scaling_axes.set_ylim(bottom=0)
    scaling_axes.set_xlabel("Python threads, each on its share of the text")
    scaling_axes.set_ylabel("aggregate throughput / one thread")
    scaling_axes.set_title("search_sequential_detached in N threads")
    scaling_axes.legend(fontsize=9)
    scaling_axes.grid(alpha=0.3)

    for result in results:
        shares = [sweep.share_of_words * 100 for sweep in result.needle_sweep]
        speeds = [result.size_bytes / sweep.sequential_seconds / GB for sweep in result.needle_sweep]
        needle_axes.plot(shares, speeds, marker="o", label=result.corpus_name)
        for sweep, share, speed in zip(result.needle_sweep, shares, speeds, strict=True):
            needle_axes.annotate(sweep.needle, (share, speed), textcoords="offset points", xytext=(4, 4), fontsize=8)
    needle_axes.axhline(1.5, linestyle="--", color="gray", label="target 1.5 GB/s")
    needle_axes.set_xscale("log")
    needle_axes.set_yscale("log")
    needle_axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}%"))
    needle_axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    needle_axes.set_xlabel("needle's share of all words, % (log scale)")
    needle_axes.set_ylabel("Rust sequential, GB/s (log scale)")
    needle_axes.set_title("search_sequential by needle frequency")
    needle_axes.legend(fontsize=9)
    needle_axes.grid(alpha=0.3)

    figure.suptitle(
        f"pyo3-showcase {environment.package_version} - {environment.interpreter.split(' (')[0]}, "
        f"{environment.build.split(' (')[0]}, {environment.usable_cpus} CPUs"
    )
    figure.savefig(path, dpi=120)
