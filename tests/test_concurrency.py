"""Counters and lazy configuration stay exact when many threads use them at once, free-threaded Python included."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Protocol

import pytest
from runtime import FREE_THREADED
from threads import run_in_threads

from pyo3_showcase import FrozenCounter, LazyConfig, LockCounter, concurrency

THREADS = 8
INCREMENTS = 10_000


class CounterLike(Protocol):
    def increment(self) -> int: ...

    def get(self) -> int: ...


COUNTERS = pytest.mark.parametrize("make_counter", [FrozenCounter, LockCounter], ids=["FrozenCounter", "LockCounter"])


def test_concurrency_module_exports_its_classes_under_their_public_module() -> None:
    assert sorted(concurrency.__all__) == ["FrozenCounter", "LazyConfig", "LockCounter"]
    for name in concurrency.__all__:
        assert getattr(concurrency, name).__module__ == "pyo3_showcase.concurrency", name


@COUNTERS
def test_counter_starts_at_zero_and_increment_returns_the_new_value(make_counter: Callable[[], CounterLike]) -> None:
    counter = make_counter()
    assert counter.get() == 0
    assert [counter.increment() for _ in range(3)] == [1, 2, 3]
    assert counter.get() == 3


@COUNTERS
def test_counters_are_independent(make_counter: Callable[[], CounterLike]) -> None:
    first, second = make_counter(), make_counter()
    first.increment()
    assert (first.get(), second.get()) == (1, 0)


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
@COUNTERS
def test_counter_counts_every_increment_from_eight_threads(
    make_counter: Callable[[], CounterLike], interleaving_threads: None
) -> None:
    counter = make_counter()

    def increment_many(_: int) -> list[int]:
        return [counter.increment() for _ in range(INCREMENTS)]

    returned = run_in_threads(THREADS, increment_many)
    assert counter.get() == THREADS * INCREMENTS == 80_000
    # Every increment saw a distinct new value, and each thread saw its own values rise.
    assert sorted(value for values in returned for value in values) == list(range(1, THREADS * INCREMENTS + 1))
    assert all(values == sorted(values) for values in returned)


def test_lazy_config_computes_its_data_on_first_use_only() -> None:
    config = LazyConfig()
    assert config.initializations == 0
    assert config.get_data() == "Initialized Data"
    assert config.initializations == 1
    assert [config.get_data() for _ in range(3)] == ["Initialized Data"] * 3
    assert config.initializations == 1


def test_each_lazy_config_initializes_separately() -> None:
    first, second = LazyConfig(), LazyConfig()
    first.get_data()
    assert (first.initializations, second.initializations) == (1, 0)


def test_lazy_config_initializations_is_read_only() -> None:
    config = LazyConfig()
    with pytest.raises(AttributeError):
        config.initializations = 5  # type: ignore[misc]
    assert config.initializations == 0


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
def test_lazy_config_initializes_exactly_once_when_eight_threads_ask_at_once(interleaving_threads: None) -> None:
    # A fresh config each round: every round is a new race for the first initialization.
    for _ in range(20):
        race_for_the_first_initialization()


def race_for_the_first_initialization() -> None:
    config = LazyConfig()
    assert config.initializations == 0
    assert run_in_threads(THREADS, lambda _: config.get_data()) == ["Initialized Data"] * THREADS
    assert config.initializations == 1


GIL_CHECK = """
import sys
import pyo3_showcase
from pyo3_showcase import arrays, classes, concurrency, dnd, errors, functions, iterators, text
print(sys._is_gil_enabled())
"""


@pytest.mark.skipif(not FREE_THREADED, reason="GIL build: the GIL is always on, there is nothing to keep off")
@pytest.mark.parametrize("where", ["this process", "fresh interpreter"])
def test_importing_pyo3_showcase_keeps_the_gil_disabled(where: str) -> None:
    if where == "this process":
        is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
        assert is_gil_enabled is not None
        assert is_gil_enabled() is False
        return
    # A fresh interpreter with PYTHON_GIL unset: only the module's own gil_used=false keeps the GIL off, and
    # the RuntimeWarning Python emits when an extension re-enables the GIL is turned into a failure.
    env = {key: value for key, value in os.environ.items() if key != "PYTHON_GIL"}
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", GIL_CHECK],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "False", "")
