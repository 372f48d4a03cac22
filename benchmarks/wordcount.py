r"""Benchmark the guide's word count: pure Python against sequential, parallel and threaded Rust.

Usage::

    python benchmarks/wordcount.py [--size-mb 100] [--python-size-mb 10] [--repeat 10]
                                   [--seed 2025] [--needle the] [--output-dir benchmarks]

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
  commonest word, one near 1% of words, the rarest): the Rust functions find each occurrence
  of the needle with ``memchr::memmem`` and then check its neighbours, so their speed depends
  on how often the needle occurs, even inside other words (``the`` in ``there``, ``other``).

Parallel figures need idle CPUs. The run starts and ends by timing C code that releases the
interpreter (SHA-256) in one thread and in one thread per CPU; the ratio, recorded in the
header, shows whether other processes were sharing the CPUs while the benchmark ran.

Before anything is timed, every implementation's count is checked: on the generated texts
against the number of times the generator emitted the needle, and ``search_py`` against
``search_sequential`` on the same prefix; on the Zen against ``search_py``. A wrong count
stops the run before any result is written. The first Rust call on each text is timed
separately and shown as a note: for a non-ASCII ``str`` it includes CPython building the
UTF-8 copy that it then caches on the object, so the repeated runs measure the count itself.

Sizes are UTF-8 bytes, MB = 10**6 bytes and GB = 10**9 bytes. The targets are printed with
PASS or MISS and the measured figure; timing never makes the script fail.

Writes ``results.md`` (tables) and ``wordcount.png`` (chart) into ``--output-dir``.

Exit codes: 0 the benchmark ran (whatever the timings); 1 an implementation returned a
wrong count (nothing written); 2 bad command-line arguments.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import functools
import hashlib
import io
import math
import os
import platform
import random
import re
import sys
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

import pyo3_showcase
from pyo3_showcase.text import count_words, search_py, search_sequential, search_sequential_detached

EXIT_OK = 0
EXIT_WRONG_COUNT = 1

MB = 10**6
GB = 10**9
THREAD_COUNTS = (1, 2, 4)
ZEN_REPEATS = 1000
ZEN_NEEDLE = "is"

# In rough order of frequency. The non-ASCII words are spread through the ranks so that multi-byte
# characters turn up everywhere in the mixed text.
VOCABULARY = (
    "the", "of", "and", "to", "a", "in", "is", "that", "naïve", "it", "for", "was", "on", "are",
    "as", "with", "café", "be", "this", "by", "at", "from", "東京", "or", "have", "an", "not",
    "they", "über", "which", "one", "you", "were", "all", "straße", "we", "there", "their",
    "been", "has", "привет", "more", "if", "will", "would", "other", "señor", "when", "what",
    "about", "into", "than", "them", "日本語", "these", "so", "some", "time", "déjà", "only",
    "could", "new", "python", "rust", "Ελλάδα", "thread", "parallel", "interpreter", "façade",
    "benchmark", "whitespace", "substring", "ünïcödé", "Zürich",
)  # fmt: skip
# Separator and weight; the last two are Unicode whitespace that str.split() also splits on.
SEPARATORS = (
    (" ", 80.0),
    ("\n", 10.0),
    ("\t", 3.0),
    ("  ", 3.0),
    ("\r\n", 2.0),
    ("\u00a0", 1.0),
    ("\u3000", 1.0),
)
# Word of rank r (from 1) has weight 1 / (r + ZIPF_MANDELBROT_SHIFT), the Zipf-Mandelbrot law with
# the shift fitted to English; it makes the top word ~8% of all words, as "the" is in English prose.
ZIPF_MANDELBROT_SHIFT = 2.7
GENERATOR_BLOCK_TOKENS = 1 << 16

WHITESPACE = re.compile(r"\s")  # for str patterns, \s is exactly str.isspace()


@dataclass(frozen=True)
class GeneratedText:
    """A generated text and how many times each word of the vocabulary was emitted."""

    text: str
    word_counts: Mapping[str, int]


@dataclass(frozen=True)
class Corpus:
    """A text to measure, the needle to count and the count every implementation must return."""

    name: str
    description: str
    text: str
    needle: str
    expected_count: int
    size_bytes: int
    word_counts: Mapping[str, int]


@dataclass(frozen=True)
class Measurement:
    """The best time of one implementation on (a part of) one corpus."""

    implementation: str
    threads: int
    size_bytes: int
    seconds: float
    count: int
    extrapolated: bool = False

    @property
    def bytes_per_second(self) -> float:
        """Throughput; for an extrapolated row, that of the sample it was timed on."""
        return self.size_bytes / self.seconds


@dataclass(frozen=True)
class NeedleMeasurement:
    """Sequential and parallel Rust times for one needle, and how common that needle is."""

    needle: str
    share_of_words: float
    count: int
    sequential_seconds: float
    parallel_seconds: float


@dataclass
class CorpusResult:
    """Every measurement on one corpus, plus the time of the very first Rust call on it."""

    corpus_name: str
    description: str
    needle: str
    size_bytes: int
    first_call_seconds: float
    measurements: list[Measurement] = field(default_factory=list)
    needle_sweep: list[NeedleMeasurement] = field(default_factory=list)

    def find(self, implementation: str, threads: int = 1) -> Measurement:
        """The measurement of ``implementation`` with ``threads`` threads."""
        for measurement in self.measurements:
            if measurement.implementation == implementation and measurement.threads == threads:
                return measurement
        raise KeyError((implementation, threads))


@dataclass(frozen=True)
class Target:
    """A performance goal from the project's issue and the figure measured for it."""

    description: str
    measured: float
    required: float
    unit: str

    @property
    def passed(self) -> bool:
        """Whether the measured figure reaches the goal."""
        return self.measured >= self.required

    def render(self) -> str:
        """One line: PASS/MISS, the goal, and the measured figure."""
        verdict = "PASS" if self.passed else "MISS"
        return f"{verdict}  {self.description}: measured {self.measured:.2f}{self.unit}"


class WrongCountError(Exception):
    """An implementation returned a count different from the expected one."""


PYTHON = "pure Python `search_py`"
SEQUENTIAL = "Rust `search_sequential`"
PARALLEL = "Rust `count_words(parallel=True)`"
THREADED = "Rust `search_sequential_detached` in threads"


def generate_text(size_bytes: int, seed: int, *, ascii_only: bool) -> GeneratedText:
    """Generate at least ``size_bytes`` UTF-8 bytes of words and whitespace, deterministically.

    Every token is a vocabulary word followed by a separator, so every emitted word is a whole
    word of the text and ``word_counts`` is the exact answer for any needle in the vocabulary.
    """
    words = [word for word in VOCABULARY if word.isascii() or not ascii_only]
    separators = [(sep, weight) for sep, weight in SEPARATORS if sep.isascii() or not ascii_only]
    tokens: list[str] = []
    token_words: list[str] = []
    weights: list[float] = []
    for rank, word in enumerate(words, start=1):
        for separator, separator_weight in separators:
            tokens.append(word + separator)
            token_words.append(word)
            weights.append(separator_weight / (rank + ZIPF_MANDELBROT_SHIFT))
    cumulative_weights = [0.0] * len(weights)
    running = 0.0
    for index, weight in enumerate(weights):
        running += weight
        cumulative_weights[index] = running

    rng = random.Random(seed)
    blocks: list[str] = []
    token_counts: Counter[str] = Counter()
    generated_bytes = 0
    while generated_bytes < size_bytes:
        chosen = rng.choices(tokens, cum_weights=cumulative_weights, k=GENERATOR_BLOCK_TOKENS)
        token_counts.update(chosen)
        block = "".join(chosen)
        generated_bytes += len(block.encode())
        blocks.append(block)

    word_counts: Counter[str] = Counter()
    for token, word in zip(tokens, token_words, strict=True):
        word_counts[word] += token_counts[token]
    return GeneratedText("".join(blocks), word_counts)


def generate_corpus(name: str, size_bytes: int, seed: int, needle: str, *, ascii_only: bool) -> Corpus:
    """A generated corpus of about ``size_bytes`` bytes whose expected count the generator knows."""
    generated = generate_text(size_bytes, seed, ascii_only=ascii_only)
    kind = (
        "English-like word frequencies, ASCII words and whitespace only"
        if ascii_only
        else "English-like word frequencies, ~1 word in 9 non-ASCII, mixed ASCII and Unicode whitespace"
    )
    return Corpus(
        name=name,
        description=f"generated, seed {seed}: {kind}",
        text=generated.text,
        needle=needle,
        expected_count=generated.word_counts.get(needle, 0),
        size_bytes=utf8_size(generated.text),
        word_counts=generated.word_counts,
    )


def zen_of_python() -> str:
    """The Zen of Python, as ``import this`` prints it (without printing it)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this  # noqa: PLC0415 -- importing `this` prints the Zen; only here is stdout redirected

    return codecs.decode(this.s, "rot13")


def zen_corpus() -> Corpus:
    """The PyO3 guide's benchmark text: the Zen of Python repeated 1000 times."""
    text = (zen_of_python() + "\n") * ZEN_REPEATS
    return Corpus(
        name="zen",
        description=(
            f"the Zen of Python (`import this`) x {ZEN_REPEATS}; below 2 MiB `count_words` does not split"
            " the text, so its parallel row is sequential"
        ),
        text=text,
        needle=ZEN_NEEDLE,
        expected_count=search_py(text, ZEN_NEEDLE),
        size_bytes=utf8_size(text),
        word_counts=Counter(text.split()),
    )


def utf8_size(text: str) -> int:
    """The number of bytes of ``text`` in UTF-8, which is what the Rust functions scan."""
    return len(text.encode())


def cut_before_whitespace(text: str, position: int) -> int:
    """The index of the first whitespace character at or after ``position`` (or ``len(text)``)."""
    match = WHITESPACE.search(text, position)
    return match.start() if match else len(text)


def prefix_of(text: str, size_bytes: int) -> str:
    """A prefix of ``text`` of roughly ``size_bytes`` bytes that ends at a word boundary."""
    if len(text) <= size_bytes:
        return text
    return text[: cut_before_whitespace(text, size_bytes)]


def split_into_shares(text: str, shares: int) -> list[str]:
    """Cut ``text`` into ``shares`` pieces of about equal length, each cut just before whitespace.

    No word spans two pieces, so the counts of the pieces add up to the count of ``text``.
    """
    pieces: list[str] = []
    start = 0
    for share in range(1, shares):
        end = max(start, cut_before_whitespace(text, len(text) * share // shares))
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def best_times(calls: Sequence[tuple[str, Callable[[], int], int]], repeat: int) -> list[float]:
    """The fastest of ``repeat`` runs of each ``(label, call, expected result)``; every run is checked.

    The calls take turns, one run each per round, so that a busy spell on a shared machine
    slows all of them alike and their ratios (parallel / sequential, 2 threads / 1) stay fair.
    """
    best = [math.inf] * len(calls)
    for _ in range(repeat):
        for index, (label, call, expected) in enumerate(calls):
            start = time.perf_counter()
            count = call()
            elapsed = time.perf_counter() - start
            check_count(label, count, expected)
            best[index] = min(best[index], elapsed)
    return best


def best_time(call: Callable[[], int], repeat: int, expected: int, label: str) -> float:
    """The fastest of ``repeat`` runs of ``call``, each of which must return ``expected``."""
    return best_times([(label, call, expected)], repeat)[0]


def check_count(label: str, count: int, expected: int) -> None:
    """Raise :class:`WrongCountError` unless ``count == expected``."""
    if count != expected:
        raise WrongCountError(f"{label} counted {count}, expected {expected}")


def run_in_threads(tasks: Sequence[Callable[[], int]]) -> list[int]:
    """Run each task in its own new thread, all released together by a barrier; their results."""
    results = [0] * len(tasks)
    barrier = threading.Barrier(len(tasks))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = tasks[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def count_in_threads(tasks: Sequence[Callable[[], int]]) -> int:
    """The total of the counts ``tasks`` return, each run in its own thread at the same time."""
    return sum(run_in_threads(tasks))


def hash_length(data: bytes) -> int:
    """SHA-256 ``data`` (CPython releases the interpreter while hashing large buffers)."""
    return len(hashlib.sha256(data).digest())


def parallel_capacity(threads: int, repeat: int = 5) -> float:
    """How many CPUs' worth of work ``threads`` threads get done at once on this machine now.

    Times C code that releases the interpreter (SHA-256 of 16 MB) in one thread, then in
    ``threads`` threads at once with 16 MB each. An idle machine gives ``threads`` (if it has
    that many CPUs); less means other processes are using them, and the benchmark's parallel
    figures are then lower than the code can do.
    """
    data = bytes(16 * MB)
    task = functools.partial(hash_length, data)
    single, together = best_times(
        [
            ("SHA-256 in 1 thread", functools.partial(count_in_threads, [task]), 32),
            (f"SHA-256 in {threads} threads", functools.partial(count_in_threads, [task] * threads), 32 * threads),
        ],
        repeat,
    )
    return threads * single / together


def time_python(corpus: Corpus, sample_bytes: int, repeat: int) -> Measurement:
    """Check and time ``search_py`` on a prefix of about ``sample_bytes`` of ``corpus``."""
    sample = prefix_of(corpus.text, sample_bytes)
    expected = search_sequential(sample, corpus.needle)
    check_count(f"{PYTHON} on a prefix of {corpus.name}", search_py(sample, corpus.needle), expected)
    size_bytes = utf8_size(sample)
    print(f"  timing {PYTHON} on {size_bytes / MB:.1f} MB", flush=True)
    return Measurement(
        implementation=PYTHON,
        threads=1,
        size_bytes=size_bytes,
        seconds=best_time(lambda: search_py(sample, corpus.needle), repeat, expected, PYTHON),
        count=expected,
        extrapolated=len(sample) < len(corpus.text),
    )


def sweep_needles(word_counts: Mapping[str, int], needle: str) -> list[str]:
    """``needle`` plus the commonest word, the word nearest 1% of all words, and the rarest word."""
    total = sum(word_counts.values())
    by_frequency = sorted(word_counts, key=lambda word: (-word_counts[word], word))
    near_one_percent = min(by_frequency, key=lambda word: abs(word_counts[word] / total - 0.01))
    chosen: dict[int, str] = {}  # one needle per count: equally common words tell nothing new
    for word in (by_frequency[0], near_one_percent, by_frequency[-1], needle):
        chosen[word_counts.get(word, 0)] = word
    return [chosen[count] for count in sorted(chosen, reverse=True)]


def time_needles(corpus: Corpus, repeat: int) -> list[NeedleMeasurement]:
    """Time sequential and parallel Rust on ``corpus`` for needles of different frequency."""
    text = corpus.text
    total_words = sum(corpus.word_counts.values())
    sweep: list[NeedleMeasurement] = []
    for needle in sweep_needles(corpus.word_counts, corpus.needle):
        expected = corpus.word_counts.get(needle, 0)
        print(f"  timing both Rust searches for {needle!r}", flush=True)
        sequential, parallel = best_times(
            [
                (f"{SEQUENTIAL} {needle!r}", functools.partial(search_sequential, text, needle), expected),
                (f"{PARALLEL} {needle!r}", functools.partial(count_words, text, needle, parallel=True), expected),
            ],
            repeat,
        )
        sweep.append(NeedleMeasurement(needle, expected / total_words, expected, sequential, parallel))
    return sweep


def benchmark_corpus(corpus: Corpus, python_sample_bytes: int, repeat: int) -> CorpusResult:
    """Check every implementation's count on ``corpus``, then time each of them."""
    text, needle, expected = corpus.text, corpus.needle, corpus.expected_count

    start = time.perf_counter()
    check_count(f"{SEQUENTIAL} on {corpus.name}", search_sequential(text, needle), expected)
    first_call_seconds = time.perf_counter() - start
    check_count(f"{PARALLEL} on {corpus.name}", count_words(text, needle, parallel=True), expected)
    check_count(f"{THREADED} on {corpus.name}", search_sequential_detached(text, needle), expected)
    result = CorpusResult(corpus.name, corpus.description, needle, corpus.size_bytes, first_call_seconds)
    result.measurements.append(time_python(corpus, python_sample_bytes, repeat))
    shares_by_threads = {threads: split_into_shares(text, threads) for threads in THREAD_COUNTS}
    for threads, shares in shares_by_threads.items():
        # Counting each share once checks the split and lets CPython cache each share's UTF-8.
        total = sum(search_sequential(share, needle) for share in shares)
        check_count(f"{THREADED} on {threads} shares", total, expected)
    rust_calls: list[tuple[str, int, Callable[[], int]]] = [
        (SEQUENTIAL, 1, functools.partial(search_sequential, text, needle)),
        (PARALLEL, 1, functools.partial(count_words, text, needle, parallel=True)),
    ]
    for threads, shares in shares_by_threads.items():
        tasks = [functools.partial(search_sequential_detached, share, needle) for share in shares]
        rust_calls.append((THREADED, threads, functools.partial(count_in_threads, tasks)))
    print(f"  timing {SEQUENTIAL}, {PARALLEL} and {THREADED} x {THREAD_COUNTS}, taking turns", flush=True)
    labelled = [(f"{implementation} x {threads}", call, expected) for implementation, threads, call in rust_calls]
    for (implementation, threads, _), seconds in zip(rust_calls, best_times(labelled, repeat), strict=True):
        result.measurements.append(Measurement(implementation, threads, corpus.size_bytes, seconds, expected))
    del shares_by_threads, rust_calls, labelled
    result.needle_sweep = time_needles(corpus, repeat)
    return result


@dataclass(frozen=True)
class Environment:
    """What the numbers were measured on."""

    interpreter: str
    build: str
    usable_cpus: int
    cpu_model: str
    platform: str
    package_version: str
    load_average: str


@dataclass(frozen=True)
class CpuCapacity:
    """The result of :func:`parallel_capacity` before and after the benchmark."""

    threads: int
    before: float
    after: float


def usable_cpu_count() -> int:
    """The number of CPUs this process may run on."""
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_build() -> str:
    """Whether this interpreter is a GIL build or a free-threaded one, and whether the GIL is on."""
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return "GIL build (Py_GIL_DISABLED unset)"
    is_gil_enabled: Callable[[], bool] | None = getattr(sys, "_is_gil_enabled", None)
    runtime = "GIL re-enabled at run time" if is_gil_enabled and is_gil_enabled() else "GIL disabled"
    return f"free-threaded build (Py_GIL_DISABLED=1), {runtime}"


def cpu_model() -> str:
    """The CPU's marketing name, where the platform tells it."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def describe_environment() -> Environment:
    """Describe the interpreter, build and machine."""
    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return Environment(
        interpreter=f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        build=describe_build(),
        usable_cpus=usable_cpu_count(),
        cpu_model=cpu_model(),
        platform=platform.platform(),
        package_version=pyo3_showcase.__version__,
        load_average=load,
    )


def evaluate_targets(results: Mapping[str, CorpusResult], cpus: int) -> list[Target]:
    """The four goals of the project's issue, measured on the mixed and ASCII corpora."""
    mixed, ascii_text = results["mixed"], results["ascii"]
    sequential = mixed.find(SEQUENTIAL).bytes_per_second
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
    ]


def render_markdown(
    environment: Environment,
    capacity: CpuCapacity,
    results: Sequence[CorpusResult],
    targets: Sequence[Target],
    repeat: int,
) -> str:
    """The results as a Markdown document: environment, one table per corpus, targets."""
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
    lines += ["## Targets", "", "| Target | Measured | Result |", "|---|--:|---|"]
    lines += [
        f"| {target.description} | {target.measured:.2f}{target.unit} | {'PASS' if target.passed else 'MISS'} |"
        for target in targets
    ]
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
        default=Path(__file__).resolve().parent,
        help="where results.md and wordcount.png go (default: this script's directory)",
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

    capacity = CpuCapacity(probe_threads, capacity_before, parallel_capacity(probe_threads))
    targets = evaluate_targets(results, environment.usable_cpus)
    markdown = render_markdown(environment, capacity, list(results.values()), targets, arguments.repeat)
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
