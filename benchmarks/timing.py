"""Timing the word count (every count checked first) and the cost of a call into the extension.

``benchmarks/wordcount.py``'s docstring describes what is measured.
"""

from __future__ import annotations

import functools
import hashlib
import math
import operator
import threading
import time
import timeit
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from corpus import MB, Corpus, prefix_of, split_into_shares, utf8_size

from pyo3_showcase import Counter, add
from pyo3_showcase.text import count_words, search_py, search_sequential, search_sequential_detached

THREAD_COUNTS = (1, 2, 4)


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


class WrongCountError(Exception):
    """An implementation returned a count different from the expected one."""


PYTHON = "pure Python `search_py`"
SEQUENTIAL = "Rust `search_sequential`"
PARALLEL = "Rust `count_words(parallel=True)`"
THREADED = "Rust `search_sequential_detached` in threads"


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


# The cost of a call into the extension, against the same call into C code of CPython's own: a
# function with two arguments, and a method of a class instance.


class PythonCounter:
    """The Python class a #[pyclass] method call is compared with: ``Counter.get`` in Python."""

    def __init__(self) -> None:
        """A counter at 0."""
        self.value = 0

    def get(self) -> int:
        """Return the current value."""
        return self.value


@dataclass(frozen=True)
class CallOverhead:
    """Nanoseconds per call (a statement timed in a loop, as ``timeit`` does) of each pair compared."""

    empty_loop: float
    rust_add: float
    operator_add: float
    rust_method: float
    python_method: float

    @property
    def add_ratio(self) -> float:
        """``add(1, 2)`` over ``operator.add(1, 2)``."""
        return self.rust_add / self.operator_add

    @property
    def method_ratio(self) -> float:
        """``Counter().get()`` (a #[pyclass]) over the same method of a Python class."""
        return self.rust_method / self.python_method


CALLS_PER_TIMING = 200_000


def time_calls(repeat: int) -> CallOverhead:
    """Time each call ``repeat`` times, taking turns like :func:`best_times`; the best of each, per call."""
    namespace = {"add": add, "operator": operator, "rust": Counter(), "python": PythonCounter()}
    if add(1, 2) != operator.add(1, 2) or namespace["rust"].get() != namespace["python"].get():  # type: ignore[attr-defined]
        raise WrongCountError("add(1, 2) or Counter().get() returned another value than its Python counterpart")
    statements = ("pass", "add(1, 2)", "operator.add(1, 2)", "rust.get()", "python.get()")
    timers = [timeit.Timer(statement, globals=namespace) for statement in statements]
    best = [math.inf] * len(timers)
    for _ in range(repeat):
        for index, timer in enumerate(timers):
            best[index] = min(best[index], timer.timeit(CALLS_PER_TIMING))
    return CallOverhead(*(seconds / CALLS_PER_TIMING * 1e9 for seconds in best))
