r"""Benchmark the guide's word count, the cost of a call into the extension, and its wheel's size.

The word count: pure Python against sequential, parallel and threaded Rust.

Usage::

    python benchmarks/wordcount.py [--size-mb 100] [--python-size-mb 10] [--repeat 10]
                                   [--seed 2025] [--needle the] [--output-dir benchmarks]
                                   [--wheel dist/pyo3_showcase-...-cp310-abi3-manylinux_2_28_x86_64.whl]

Run it with an interpreter that has a *release* wheel of pyo3-showcase installed (a
``maturin develop`` debug build is many times slower and measures nothing useful) plus the
``bench`` dependency group (matplotlib)::

    maturin build --release -o dist && pip install dist/pyo3_showcase-*.whl matplotlib
    python benchmarks/wordcount.py

Three texts are measured, one after the other so that only one is in memory at a time:

``mixed``
    ``--size-mb`` of generated text: words drawn with a seeded ``random.Random`` from a fixed
    vocabulary of 74 words with English-like (Zipf-Mandelbrot) frequencies -- the commonest,
    ``the``, is ~8% of all words; about one word in nine is non-ASCII, e.g. ``naïve``, ``東京`` --
    separated by mixed whitespace (spaces, newlines, tabs, ``\r\n``, no-break and ideographic
    spaces). The same seed always gives the same text.
``ascii``
    The same generator restricted to ASCII words and ASCII whitespace; the GB/s target is
    measured on it. On both generated texts the needle is ``--needle`` (default ``the``, the
    commonest English word: a demanding but ordinary search).
``zen``
    The Zen of Python (``import this``) repeated 1000 times, needle ``is``, as in the PyO3 guide.

On each text it times, best of ``--repeat`` runs with ``time.perf_counter`` (the Rust calls
take turns, one run each per round, so that a busy spell slows all of them alike):

* ``search_py`` -- the pure-Python reference. On the generated texts it runs on a
  ``--python-size-mb`` prefix only (``str.split`` of 100 MB needs gigabytes of word objects);
  its throughput is extrapolated to the whole text, and the table marks such rows.
* ``search_sequential`` -- Rust on one thread, holding the interpreter.
* ``count_words(..., parallel=True)`` -- Rust split across all cores with rayon.
* ``search_sequential_detached`` from N = 1, 2, 4 Python threads at once, each on its own
  share of the text (the text cut into N pieces at whitespace); the figure is the aggregate
  throughput, whole text / wall time. This shows whether releasing the interpreter lets
  threads scale, on a GIL build or a free-threaded one (the header records which). Each run
  starts its threads, which costs tens of microseconds: noticeable on the small Zen text only.
* ``search_sequential`` and ``count_words`` again for needles of different frequency (the
  commonest word, one near 1% of words, the rarest): the Rust functions search the first 64 KiB
  with ``memchr::memmem``, which stops at each occurrence of the needle, even inside other words
  (``the`` in ``there``, ``other``); for a needle that turned out common they scan the rest
  eight byte positions at a time instead (``crate/src/text.rs``), so their speed still depends
  on how often the needle occurs.

Parallel figures need idle CPUs. The run starts and ends by timing C code that releases the
interpreter (SHA-256) in one thread and in one thread per CPU; the ratio, recorded in the
header, shows whether other processes were sharing the CPUs while the benchmark ran.

Before anything is timed, every implementation's count is checked: on the generated texts
against the number of times the generator emitted the needle, and ``search_py`` against
``search_sequential`` on the same prefix; on the Zen against ``search_py``. A wrong count
stops the run before any result is written. The first Rust call on each text is timed
separately and shown as a note: for a non-ASCII ``str`` it includes CPython building the
UTF-8 copy that it then caches on the object, so the repeated runs measure the count itself.

Calls: ``add(1, 2)`` against ``operator.add(1, 2)``, and the method ``get()`` of a ``Counter``
(a ``#[pyclass]``) against the same method of a Python class, each a statement timed in a loop as
``timeit`` does (nanoseconds per call, the loop included; the empty loop is shown too), best of
``--repeat`` runs of 200,000 calls, the four taking turns.

Wheel: the size of the abi3 manylinux x86_64 wheel given with ``--wheel`` (default: the one wheel
of the installed version in ``dist/``), judged only if its extension module is byte for byte the
one installed, so the figures and the size are of the same build. The target is for the wheel the
release ships, linked with zig for glibc 2.28 (``maturin build --release --zig --compatibility
manylinux_2_28``); one linked for the host's glibc differs by a few KB (benchmarks/wheel-size.md).

The modules beside this script hold the parts: ``corpus.py`` the texts, ``timing.py`` the timing
(and the checks), ``machine.py`` what the figures were measured on, ``report.py`` the targets,
tables and chart.

Sizes are UTF-8 bytes, MB = 10**6 bytes and GB = 10**9 bytes. The targets are printed with
PASS or MISS and the measured figure; timing never makes the script fail.

Writes ``results.md`` (tables) and ``wordcount.png`` (chart) into ``--output-dir``.

Exit codes: 0 the benchmark ran (whatever the timings); 1 an implementation returned a
wrong count (nothing written); 2 bad command-line arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from corpus import MB, VOCABULARY, Corpus, generate_corpus, zen_corpus
from machine import CpuCapacity, describe_environment, find_wheel, measure_wheel
from report import Findings, draw_chart, evaluate_targets, render_markdown
from timing import CorpusResult, WrongCountError, benchmark_corpus, parallel_capacity, time_calls

EXIT_OK = 0
EXIT_WRONG_COUNT = 1

BENCHMARKS = Path(__file__).resolve().parent
DIST = BENCHMARKS.parent / "dist"


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=float, default=100.0, help="size of each generated text (default 100)")
    parser.add_argument(
        "--python-size-mb",
        type=float,
        default=10.0,
        help="prefix of each generated text that pure Python is timed on (default 10)",
    )
    parser.add_argument("--repeat", type=int, default=10, help="runs per measurement; the best counts (default 10)")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the text generator (default 2025)")
    parser.add_argument(
        "--needle", default="the", help="word counted in the generated texts, from VOCABULARY (default 'the')"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=BENCHMARKS,
        help="where results.md and wordcount.png go (default: this script's directory)",
    )
    parser.add_argument(
        "--wheel",
        type=Path,
        default=None,
        help="the abi3 manylinux x86_64 wheel installed here, for the size target (default: the one in dist/)",
    )
    arguments = parser.parse_args(argv)
    if arguments.size_mb <= 0 or arguments.python_size_mb <= 0:
        parser.error("--size-mb and --python-size-mb must be positive")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    ascii_words = [word for word in VOCABULARY if word.isascii()]
    if arguments.needle not in ascii_words:
        parser.error(f"--needle must be one of the generator's ASCII words: {' '.join(ascii_words)}")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print and write the results; see the module docstring."""
    arguments = parse_arguments(argv)
    size_bytes = int(arguments.size_mb * MB)
    python_sample_bytes = int(arguments.python_size_mb * MB)
    environment = describe_environment()
    print(f"{environment.interpreter}; {environment.build}; {environment.usable_cpus} usable CPUs", flush=True)
    probe_threads = max(2, environment.usable_cpus)
    capacity_before = parallel_capacity(probe_threads)
    print(f"{probe_threads} threads of C hashing ran {capacity_before:.2f}x one thread", flush=True)

    corpus_makers: list[tuple[str, Callable[[], Corpus]]] = [
        (
            "mixed",
            lambda: generate_corpus("mixed", size_bytes, arguments.seed, arguments.needle, ascii_only=False),
        ),
        (
            "ascii",
            lambda: generate_corpus("ascii", size_bytes, arguments.seed, arguments.needle, ascii_only=True),
        ),
        ("zen", zen_corpus),
    ]
    results: dict[str, CorpusResult] = {}
    for name, make_corpus in corpus_makers:
        start = time.perf_counter()
        corpus = make_corpus()
        print(f"{name}: {corpus.size_bytes / MB:.1f} MB in {time.perf_counter() - start:.1f} s", flush=True)
        try:
            results[name] = benchmark_corpus(corpus, python_sample_bytes, arguments.repeat)
        except WrongCountError as error:
            print(f"error: {error}; fix the implementation before benchmarking it (nothing written)", file=sys.stderr)
            return EXIT_WRONG_COUNT
        del corpus

    print("calls: add(1, 2) against operator.add(1, 2), Counter().get() against a Python class's", flush=True)
    try:
        calls = time_calls(arguments.repeat)
    except WrongCountError as error:
        print(f"error: {error} (nothing written)", file=sys.stderr)
        return EXIT_WRONG_COUNT
    wheel_path = arguments.wheel or find_wheel(DIST)
    wheel = measure_wheel(wheel_path) if wheel_path else None

    capacity = CpuCapacity(probe_threads, capacity_before, parallel_capacity(probe_threads))
    findings = Findings(environment, capacity, list(results.values()), calls, wheel, arguments.repeat)
    targets = evaluate_targets(results, environment.usable_cpus, calls, wheel)
    markdown = render_markdown(findings, targets)
    output_dir: Path = arguments.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "results.md").write_text(markdown, encoding="utf-8")
    draw_chart(environment, list(results.values()), output_dir / "wordcount.png")
    print()
    print(markdown)
    for target in targets:
        print(target.render())
    print(f"wrote {output_dir / 'results.md'} and {output_dir / 'wordcount.png'}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
