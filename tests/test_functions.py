"""Functions: results, default arguments, real signatures, and errors instead of wrap-around."""

from __future__ import annotations

import array
import inspect
import pydoc
from collections.abc import Callable, Iterable, Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import pyo3_showcase
import pyo3_showcase.functions
from pyo3_showcase import add, double, parse_int, square, sum_as_string, sum_of_squares

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1

FUNCTION_NAMES = ["add", "double", "parse_int", "square", "sum_as_string", "sum_of_squares"]

i64s = st.integers(I64_MIN, I64_MAX)
# Mostly values near the 64-bit edges, plus small ones so that results also fit.
i64s_and_small = st.one_of(i64s, st.integers(-1000, 1000))


def fits_i64(value: int) -> bool:
    return I64_MIN <= value <= I64_MAX


def assert_result_or_overflow(call: Callable[[], int], exact: int) -> None:
    """``call()`` returns ``exact`` if it fits in a signed 64-bit integer, else raises OverflowError."""
    if fits_i64(exact):
        assert call() == exact
    else:
        with pytest.raises(OverflowError):
            call()


# --- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_is_exported_from_the_package_and_the_functions_module(name: str) -> None:
    assert name in pyo3_showcase.__all__
    assert name in pyo3_showcase.functions.__all__
    assert getattr(pyo3_showcase, name) is getattr(pyo3_showcase.functions, name)


def test_functions_module_exports_exactly_the_functions() -> None:
    assert sorted(pyo3_showcase.functions.__all__) == FUNCTION_NAMES


# --- the guide's snippets ----------------------------------------------------------------------


def test_guide_sum_as_string_snippet() -> None:
    assert sum_as_string(5, 20) == "25"


def test_guide_parse_int_snippet_raises_value_error() -> None:
    with pytest.raises(ValueError, match="bar"):
        parse_int("bar")


# --- signatures and help -----------------------------------------------------------------------

SIGNATURES = [
    (sum_as_string, "(a, b)"),
    (add, "(x, y=10)"),
    (square, "(x)"),
    (double, "(x)"),
    (sum_of_squares, "(input=[])"),
    (parse_int, "(s)"),
]


@pytest.mark.parametrize(("function", "signature"), SIGNATURES)
def test_inspect_signature_shows_the_real_parameters(function: Callable[..., object], signature: str) -> None:
    assert str(inspect.signature(function)) == signature


@pytest.mark.parametrize(("function", "signature"), SIGNATURES)
def test_help_shows_signature_and_docstring(function: Callable[..., object], signature: str) -> None:
    text = pydoc.plain(pydoc.render_doc(function))
    docstring = inspect.getdoc(function)
    assert docstring
    assert f"{function.__name__}{signature}" in text
    assert docstring.splitlines()[0] in text


def test_add_signature_has_default_y_of_10() -> None:
    parameter = inspect.signature(add).parameters["y"]
    assert parameter.default == 10
    assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_sum_of_squares_text_signature_is_written_by_hand() -> None:
    # The stub declares a plain function; at run time it is a builtin with a text signature.
    assert sum_of_squares.__text_signature__ == "(input=[])"  # type: ignore[attr-defined]
    assert inspect.signature(sum_of_squares).parameters["input"].default == []


# --- sum_as_string -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(3, 5, "8"), (0, 0, "0"), (U64_MAX, 0, str(U64_MAX)), (2**63, 2**63 - 1, str(U64_MAX))],
)
def test_sum_as_string_returns_the_decimal_sum(a: int, b: int, expected: str) -> None:
    assert sum_as_string(a, b) == expected


@pytest.mark.parametrize(("a", "b"), [(-1, 5), (5, -1), (U64_MAX + 1, 0), (0, U64_MAX + 1)])
def test_sum_as_string_rejects_arguments_outside_u64(a: int, b: int) -> None:
    with pytest.raises(OverflowError):
        sum_as_string(a, b)


@pytest.mark.parametrize(("a", "b"), [(U64_MAX, 1), (2**63, 2**63)])
def test_sum_as_string_raises_overflow_error_when_the_sum_exceeds_u64(a: int, b: int) -> None:
    with pytest.raises(OverflowError, match="64 bits"):
        sum_as_string(a, b)


@pytest.mark.parametrize("bad", [1.0, "1", None])
def test_sum_as_string_rejects_non_integers(bad: object) -> None:
    with pytest.raises(TypeError):
        sum_as_string(bad, 1)  # type: ignore[arg-type]


@given(st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_sum_as_string_matches_python_within_u64(a: int, b: int) -> None:
    if a + b <= U64_MAX:
        assert sum_as_string(a, b) == str(a + b)
    else:
        with pytest.raises(OverflowError):
            sum_as_string(a, b)


# --- add, square, double -----------------------------------------------------------------------


def test_add_uses_the_default_y() -> None:
    assert add(1) == 11
    assert add(x=-10) == 0


def test_add_takes_positional_and_keyword_arguments() -> None:
    assert add(1, 2) == 3
    assert add(y=2, x=1) == 3


@pytest.mark.parametrize(("x", "y"), [(I64_MAX, 1), (I64_MIN, -1), (I64_MAX - 9, 10)])
def test_add_raises_overflow_error_instead_of_wrapping(x: int, y: int) -> None:
    with pytest.raises(OverflowError):
        add(x, y)


@given(i64s_and_small, i64s_and_small)
def test_add_matches_python_or_overflows(x: int, y: int) -> None:
    assert_result_or_overflow(lambda: add(x, y), x + y)


@pytest.mark.parametrize(("x", "expected"), [(0, 0), (3, 9), (-3, 9), (3_037_000_499, 3_037_000_499**2)])
def test_square_returns_x_times_x(x: int, expected: int) -> None:
    assert square(x) == expected


@pytest.mark.parametrize("x", [3_037_000_500, -3_037_000_500, I64_MAX, I64_MIN])
def test_square_raises_overflow_error_instead_of_wrapping(x: int) -> None:
    with pytest.raises(OverflowError):
        square(x)


@given(i64s_and_small)
@example(3_037_000_499)
@example(3_037_000_500)
def test_square_matches_python_or_overflows(x: int) -> None:
    assert_result_or_overflow(lambda: square(x), x * x)


@pytest.mark.parametrize(("x", "expected"), [(0, 0), (21, 42), (-21, -42), (I64_MIN // 2, I64_MIN)])
def test_double_returns_two_times_x(x: int, expected: int) -> None:
    assert double(x) == expected


@pytest.mark.parametrize("x", [I64_MAX // 2 + 1, I64_MIN // 2 - 1, I64_MAX, I64_MIN])
def test_double_raises_overflow_error_at_the_i64_edges(x: int) -> None:
    with pytest.raises(OverflowError):
        double(x)


@given(i64s_and_small)
def test_double_matches_python_or_overflows(x: int) -> None:
    assert_result_or_overflow(lambda: double(x), 2 * x)


@pytest.mark.parametrize("function", [add, square, double])
@pytest.mark.parametrize("argument", [I64_MAX + 1, I64_MIN - 1])
def test_integer_functions_reject_arguments_outside_i64(function: Callable[[int], int], argument: int) -> None:
    with pytest.raises(OverflowError):
        function(argument)


@pytest.mark.parametrize("function", [add, square, double])
def test_integer_functions_reject_floats(function: Callable[[int], int]) -> None:
    with pytest.raises(TypeError):
        function(2.0)  # type: ignore[arg-type]


# --- sum_of_squares ----------------------------------------------------------------------------


def sum_of_squares_reference(numbers: Sequence[int]) -> int | type[Exception]:
    """The result the Rust rules give, or the exception class they raise."""
    if any(number < 0 for number in numbers):
        return ValueError
    total = sum(number * number for number in numbers)
    return total if fits_i64(total) else OverflowError


def test_sum_of_squares_defaults_to_an_empty_input() -> None:
    assert sum_of_squares() == 0
    assert sum_of_squares([]) == 0


class Squares(Sequence[int]):
    """A user-defined sequence: 1, 2, 3."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int) -> int:  # type: ignore[override]
        if not 0 <= index < 3:
            raise IndexError(index)
        return index + 1


@pytest.mark.parametrize(
    "numbers",
    [[1, 2, 3], (1, 2, 3), range(1, 4), array.array("q", [1, 2, 3]), Squares()],
    ids=["list", "tuple", "range", "array", "user-sequence"],
)
def test_sum_of_squares_accepts_any_sequence_of_ints(numbers: Sequence[int]) -> None:
    assert sum_of_squares(numbers) == 14


@pytest.mark.parametrize(
    "not_a_sequence", [{1, 2}, (number for number in [1, 2]), "12"], ids=["set", "generator", "str"]
)
def test_sum_of_squares_rejects_non_sequences_and_str(not_a_sequence: Iterable[object]) -> None:
    with pytest.raises(TypeError):
        sum_of_squares(not_a_sequence)  # type: ignore[arg-type]


@pytest.mark.parametrize("element", [1.5, "1", None])
def test_sum_of_squares_rejects_non_int_elements(element: object) -> None:
    with pytest.raises(TypeError):
        sum_of_squares([1, element])  # type: ignore[list-item]


@pytest.mark.parametrize("numbers", [[-1], [1, 2, -3], [I64_MIN], [I64_MAX, -1]])
def test_sum_of_squares_rejects_negative_numbers_before_checking_overflow(numbers: list[int]) -> None:
    with pytest.raises(ValueError, match=r"^Input contains negative numbers$"):
        sum_of_squares(numbers)


@pytest.mark.parametrize("numbers", [[3_037_000_500], [3_037_000_499, 3_037_000_499], [I64_MAX]])
def test_sum_of_squares_raises_overflow_error_instead_of_wrapping(numbers: list[int]) -> None:
    with pytest.raises(OverflowError):
        sum_of_squares(numbers)


@pytest.mark.parametrize("number", [I64_MAX + 1, 10**30])
def test_sum_of_squares_rejects_elements_outside_i64(number: int) -> None:
    with pytest.raises(OverflowError):
        sum_of_squares([number])


def test_sum_of_squares_accepts_the_largest_sum_that_fits() -> None:
    assert sum_of_squares([3_037_000_499, 2]) == 3_037_000_499**2 + 4


@given(st.lists(st.one_of(i64s, st.integers(-3, 3_100_000_000)), max_size=8))
@example([3_037_000_499, 3_037_000_499])
@example([I64_MAX, -1])
def test_sum_of_squares_follows_the_python_formula_and_rules(numbers: list[int]) -> None:
    expected = sum_of_squares_reference(numbers)
    if isinstance(expected, int):
        assert sum_of_squares(numbers) == expected
    else:
        with pytest.raises(expected):
            sum_of_squares(numbers)


def sum_of_squares_in_documented_order(numbers: Sequence[object]) -> int | type[Exception]:
    """The documented order: each number first to last (an integer? negative? too large?), then the sum."""
    for number in numbers:
        if not isinstance(number, int):
            return TypeError
        if number < 0:
            return ValueError
        if number > I64_MAX:
            return OverflowError
    total = 0
    for number in numbers:
        total += number * number  # type: ignore[operator]
        if total > I64_MAX:
            return OverflowError
    return total


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([-1, 2**64], ValueError),
        ([2**64, -1], OverflowError),
        ([-(2**64)], ValueError),
        ([1, -(2**70), 2**70], ValueError),
        (["1", -1], TypeError),
        ([-1, "1"], ValueError),
        ([2**64, "1"], OverflowError),
        ([3_037_000_500, -1], ValueError),
        ([3_037_000_500, 2**64], OverflowError),
    ],
)
def test_sum_of_squares_checks_each_number_in_order_before_adding(
    numbers: list[object], expected: type[Exception]
) -> None:
    assert sum_of_squares_in_documented_order(numbers) is expected
    with pytest.raises(expected):
        sum_of_squares(numbers)  # type: ignore[arg-type]


def test_sum_of_squares_documents_the_order_of_its_checks() -> None:
    docstring = inspect.getdoc(sum_of_squares) or ""
    assert "first to the last" in docstring
    assert all(name in docstring for name in ("TypeError", "ValueError", "OverflowError"))


@given(
    st.lists(
        st.one_of(
            st.integers(-(2**70), 2**70),
            st.integers(-3, 3_100_000_000),
            st.booleans(),
            st.floats(allow_nan=False),
            st.text(max_size=2),
            st.none(),
        ),
        max_size=6,
    )
)
@example([-1, 2**64])
@example([2**64, -1])
@example([3_037_000_499, 3_037_000_499, -1])
def test_sum_of_squares_raises_the_first_error_in_the_documented_order(numbers: list[object]) -> None:
    expected = sum_of_squares_in_documented_order(numbers)
    if isinstance(expected, int):
        assert sum_of_squares(numbers) == expected  # type: ignore[arg-type]
    else:
        with pytest.raises(expected):
            sum_of_squares(numbers)  # type: ignore[arg-type]


# --- parse_int ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        ("007", 7),
        ("-0", 0),
        (str(I64_MAX), I64_MAX),
        (str(I64_MIN), I64_MIN),
    ],
)
def test_parse_int_parses_decimal_integers(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", " 1", "1 ", "\t1", "1\n", "1_000", "bar", "+", "-", "+-1", "--1", "1-", "1.0", "0x10", "1e3", "\u0663"],
)
def test_parse_int_raises_value_error_on_anything_but_sign_and_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        parse_int(text)


@pytest.mark.parametrize("text", [str(I64_MAX + 1), str(I64_MIN - 1), "9" * 30, "-" + "9" * 30])
def test_parse_int_raises_overflow_error_beyond_i64(text: str) -> None:
    with pytest.raises(OverflowError):
        parse_int(text)


@pytest.mark.parametrize("text", ["99999999999999999999-", "-99999999999999999999x", "9" * 30 + " "])
def test_parse_int_calls_invalid_literals_invalid_even_when_their_digits_overflow(text: str) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        parse_int(text)


@pytest.mark.parametrize("text", ["\ud800", "1\udfff", "\udc801"])
def test_parse_int_calls_a_lone_surrogate_an_invalid_literal_like_int(text: str) -> None:
    with pytest.raises(ValueError, match="invalid literal") as info:
        parse_int(text)
    assert type(info.value) is ValueError  # not UnicodeEncodeError: any str is a literal to judge
    assert str(info.value) == f"invalid literal for parse_int(): {text!r}"


@given(st.one_of(st.text(alphabet="0123456789+-\ud800", max_size=24), st.integers(-(2**70), 2**70).map(str)))
@example(str(I64_MAX))
@example(str(I64_MAX + 1))
@example(str(I64_MIN))
@example(str(I64_MIN - 1))
@example("99999999999999999999-")
def test_parse_int_agrees_with_int_on_digits_and_signs(text: str) -> None:
    try:
        expected = int(text)
    except ValueError:
        with pytest.raises(ValueError, match="invalid literal"):
            parse_int(text)
        return
    assert_result_or_overflow(lambda: parse_int(text), expected)
