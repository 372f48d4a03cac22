"""Errors: the custom exception class, ``OSError``/``UnicodeDecodeError`` exactly as Python raises them, panics."""

from __future__ import annotations

import errno
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from threads import run_in_threads

import pyo3_showcase
import pyo3_showcase.errors
from pyo3_showcase import CustomError, PanicException, add, raise_custom_error, read_text, trigger_panic

ERROR_NAMES = ["CustomError", "PanicException", "raise_custom_error", "read_text", "trigger_panic"]

# A sysctl with mode 0200: the kernel refuses to let anyone read it, root included.
WRITE_ONLY_FOR_ROOT = "/proc/sys/vm/drop_caches"


# --- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ERROR_NAMES)
def test_name_is_exported_from_the_package_and_the_errors_module(name: str) -> None:
    assert name in pyo3_showcase.__all__
    assert name in pyo3_showcase.errors.__all__
    assert getattr(pyo3_showcase, name) is getattr(pyo3_showcase.errors, name)


def test_errors_module_exports_exactly_the_error_names() -> None:
    assert sorted(pyo3_showcase.errors.__all__) == ERROR_NAMES


# --- CustomError -------------------------------------------------------------------------------


def test_guide_custom_error_snippets() -> None:
    assert str(CustomError) == "<class 'pyo3_showcase.errors.CustomError'>"
    assert CustomError("oops").args == ("oops",)


def test_custom_error_is_a_module_qualified_exception_class() -> None:
    assert CustomError.__module__ == "pyo3_showcase.errors"
    assert CustomError.__qualname__ == "CustomError"
    assert issubclass(CustomError, Exception)
    assert CustomError.__doc__


def test_custom_error_behaves_like_a_python_exception() -> None:
    error = CustomError("oops", 42)
    assert error.args == ("oops", 42)
    assert str(CustomError("oops")) == "oops"
    assert repr(CustomError("oops")) == "CustomError('oops')"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_custom_error_survives_a_pickle_round_trip(protocol: int) -> None:
    restored = pickle.loads(pickle.dumps(CustomError("oops", 1), protocol=protocol))
    assert type(restored) is CustomError
    assert restored.args == ("oops", 1)


def test_custom_error_can_be_subclassed_in_python() -> None:
    class ConfigError(CustomError):
        pass

    with pytest.raises(CustomError) as info:
        raise ConfigError("bad config")
    assert type(info.value) is ConfigError
    assert info.value.args == ("bad config",)


@pytest.mark.parametrize("message", ["oops", "", "ünïcödé ✓", "lone \ud800 surrogate", "\udfff"])
def test_raise_custom_error_raises_custom_error_with_the_message(message: str) -> None:
    with pytest.raises(CustomError) as info:
        raise_custom_error(message)
    assert type(info.value) is CustomError
    assert info.value.args == (message,)


# --- read_text: contents -----------------------------------------------------------------------


class CustomPath(os.PathLike[str]):
    """Any object with ``__fspath__`` is a path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return str(self.path)


@pytest.mark.parametrize("as_path", [str, Path, CustomPath], ids=["str", "Path", "PathLike"])
def test_read_text_returns_the_file_contents(tmp_path: Path, as_path: Callable[[Path], str | Path]) -> None:
    text = "héllo\nwörld ✓ 🦀\n"
    path = tmp_path / "hello.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_text(as_path(path)) == text


def test_read_text_returns_an_empty_string_for_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert read_text(path) == ""


def test_read_text_keeps_line_endings_as_they_are_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n")
    assert read_text(path) == "one\r\ntwo\rthree\n"


def test_read_text_reads_a_large_file_whole(tmp_path: Path) -> None:
    text = "".join(f"line {number} ✓\n" for number in range(100_000))
    path = tmp_path / "large.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_text(path) == text


def test_read_text_works_from_many_threads_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.txt"
    path.write_bytes("shared ✓\n".encode() * 10_000)
    assert run_in_threads(8, lambda _: read_text(path)) == [path.read_text(encoding="utf-8")] * 8


def test_read_text_rejects_a_non_path() -> None:
    with pytest.raises(TypeError):
        read_text(42)  # type: ignore[arg-type]


# --- read_text: OSError exactly as open() raises it --------------------------------------------


def error_from_open(path: str, expected_type: type[OSError]) -> OSError:
    """The error Python's own ``open(path).read()`` raises, checked to be of the expected type."""
    with pytest.raises(expected_type) as info, open(path, encoding="utf-8") as file:
        file.read()
    assert type(info.value) is expected_type
    return info.value


def assert_same_os_error_as_open(path: str, expected_type: type[OSError]) -> None:
    expected = error_from_open(path, expected_type)
    with pytest.raises(expected_type) as info:
        read_text(path)
    actual = info.value
    assert type(actual) is expected_type
    if sys.platform == "win32":
        return  # Windows words its messages differently from the C library that open() uses
    assert actual.errno == expected.errno
    assert actual.strerror == expected.strerror
    assert actual.filename == expected.filename == path
    assert actual.filename2 is None
    assert str(actual) == str(expected)


def missing_file(tmp_path: Path) -> str:
    return str(tmp_path / "missing.txt")


def file_in_missing_directory(tmp_path: Path) -> str:
    return str(tmp_path / "missing" / "file.txt")


def directory(tmp_path: Path) -> str:
    return str(tmp_path)


def file_used_as_directory(tmp_path: Path) -> str:
    (tmp_path / "file.txt").write_bytes(b"")
    return str(tmp_path / "file.txt" / "child.txt")


def undecodable_file_name(tmp_path: Path) -> str:
    # Not UTF-8: Python names it with a surrogate escape, and must get the same name back.
    return os.fsdecode(os.fsencode(tmp_path) + b"/\xff-missing.txt")


def overlong_file_name(tmp_path: Path) -> str:
    # Longer than PATH_MAX (4096 on Linux, 1024 on macOS), so the kernel itself answers ENAMETOOLONG
    # (a plain OSError): a merely long name is left to the filesystem, and overlay filesystems such
    # as a container's may answer ENOENT instead.
    return str(tmp_path / ("x" * 5000))


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="Windows reports these errors differently")


@pytest.mark.parametrize(
    ("make_path", "expected_type"),
    [
        (missing_file, FileNotFoundError),
        (file_in_missing_directory, FileNotFoundError),
        pytest.param(directory, IsADirectoryError, marks=posix_only),
        pytest.param(file_used_as_directory, NotADirectoryError, marks=posix_only),
        pytest.param(undecodable_file_name, FileNotFoundError, marks=posix_only),
        pytest.param(overlong_file_name, OSError, marks=posix_only),
    ],
)
def test_read_text_raises_the_same_os_error_as_open(
    tmp_path: Path, make_path: Callable[[Path], str], expected_type: type[OSError]
) -> None:
    assert_same_os_error_as_open(make_path(tmp_path), expected_type)


@pytest.mark.skipif(sys.platform != "win32", reason="winerror: the Win32 error code exists on Windows only")
@pytest.mark.parametrize(
    ("make_path", "winerror"),
    [(missing_file, 2), (file_in_missing_directory, 3)],  # ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
    ids=["missing file", "missing directory"],
)
def test_read_text_reports_the_windows_error_code_as_winerror(
    tmp_path: Path, make_path: Callable[[Path], str], winerror: int
) -> None:
    path = make_path(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        read_text(path)
    error = info.value
    assert type(error) is FileNotFoundError
    assert (error.winerror, error.errno, error.filename) == (winerror, errno.ENOENT, path)  # type: ignore[attr-defined]
    # The same code and errno as Python's own Win32 calls report for the path (os.stat, not open(),
    # which goes through the C library and sets no winerror).
    with pytest.raises(FileNotFoundError) as by_python:
        os.stat(path)
    assert (error.winerror, error.errno) == (by_python.value.winerror, by_python.value.errno)  # type: ignore[attr-defined]
    assert str(error).startswith(f"[WinError {winerror}] ")


def unreadable_path(tmp_path: Path) -> str:
    """A file that ``open()`` may not read here, or skip: root reads a ``chmod 000`` file."""
    private = tmp_path / "private.txt"
    private.write_bytes(b"secret")
    private.chmod(0)
    for candidate in (str(private), WRITE_ONLY_FOR_ROOT):
        try:
            with open(candidate, encoding="utf-8") as file:
                file.read()
        except PermissionError:
            return candidate
        except OSError:
            continue
    pytest.skip("no file here denies reading to this user")


def test_read_text_raises_the_same_permission_error_as_open(tmp_path: Path) -> None:
    assert_same_os_error_as_open(unreadable_path(tmp_path), PermissionError)


# --- read_text: UnicodeDecodeError exactly as bytes.decode raises it ---------------------------


def read_bytes_as_text(data: bytes) -> str:
    """Write ``data`` to a fresh file and read it back with ``read_text``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "data.txt"
        path.write_bytes(data)
        return read_text(path)


def decode_with_python(data: bytes) -> str | UnicodeDecodeError:
    """What ``bytes.decode("utf-8")`` returns, or the error it raises."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error


def assert_same_decoding_as_python(data: bytes) -> None:
    expected = decode_with_python(data)
    if isinstance(expected, str):
        assert read_bytes_as_text(data) == expected
        return
    with pytest.raises(UnicodeDecodeError) as info:
        read_bytes_as_text(data)
    actual = info.value
    assert type(actual) is UnicodeDecodeError
    assert actual.object == data
    assert (actual.encoding, actual.start, actual.end, actual.reason) == (
        expected.encoding,
        expected.start,
        expected.end,
        expected.reason,
    )
    assert str(actual) == str(expected)


INVALID_UTF8 = {
    "invalid start byte": b"ab\xffcd",
    "lone continuation byte": b"ok\x80",
    "truncated at the end": b"abc\xe2\x82",
    "lone lead byte at the end": b"\xc3",
    "bad continuation byte": b"\xe2\x28\xa1",
    "overlong encoding": b"\xc0\xaf",
    "encoded surrogate": b"\xed\xa0\x80",
    "beyond U+10FFFF": b"\xf4\x90\x80\x80",
    "after valid multi-byte text": "héllo ✓".encode() + b"\xfe",
}


@pytest.mark.parametrize("data", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_read_text_raises_the_same_unicode_decode_error_as_bytes_decode(data: bytes) -> None:
    assert_same_decoding_as_python(data)


def test_unicode_decode_error_carries_the_files_bytes(tmp_path: Path) -> None:
    data = b"valid prefix \xff rest"
    path = tmp_path / "latin1.txt"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as info:
        read_text(path)
    assert info.value.object == data
    assert info.value.start == data.index(b"\xff")


def prefixes(data: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(0, len(data)).map(lambda length: data[:length])


# Valid text, text cut mid-character, and raw bytes, in any mix.
utf8_like_bytes = st.lists(
    st.one_of(
        st.text(max_size=3).map(str.encode),
        st.text(min_size=1, max_size=2).map(str.encode).flatmap(prefixes),
        st.binary(max_size=3),
    ),
    max_size=6,
).map(b"".join)


@given(utf8_like_bytes)
@example(b"\xf0\x9f\xa6")
def test_read_text_decodes_exactly_like_bytes_decode(data: bytes) -> None:
    assert_same_decoding_as_python(data)


# --- panics ------------------------------------------------------------------------------------


def test_panic_exception_derives_from_base_exception_not_exception() -> None:
    assert issubclass(PanicException, BaseException)
    assert not issubclass(PanicException, Exception)


@pytest.mark.parametrize("message", ["boom", "ünïcödé 💥"])
def test_trigger_panic_raises_panic_exception_with_the_message(message: str) -> None:
    with pytest.raises(PanicException) as info:
        trigger_panic(message)
    assert info.value.args == (message,)


def test_trigger_panic_shows_a_lone_surrogate_as_the_replacement_character() -> None:
    # A panic message is a Rust string, which cannot hold a lone surrogate (the docstring says so).
    with pytest.raises(PanicException) as info:
        trigger_panic("lone \ud800 surrogate")
    assert info.value.args == ("lone \ufffd surrogate",)
    assert "U+FFFD" in (trigger_panic.__doc__ or "")


def panic_past_except_exception() -> None:
    try:
        trigger_panic("not an Exception")
    except Exception:  # the point: this handler must not run
        pytest.fail("PanicException was caught as an Exception")


def test_panic_is_not_caught_by_except_exception() -> None:
    with pytest.raises(PanicException):
        panic_past_except_exception()


def test_interpreter_keeps_working_after_panics() -> None:
    for attempt in range(3):
        with pytest.raises(PanicException):
            trigger_panic(f"panic {attempt}")
        assert add(attempt) == attempt + 10
        with pytest.raises(CustomError):
            raise_custom_error("still raising normally")


def test_panic_in_another_thread_reaches_that_thread_as_panic_exception() -> None:
    def panic_and_report(index: int) -> str:
        try:
            trigger_panic(f"thread {index}")
        except PanicException as panic:
            return str(panic)
        return "no panic"

    assert run_in_threads(4, panic_and_report) == [f"thread {index}" for index in range(4)]
