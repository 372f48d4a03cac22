"""Word counting: every Rust variant agrees with the pure-Python ``search_py`` on every string.

A *word* is a maximal run of characters that are not whitespace, where whitespace is exactly what
``str.isspace()`` accepts (see the docstring of ``pyo3_showcase.text``).
"""

from __future__ import annotations

import errno
import functools
import random
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from runtime import FREE_THREADED, large_text_mib

from pyo3_showcase import count_words, search, search_py, search_sequential, search_sequential_detached, text

# Every character for which str.isspace() is true (checked below), and characters that look like spaces but are not.
WHITESPACE = [
    *"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680",
    *map(chr, range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
]
LOOK_ALIKES = ["\u200b", "\u180e", "\ufeff"]
WORDS = ["fox", "Fox", "the", "a", "aa", "ünïcödé", "日本語", "🦀", "x\u200by"]

Counter = Callable[[str, str], int]


def count_words_sequential(contents: str, needle: str) -> int:
    return count_words(contents, needle, parallel=False)


def search_in_file(contents: str, needle: str) -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "contents.txt")
        path.write_bytes(contents.encode("utf-8"))
        return search(path, needle)


# Every way the package counts words in a str; `search` reads the same text back from a file.
IN_MEMORY_COUNTERS: dict[str, Counter] = {
    "count_words": count_words,
    "count_words(parallel=False)": count_words_sequential,
    "search_sequential": search_sequential,
    "search_sequential_detached": search_sequential_detached,
}
ALL_COUNTERS: dict[str, Counter] = {**IN_MEMORY_COUNTERS, "search": search_in_file}


def has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(character) <= 0xDFFF for character in text)


def assert_every_counter_agrees_with_search_py(contents: str, needle: str) -> None:
    expected = search_py(contents, needle)
    # A UTF-8 file cannot hold a lone surrogate: `search` gets every contents but those.
    counters = IN_MEMORY_COUNTERS if has_lone_surrogate(contents) else ALL_COUNTERS
    counts = {name: counter(contents, needle) for name, counter in counters.items()}
    assert counts == dict.fromkeys(counters, expected), f"needle={needle!r}"


def test_text_module_exports_the_word_count_functions() -> None:
    expected = ["count_words", "search", "search_py", "search_sequential", "search_sequential_detached"]
    assert sorted(text.__all__) == expected
    assert "*word*" in (text.__doc__ or "")


def test_whitespace_table_is_exactly_what_str_isspace_accepts() -> None:
    # Keeps the strategies below honest: they draw from every whitespace character Python knows.
    assert [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()] == WHITESPACE
    assert not any(c.isspace() for c in LOOK_ALIKES)


@pytest.mark.parametrize(
    ("function", "signature"),
    [
        (count_words, "(contents, needle, parallel=True)"),
        (search_sequential, "(contents, needle)"),
        (search_sequential_detached, "(contents, needle)"),
        (search, "(path, needle)"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rust_functions_have_python_signatures_and_docstrings(function: Callable[..., int], signature: str) -> None:
    assert function.__text_signature__ == signature  # type: ignore[attr-defined]
    assert function.__doc__


@pytest.mark.parametrize(
    ("contents", "needle", "expected"),
    [
        ("the fox and the hound", "the", 2),
        ("the\tfox\nthe\r\nthe\u3000the\x1cthe", "the", 5),
        ("The the THE", "the", 1),
        ("them bathe the there", "the", 1),
        ("aa aaa aa", "aa", 2),
        ("x\u200bx x", "x", 1),
        ("  the  ", "the", 1),
        ("", "the", 0),
        ("a b", "a b", 0),
        ("a b", "", 0),
        ("", "", 0),
        ("🦀 🦀🦀 🦀", "🦀", 2),
    ],
)
def test_counts_whole_words_only(contents: str, needle: str, expected: int) -> None:
    assert search_py(contents, needle) == expected
    assert_every_counter_agrees_with_search_py(contents, needle)


def test_count_words_accepts_keyword_arguments() -> None:
    assert count_words(contents="fox fox", needle="fox", parallel=False) == 2
    assert search(path=__file__, needle="def") == search_py(Path(__file__).read_text(encoding="utf-8"), "def")


# Any str at all: st.characters() with no filter draws lone surrogates too (st.text()'s default does not).
any_text = st.text(st.characters())
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\udc80"]


@given(contents=any_text, data=st.data())
def test_every_counter_agrees_with_search_py_on_arbitrary_text(contents: str, data: st.DataObject) -> None:
    needles = st.one_of(st.sampled_from(contents.split() or [""]), st.text(st.characters(), max_size=3))
    assert_every_counter_agrees_with_search_py(contents, data.draw(needles, label="needle"))


word_texts = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(WHITESPACE),
        st.sampled_from(LOOK_ALIKES),
        st.sampled_from(LONE_SURROGATES),
    ),
    max_size=60,
).map("".join)
needles = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(LONE_SURROGATES),
    st.builds(lambda word, surrogate: word + surrogate, st.sampled_from(WORDS), st.sampled_from(LONE_SURROGATES)),
    st.just(""),
    st.builds(
        lambda first, space, second: first + space + second,
        st.sampled_from(WORDS),
        st.sampled_from(WHITESPACE),
        st.sampled_from(WORDS),
    ),
    st.builds(lambda word, look_alike: word + look_alike, st.sampled_from(WORDS), st.sampled_from(LOOK_ALIKES)),
)


@given(contents=word_texts, needle=needles)
@example(contents="fox\x1ffox\u180efox", needle="fox")
@example(contents="fox fox", needle="fox fox")
@example(contents="\ud800 fox\udfff \udfff\u3000\ud800", needle="\ud800")
@example(contents="fox\udc80 fox \udc80", needle="fox\udc80")
def test_every_counter_agrees_with_search_py_on_words_and_mixed_whitespace(contents: str, needle: str) -> None:
    assert_every_counter_agrees_with_search_py(contents, needle)


def test_needles_that_are_not_words_never_match() -> None:
    contents = "".join(f"fox{space}fox " for space in WHITESPACE)
    for space in WHITESPACE:
        assert_every_counter_agrees_with_search_py(contents, f"fox{space}fox")
        assert count_words(contents, f"fox{space}fox") == 0
    for needle in ("", *WHITESPACE):
        assert count_words(contents, needle) == 0


# Exhaustive: every code point, as a separator between two words.


def code_point_blocks(size: int = 0x1000) -> Iterator[list[str]]:
    for start in range(0, sys.maxunicode + 1, size):
        yield [chr(c) for c in range(start, start + size) if not 0xD800 <= c <= 0xDFFF]


@functools.cache
def separated_code_point_blocks() -> list[tuple[list[str], str]]:
    """Each block of code points, with one text holding ``a<c>a`` for every ``c`` of the block."""
    return [(block, " ".join(f"a{c}a" for c in block)) for block in code_point_blocks()]


@pytest.mark.parametrize("name", IN_MEMORY_COUNTERS)
def test_every_code_point_separates_words_exactly_when_str_split_does(name: str) -> None:
    counter = IN_MEMORY_COUNTERS[name]

    def disagreements(characters: list[str]) -> list[str]:
        return [f"U+{ord(c):04X}" for c in characters if counter(f"a{c}a", "a") != search_py(f"a{c}a", "a")]

    wrong: list[str] = []
    for block, contents in separated_code_point_blocks():
        if any(c.isspace() for c in block):
            # In a block with whitespace, a missed separator could hide behind an extra one: check each code point.
            wrong += disagreements(block)
        elif counter(contents, "a") != 0:
            # No whitespace here, so search_py counts 0 and any "a" found marks a wrong separator: find it.
            wrong += disagreements(block)
    assert wrong == []


# Texts large enough for count_words and search to split them across threads (chunks of about 1 MiB). Only those
# two split texts; the sequential variants are checked above, and in a debug build they would make this slow.
# Their size is one setting (runtime.LARGE_TEXT_SETTING, in the report header): smaller under emulation.

CHUNK_BYTES = 1 << 20
LARGE_TEXT_BYTES = large_text_mib() * CHUNK_BYTES


def random_text(seed: int, tokens: list[str], weights: list[int]) -> str:
    generator = random.Random(seed)
    pieces: list[str] = []
    size = 0
    while size < LARGE_TEXT_BYTES:
        batch = "".join(generator.choices(tokens, weights, k=10_000))
        pieces.append(batch)
        size += len(batch.encode("utf-8"))
    return "".join(pieces)


def words_and_every_whitespace() -> str:
    return random_text(1, [*WORDS, *WHITESPACE, *LOOK_ALIKES], [20] * len(WORDS) + [1] * (len(WHITESPACE) + 3))


def only_multibyte_characters() -> str:
    # Every character is 2 to 4 bytes long, so the ~1 MiB cut points fall inside characters.
    return random_text(
        2, ["ü", "日本語", "🦀", "ünïcödé", "\u3000", "\u2028", "\x85", "\xa0"], [3, 3, 3, 3, 1, 1, 1, 1]
    )


# A third of the large text without whitespace (3 MiB by default), and always longer than a chunk.
LONG_WORD = "日" * max(LARGE_TEXT_BYTES // 9, CHUNK_BYTES // 3 + 1)


def words_longer_than_a_chunk() -> str:
    return f"🦀 {LONG_WORD}\u3000🦀\n{LONG_WORD}🦀 🦀 {LONG_WORD}\t{LONG_WORD}"


def one_word_without_whitespace() -> str:
    return "日" * (LARGE_TEXT_BYTES // 3)


def whitespace_only() -> str:
    return "\u3000 \x85" * (LARGE_TEXT_BYTES // 6)


LARGE_TEXTS: dict[str, tuple[Callable[[], str], list[str]]] = {
    "words and every whitespace": (words_and_every_whitespace, ["fox", "ünïcödé", "🦀", "x\u200by", "absent"]),
    "only multibyte characters": (only_multibyte_characters, ["ü", "日本語", "🦀", "ünïcödé"]),
    "words longer than a chunk": (words_longer_than_a_chunk, ["🦀", LONG_WORD]),
    "one word without whitespace": (one_word_without_whitespace, [one_word_without_whitespace(), "x"]),
    "whitespace only": (whitespace_only, ["\u3000", "x"]),
}


@pytest.mark.parametrize("name", LARGE_TEXTS)
def test_parallel_counters_agree_with_search_py_on_texts_split_across_threads(name: str, tmp_path: Path) -> None:
    make_text, needles_to_try = LARGE_TEXTS[name]
    contents = make_text()
    path = tmp_path / "large.txt"
    path.write_bytes(contents.encode("utf-8"))
    assert path.stat().st_size > LARGE_TEXT_BYTES - CHUNK_BYTES
    expected = {needle: search_py(contents, needle) for needle in needles_to_try}
    assert any(expected.values()) or name == "whitespace only", "the scenario should contain some of its needles"
    assert {needle: count_words(contents, needle) for needle in needles_to_try} == expected
    assert {needle: search(path, needle) for needle in needles_to_try} == expected


@settings(max_examples=20)
@given(
    pattern=st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(WHITESPACE)), min_size=1, max_size=12).map(
        "".join
    ),
    tail=word_texts,
    needle=st.sampled_from(WORDS),
)
def test_parallel_count_agrees_with_search_py_on_repeated_patterns(pattern: str, tail: str, needle: str) -> None:
    # Just over 2 MiB, so count_words splits the text; the tail moves the cut points around.
    repeats = (2 << 20) // len(pattern.encode("utf-8")) + 1
    contents = pattern * repeats + tail
    assert count_words(contents, needle) == search_py(contents, needle)


# Lone surrogates: Python allows them in a str, and every counter takes them as characters.


@pytest.mark.parametrize("name", IN_MEMORY_COUNTERS)
@pytest.mark.parametrize(
    ("contents", "needle", "expected"),
    [
        ("fox \ud800 fox", "fox", 2),
        ("\ud800 fox \ud800", "\ud800", 2),
        ("a \ud800 b \ud800", "\ud800", 2),
        ("fox\udc80 fox", "fox\udc80", 1),
        ("\ud800\udc00 \ud800", "\ud800", 1),  # a surrogate pair in a str is two characters, not one
        ("\ud83e\udd80 \U0001f980", "\U0001f980", 1),  # and never equals the character it would encode
    ],
)
def test_lone_surrogates_are_counted_like_any_character(name: str, contents: str, needle: str, expected: int) -> None:
    assert search_py(contents, needle) == expected
    assert IN_MEMORY_COUNTERS[name](contents, needle) == expected


@pytest.mark.parametrize("code_point", [0xD800, 0xDBFF, 0xDC00, 0xDFFF])
def test_parallel_count_splits_text_with_lone_surrogates(code_point: int) -> None:
    # Over 2 MiB, so count_words really splits it across threads.
    contents = f"{chr(code_point)} fox\u2028" * 300_000
    assert count_words(contents, chr(code_point)) == search_py(contents, chr(code_point)) == 300_000


def test_search_counts_a_needle_with_a_lone_surrogate_as_no_word_of_a_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "contents.txt"
    path.write_text("fox \ufffd fox", encoding="utf-8")
    assert search(path, "\ud83e") == 0
    assert search(path, "fox") == 2


# search(path, needle): reading the file.


@pytest.mark.parametrize("as_path", [Path, str], ids=["Path", "str"])
def test_search_reads_the_file_and_counts(tmp_path: Path, as_path: Callable[[Path], str | Path]) -> None:
    path = tmp_path / "fox.txt"
    path.write_bytes("The fox\r\njumps over the\u2028fox.\nfox".encode())
    assert search(as_path(path), "fox") == 2


def test_search_counts_an_empty_file_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert search(path, "fox") == 0


@pytest.mark.parametrize(
    "invalid",
    [b"fox \xff fox", b"fox \xe6\x97 fox", b"fox \xed\xa0\x80", b"fox \xe6\x97"],
    ids=["invalid start byte", "truncated sequence", "encoded surrogate", "truncated at the end"],
)
def test_search_raises_unicode_decode_error_like_bytes_decode(tmp_path: Path, invalid: bytes) -> None:
    path = tmp_path / "invalid.txt"
    path.write_bytes(invalid)
    with pytest.raises(UnicodeDecodeError) as raised:
        search(path, "fox")
    with pytest.raises(UnicodeDecodeError) as raised_by_decode:
        invalid.decode("utf-8")
    actual, expected = raised.value, raised_by_decode.value
    assert str(actual) == str(expected)
    assert (actual.encoding, actual.object, actual.start, actual.end, actual.reason) == (
        expected.encoding,
        expected.object,
        expected.start,
        expected.end,
        expected.reason,
    )


def test_search_raises_file_not_found_error_with_the_filename(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as error:
        search(missing, "fox")
    assert (error.value.errno, error.value.filename) == (errno.ENOENT, str(missing))


def test_search_raises_is_a_directory_error_for_a_directory(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as error:
        search(tmp_path, "fox")
    assert (error.value.errno, error.value.filename) == (errno.EISDIR, str(tmp_path))


# The guide's Python snippet (parallelism.md), unchanged except for the import.

ZEN = """The Zen of Python, by Tim Peters

Beautiful is better than ugly.
Explicit is better than implicit.
Simple is better than complex.
Complex is better than complicated.
Flat is better than nested.
Sparse is better than dense.
Readability counts.
Special cases aren't special enough to break the rules.
Although practicality beats purity.
Errors should never pass silently.
Unless explicitly silenced.
In the face of ambiguity, refuse the temptation to guess.
There should be one-- and preferably only one --obvious way to do it.
Although that way may not be obvious at first unless you're Dutch.
Now is better than never.
Although never is often better than *right* now.
If the implementation is hard to explain, it's a bad idea.
If the implementation is easy to explain, it may be a good idea.
Namespaces are one honking great idea -- let's do more of those!
"""


def test_guide_snippet_runs_search_sequential_detached_on_two_threads() -> None:
    contents, needle = ZEN * 1000, "is"

    executor = ThreadPoolExecutor(max_workers=2)

    future_1 = executor.submit(search_sequential_detached, contents, needle)
    future_2 = executor.submit(search_sequential_detached, contents, needle)
    result_1 = future_1.result()
    result_2 = future_2.result()

    executor.shutdown()
    assert result_1 == result_2 == search_py(contents, needle) == 10_000


# Releasing the interpreter: another Python thread runs while Rust counts.


def progress_events_during(call: Callable[[], int], attempts: int, enough: int) -> int:
    """Count how often an observer thread ran Python code while ``call()`` was running in this thread.

    The switch interval is raised far above the test's duration, so on a GIL build this thread never has the GIL
    taken from it: the observer runs Python code between ``inside = True`` and ``inside = False`` only if the call
    releases the GIL itself. The observer looks every 0.1 ms, so whether it gets a look in is a matter of chance:
    try ``attempts`` times and stop once ``enough`` events were seen. Nothing is timed.
    """
    inside = False
    events = 0
    stop = threading.Event()

    def observe() -> None:
        nonlocal events
        while not stop.wait(0.0001):  # waits without holding the GIL
            if inside:
                events += 1

    observer = threading.Thread(target=observe)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    observer.start()
    try:
        for _ in range(attempts):
            inside = True
            call()
            inside = False
            if events >= enough:
                break
    finally:
        sys.setswitchinterval(previous)
        stop.set()
        observer.join()
    return events


@functools.cache
def many_words() -> str:
    return "fox " * 500_000


# Each takes the path of a file holding many_words(), which only `search` reads.
DETACHED_COUNTERS: dict[str, Callable[[Path], int]] = {
    "count_words": lambda _: count_words(many_words(), "fox"),
    "count_words(parallel=False)": lambda _: count_words(many_words(), "fox", parallel=False),
    "search_sequential_detached": lambda _: search_sequential_detached(many_words(), "fox"),
    "search": lambda path: search(path, "fox"),
}


@pytest.mark.thread_unsafe(reason="changes sys.setswitchinterval and runs its own observer thread")
@pytest.mark.parametrize("name", DETACHED_COUNTERS)
def test_counting_lets_other_python_threads_run(name: str, tmp_path: Path) -> None:
    path = tmp_path / "many_words.txt"
    path.write_text(many_words(), encoding="utf-8")
    counter = DETACHED_COUNTERS[name]
    assert counter(path) == 500_000
    assert progress_events_during(lambda: counter(path), attempts=200, enough=3) >= 3


@pytest.mark.thread_unsafe(reason="changes sys.setswitchinterval and runs its own observer thread")
@pytest.mark.skipif(FREE_THREADED, reason="free-threaded build: no GIL, so other threads always run")
def test_search_sequential_holds_the_gil_while_counting() -> None:
    # The control experiment: the same observer never gets a look in while the GIL is held throughout.
    assert progress_events_during(lambda: search_sequential(many_words(), "fox"), attempts=5, enough=1) == 0
