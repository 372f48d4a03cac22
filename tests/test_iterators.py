"""Iterators: the class iterator, the wrapped Rust iterator, the tokio-driven async iterator and ``HashSet``."""

from __future__ import annotations

import asyncio
import gc
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from runtime import PYPY
from threads import run_in_threads

from pyo3_showcase import HashSet, HashSetIterator, MyIterator, PyAsyncIter, PyClassIter, iterators

ONE_TO_FIVE = [1, 2, 3, 4, 5]


def test_iterators_module_exports_its_classes_under_their_public_module() -> None:
    assert sorted(iterators.__all__) == ["HashSet", "HashSetIterator", "MyIterator", "PyAsyncIter", "PyClassIter"]
    for name in iterators.__all__:
        assert getattr(iterators, name).__module__ == "pyo3_showcase.iterators", name


# PyClassIter


def test_class_iterator_yields_one_to_five() -> None:
    assert list(PyClassIter()) == ONE_TO_FIVE


def test_class_iterator_is_its_own_iterator() -> None:
    iterator = PyClassIter()
    assert iter(iterator) is iterator


def test_class_iterator_keeps_raising_stop_iteration_once_exhausted() -> None:
    iterator = PyClassIter()
    assert [next(iterator) for _ in ONE_TO_FIVE] == ONE_TO_FIVE
    for _ in range(3):
        with pytest.raises(StopIteration):
            next(iterator)
    assert list(iterator) == []


def test_each_class_iterator_counts_on_its_own() -> None:
    first, second = PyClassIter(), PyClassIter()
    assert [next(first), next(first), next(second)] == [1, 2, 1]


# PyAsyncIter


async def collect(iterator: PyAsyncIter) -> list[int]:
    return [value async for value in iterator]


def test_async_iterator_yields_one_to_five_under_asyncio_run() -> None:
    assert asyncio.run(collect(PyAsyncIter())) == ONE_TO_FIVE


def test_async_iterator_works_in_successive_event_loops() -> None:
    for _ in range(3):
        assert asyncio.run(collect(PyAsyncIter())) == ONE_TO_FIVE


def test_exhausted_async_iterator_yields_nothing_on_a_second_pass() -> None:
    async def two_passes() -> tuple[list[int], list[int]]:
        iterator = PyAsyncIter()
        return await collect(iterator), await collect(iterator)

    assert asyncio.run(two_passes()) == (ONE_TO_FIVE, [])


def test_async_iterator_numbers_values_in_request_order_when_awaited_together() -> None:
    async def request_seven_at_once() -> list[int | BaseException]:
        iterator = PyAsyncIter()
        return await asyncio.gather(*(iterator.__anext__() for _ in range(7)), return_exceptions=True)

    results = asyncio.run(request_seven_at_once())
    assert results[:5] == ONE_TO_FIVE
    assert [type(result) for result in results[5:]] == [StopAsyncIteration, StopAsyncIteration]


def test_async_iterator_is_its_own_async_iterator() -> None:
    iterator = PyAsyncIter()
    assert iterator.__aiter__() is iterator


def test_async_iterator_needs_a_running_event_loop() -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        PyAsyncIter().__anext__()


# MyIterator


def test_rust_iterator_yields_the_very_objects_it_was_given() -> None:
    items = [object(), "text", [1, 2], None]
    iterator = MyIterator(items)
    for item in items:
        assert next(iterator) is item
    with pytest.raises(StopIteration):
        next(iterator)
    assert list(iterator) == []


def test_rust_iterator_takes_the_items_when_it_is_created() -> None:
    items: list[object] = [1, 2]
    iterator = MyIterator(items)
    items.append(3)
    items[0] = "replaced"
    assert list(iterator) == [1, 2]


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], []), ((7, 8), [7, 8]), (range(3), [0, 1, 2]), (b"ab", [97, 98])],
    ids=["empty list", "tuple", "range", "bytes"],
)
def test_rust_iterator_accepts_any_sequence(items: Sequence[object], expected: list[object]) -> None:
    assert list(MyIterator(items)) == expected


@pytest.mark.parametrize(
    "items",
    ["abc", (item for item in [1]), {1: 2}, 5, None],
    ids=["str", "generator", "dict", "int", "None"],
)
def test_rust_iterator_rejects_what_is_not_a_sequence_of_items(items: object) -> None:
    with pytest.raises(TypeError):
        MyIterator(items)  # type: ignore[arg-type]


def test_rust_iterator_is_its_own_iterator() -> None:
    iterator = MyIterator([1])
    assert iter(iterator) is iterator


# HashSet


def test_hash_set_starts_empty() -> None:
    empty = HashSet()
    assert (len(empty), empty.len(), list(empty), bool(empty)) == (0, 0, [], False)


def test_hash_set_drops_duplicates_and_keeps_first_insertion_order() -> None:
    numbers = HashSet([3, 1, 3, 2, 1])
    assert list(numbers) == [3, 1, 2]
    assert len(numbers) == numbers.len() == 3
    assert repr(numbers) == "HashSet([3, 1, 2])"


def test_hash_set_insert_reports_whether_the_item_is_new() -> None:
    numbers = HashSet([1])
    assert numbers.insert(2) is True
    assert numbers.insert(2) is False
    assert numbers.insert(1) is False
    assert (len(numbers), list(numbers)) == (2, [1, 2])


def test_hash_set_holds_the_whole_signed_64_bit_range() -> None:
    numbers = HashSet()
    for extreme in (-(2**63), 2**63 - 1):
        assert numbers.insert(extreme)
        assert numbers.contains(extreme)
        assert extreme in numbers
    assert list(numbers) == [-(2**63), 2**63 - 1]


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1], ids=["2**63", "-2**63-1"])
def test_hash_set_methods_reject_integers_beyond_64_bits(number: int) -> None:
    numbers = HashSet()
    with pytest.raises(OverflowError):
        numbers.insert(number)
    with pytest.raises(OverflowError):
        numbers.contains(number)


def test_hash_set_contains_method_and_in_operator_agree() -> None:
    numbers = HashSet([10, -4])
    for candidate in (10, -4, 0, 11):
        assert numbers.contains(candidate) is (candidate in numbers) is (candidate in {10, -4})


@pytest.mark.parametrize(
    "candidate",
    ["10", None, 2**63, -(2**63) - 1, 10j, (10,)],
    ids=["str", "None", "2**63", "-2**63-1", "complex", "tuple"],
)
def test_in_operator_is_false_for_non_integers_and_out_of_range_integers(candidate: object) -> None:
    assert candidate not in HashSet([10])


@pytest.mark.parametrize(
    ("candidate", "member"),
    [(10.0, True), (10.5, False), (Decimal(10), True), (Decimal("10.5"), False), (Fraction(20, 2), True)],
    ids=["10.0", "10.5", "Decimal(10)", "Decimal(10.5)", "Fraction(20, 2)"],
)
def test_in_operator_finds_numbers_equal_to_a_member_like_set(candidate: object, member: bool) -> None:
    assert (candidate in HashSet([10])) is member is (candidate in {10})


def test_in_operator_treats_bool_as_int_like_set() -> None:
    assert True in HashSet([1])
    assert (True in HashSet([1])) is (True in {1})


@pytest.mark.parametrize("item", [[1], {1: 1}, bytearray(b"1"), {1}], ids=["list", "dict", "bytearray", "set"])
def test_in_operator_hashes_the_item_first_like_set(item: object) -> None:
    try:
        pythons: bool | BaseException = item in {1}
    except TypeError as error:
        pythons = error
    if isinstance(pythons, TypeError):
        # The reason is hash()'s; set adds context around it from 3.14 on ("cannot use 'list' as a
        # set element (unhashable type: 'list')").
        reason = f"unhashable type: '{type(item).__name__}'"
        with pytest.raises(TypeError) as ours:
            item in HashSet([1])  # noqa: B015 -- the lookup is what raises
        assert str(ours.value) == reason
        assert reason in str(pythons)
    else:
        # set looks a set up as a frozenset, which equals no integer: no TypeError for it.
        assert (item in HashSet([1])) is pythons is False


class UnhashableNumber:
    """Equal to 1 by int() and ==, but refuses to be hashed (raising something other than TypeError)."""

    def __int__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return other == 1

    def __hash__(self) -> int:
        raise ValueError("no hash for you")


def test_in_operator_passes_on_the_error_hash_raises_like_set() -> None:
    for container in (HashSet([1]), {1}):
        with pytest.raises(ValueError, match="no hash for you"):
            UnhashableNumber() in container  # noqa: B015 -- the lookup is what raises


def test_contains_method_rejects_non_integers() -> None:
    with pytest.raises(TypeError):
        HashSet([1]).contains("1")  # type: ignore[arg-type]


@pytest.mark.parametrize("make_iterator", [iter, HashSet.iter], ids=["iter()", "HashSet.iter"])
def test_hash_set_iterates_in_insertion_order(make_iterator: Callable[[HashSet], HashSetIterator]) -> None:
    numbers = HashSet([5, -1, 3])
    numbers.insert(0)
    iterator = make_iterator(numbers)
    assert type(iterator) is HashSetIterator
    assert iter(iterator) is iterator
    assert list(iterator) == [5, -1, 3, 0]


def test_hash_set_unchanged_can_be_iterated_twice_and_nested() -> None:
    numbers = HashSet([1, 2, 3])
    assert list(numbers) == list(numbers) == [1, 2, 3]
    assert [(a, b) for a in numbers for b in numbers] == [(a, b) for a in (1, 2, 3) for b in (1, 2, 3)]


def test_hash_set_matches_the_guides_container_example() -> None:
    inst = HashSet([1, 2, 3, 4])
    assert list(inst) == [1, 2, 3, 4]
    assert list(iter(iter(inst))) == [1, 2, 3, 4]


def test_hash_set_iterator_cannot_be_created_directly() -> None:
    with pytest.raises(TypeError):
        HashSetIterator()


def test_hash_set_iterator_reads_the_set_in_place_instead_of_copying_it() -> None:
    numbers = HashSet([1, 2, 3])
    iterator = iter(numbers)
    numbers.insert(4)
    # A copy taken by iter() would still yield 1; reading the live set sees it grew.
    with pytest.raises(RuntimeError, match=r"^Set changed size during iteration$"):
        next(iterator)


def test_hash_set_iterator_keeps_its_set_alive_after_the_set_name_is_deleted() -> None:
    numbers = HashSet([5, 6, 7])
    iterator = iter(numbers)
    del numbers
    gc.collect()
    assert list(iterator) == [5, 6, 7]


# HashSet behaves like Python's own set when it changes during iteration.

AddItem = Callable[[int], object]


def hash_set_with(items: list[int]) -> tuple[Iterable[int], AddItem]:
    numbers = HashSet(items)
    return numbers, numbers.insert


def builtin_set_with(items: list[int]) -> tuple[Iterable[int], AddItem]:
    numbers = set(items)
    return numbers, numbers.add


LIKE_SET = pytest.mark.parametrize("make_set", [hash_set_with, builtin_set_with], ids=["HashSet", "set"])
# PyPy's own set starts the message with a lower-case "set".
CHANGED_SIZE = re.compile(r"^set changed size during iteration$", re.IGNORECASE)


def error_after_growing_during_iteration(make_set: Callable[[list[int]], tuple[Iterable[int], AddItem]]) -> str:
    numbers, add = make_set([1, 2, 3])
    iterator = iter(numbers)
    next(iterator)
    add(99)
    with pytest.raises(RuntimeError) as error:
        next(iterator)
    return str(error.value)


def test_growing_during_iteration_raises_the_same_runtime_error_as_set() -> None:
    ours = error_after_growing_during_iteration(hash_set_with)
    pythons = error_after_growing_during_iteration(builtin_set_with)
    assert ours == "Set changed size during iteration"
    # CPython's set words it exactly so; PyPy's set writes "set changed size during iteration".
    assert ours == pythons if not PYPY else ours.lower() == pythons.lower()


@LIKE_SET
def test_changed_size_error_repeats_on_every_later_next(
    make_set: Callable[[list[int]], tuple[Iterable[int], AddItem]],
) -> None:
    numbers, add = make_set([1, 2, 3])
    iterator = iter(numbers)
    next(iterator)
    add(99)
    for _ in range(3):
        with pytest.raises(RuntimeError, match=CHANGED_SIZE):
            next(iterator)


@LIKE_SET
def test_adding_an_existing_item_during_iteration_is_harmless(
    make_set: Callable[[list[int]], tuple[Iterable[int], AddItem]],
) -> None:
    numbers, add = make_set([1, 2, 3])
    iterator = iter(numbers)
    seen = [next(iterator)]
    add(2)
    seen.extend(iterator)
    assert sorted(seen) == [1, 2, 3]


@LIKE_SET
def test_exhausted_iterator_stays_exhausted_when_the_set_grows_afterwards(
    make_set: Callable[[list[int]], tuple[Iterable[int], AddItem]],
) -> None:
    numbers, add = make_set([1, 2])
    iterator = iter(numbers)
    assert sorted(iterator) == [1, 2]
    add(3)
    with pytest.raises(StopIteration):
        next(iterator)
    assert sorted(numbers) == [1, 2, 3]


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
def test_hash_set_counts_every_new_item_exactly_once_across_threads(interleaving_threads: None) -> None:
    numbers = HashSet()
    per_thread = 2_000

    def insert_overlapping_range(index: int) -> int:
        # Neighbouring threads share half their numbers, so most inserts race with another thread's.
        start = index * per_thread // 2
        return sum(numbers.insert(number) for number in range(start, start + per_thread))

    newly_inserted = run_in_threads(8, insert_overlapping_range)
    expected = set(range(0, 7 * per_thread // 2 + per_thread))
    assert sum(newly_inserted) == len(numbers) == len(expected)
    assert set(numbers) == expected


# One iterator shared by many threads: each item goes to exactly one of them. On free-threaded Python
# the threads really call __next__ at the same time, which must neither fail nor lose or repeat an item.

THREADS = 8
SHARED_ITEMS = 20_000


def one_shared(make_iterator: Callable[[], Iterator[object]]) -> list[object]:
    """Every item that THREADS threads draining one shared iterator got, in any order."""
    iterator = make_iterator()
    return [item for items in run_in_threads(THREADS, lambda _: list(iterator)) for item in items]


SHARED_ITERATORS: dict[str, tuple[Callable[[], Iterator[object]], list[object]]] = {
    "MyIterator": (lambda: MyIterator(list(range(SHARED_ITEMS))), list(range(SHARED_ITEMS))),
    "HashSetIterator": (lambda: iter(HashSet(list(range(SHARED_ITEMS)))), list(range(SHARED_ITEMS))),
}


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
@pytest.mark.parametrize("name", SHARED_ITERATORS)
def test_an_iterator_shared_by_many_threads_yields_each_item_exactly_once(
    name: str, interleaving_threads: None
) -> None:
    make_iterator, expected = SHARED_ITERATORS[name]
    for _ in range(5):
        assert sorted(one_shared(make_iterator)) == expected  # type: ignore[type-var]


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
def test_class_iterators_shared_by_many_threads_yield_one_to_five_exactly_once(interleaving_threads: None) -> None:
    iterators = [PyClassIter() for _ in range(2_000)]

    def drain_each(_: int) -> list[list[int]]:
        return [list(iterator) for iterator in iterators]

    per_thread = run_in_threads(THREADS, drain_each)
    for index in range(len(iterators)):
        assert sorted(value for drained in per_thread for value in drained[index]) == ONE_TO_FIVE


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
def test_many_threads_iterating_one_hash_set_each_see_all_of_it(interleaving_threads: None) -> None:
    numbers = HashSet(list(range(SHARED_ITEMS)))
    assert run_in_threads(THREADS, lambda _: list(numbers)) == [list(range(SHARED_ITEMS))] * THREADS


class Node:
    """A plain Python object that can sit in a reference cycle and be weakly referenced."""

    iterator: MyIterator | None = None


@pytest.mark.skipif(PYPY, reason="PyPy does not call tp_traverse, so cycles through extension objects leak")
def test_my_iterator_cycle_through_pending_items_is_collected() -> None:
    node = Node()
    node.iterator = MyIterator([node])
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None
