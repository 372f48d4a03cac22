"""NumPy interop: ``float64`` arrays of any shape and layout are read in place, never copied."""

from __future__ import annotations

import math
import sys
import sysconfig
from collections.abc import Callable
from typing import Any

import pytest

# The release's test environments (scripts/test_wheels.py, cibuildwheel's test step) install NumPy,
# binary only, wherever NumPy publishes a wheel: pyproject.toml's numpy group, whose markers leave out
# only the interpreters and platforms it has none for.
pytest.importorskip(
    "numpy",
    reason=f"NumPy is not installed for {sys.implementation.name} {sys.version_info.major}.{sys.version_info.minor}"
    f"{'t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''} on {sysconfig.get_platform()}: the release's "
    "test environments leave it out only where NumPy publishes no wheel (pyproject.toml's numpy group); "
    "elsewhere pip install 'pyo3-showcase[numpy]'",
)

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from pyo3_showcase import array_data_address, arrays, sum_array

Array = np.ndarray[Any, np.dtype[np.float64]]


def counting_up(*shape: int) -> Array:
    """Whole numbers 1, 2, 3, ... so that every summation order gives the exact same float."""
    return np.arange(1, math.prod(shape) + 1, dtype=np.float64).reshape(shape)


# Each builds a float64 array or a view of one; the views are not C-contiguous.
ARRAYS: dict[str, Callable[[], Array]] = {
    "0-d": lambda: np.array(2.5),
    "empty": lambda: np.empty((0, 3)),
    "1-d": lambda: counting_up(10),
    "2-d": lambda: counting_up(4, 5),
    "3-d": lambda: counting_up(2, 3, 4),
    "every other element": lambda: counting_up(20)[::2],
    "reversed": lambda: counting_up(20)[::-1],
    "every third, reversed": lambda: counting_up(20)[::-3],
    "transposed": lambda: counting_up(4, 5).T,
    "column slice": lambda: counting_up(4, 6)[:, ::3],
    "inner block": lambda: counting_up(5, 6)[1:-1, 2:],
    "Fortran order": lambda: np.asfortranarray(counting_up(3, 4)),
    "swapped axes of 3-d": lambda: counting_up(2, 3, 4).swapaxes(0, 2)[::-1],
    "broadcast (zero strides)": lambda: np.broadcast_to(counting_up(3), (4, 3)),
}


def test_arrays_module_exports_its_functions() -> None:
    assert sorted(arrays.__all__) == ["array_data_address", "sum_array"]


@pytest.mark.parametrize("name", ARRAYS)
def test_sum_array_equals_numpys_sum(name: str) -> None:
    array = ARRAYS[name]()
    assert sum_array(array) == np.sum(array)


@pytest.mark.parametrize("name", ARRAYS)
def test_array_is_read_in_place_without_a_copy(name: str) -> None:
    array = ARRAYS[name]()
    assert array_data_address(array) == array.__array_interface__["data"][0]


def test_sum_array_sees_writes_made_after_the_array_was_created() -> None:
    array = counting_up(3, 3)
    view = array[::2, ::2]
    array[0, 0] = 100.0
    assert sum_array(view) == 100.0 + 3 + 7 + 9


@given(
    npst.arrays(
        np.float64,
        npst.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    )
)
def test_sum_array_matches_the_exact_sum_up_to_rounding(array: Array) -> None:
    exact = math.fsum(array.flat)
    # Any summation order is within size * epsilon * sum(|x|) of the exact sum.
    tolerance = array.size * np.finfo(np.float64).eps * float(np.abs(array).sum())
    assert abs(sum_array(array) - exact) <= tolerance
    assert abs(sum_array(array.T) - exact) <= tolerance


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1.0, math.nan], math.nan), ([math.inf, 1.0], math.inf), ([math.inf, -math.inf], math.nan), ([-0.0], -0.0)],
    ids=["nan", "inf", "inf minus inf", "negative zero"],
)
def test_sum_array_follows_ieee_arithmetic(values: list[float], expected: float) -> None:
    result = sum_array(np.array(values))
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected


def test_readonly_arrays_are_accepted() -> None:
    array = counting_up(6)
    array.setflags(write=False)
    assert sum_array(array) == 21.0
    from_bytes = np.frombuffer(np.array([1.5, 2.5]).tobytes(), dtype=np.float64)
    assert not from_bytes.flags.writeable
    assert sum_array(from_bytes) == 4.0
    assert array_data_address(from_bytes) == from_bytes.__array_interface__["data"][0]


@pytest.mark.parametrize("function", [sum_array, array_data_address])
@pytest.mark.parametrize(
    "dtype",
    [np.int64, np.float32, np.float16, np.complex128, np.bool_, np.object_, np.dtype(np.float64).newbyteorder()],
    ids=["int64", "float32", "float16", "complex128", "bool", "object", "float64 in swapped byte order"],
)
def test_other_dtypes_raise_type_error(function: Callable[[Array], object], dtype: Any) -> None:
    array = np.ones(3, dtype=dtype)
    with pytest.raises(TypeError):
        function(array)


@pytest.mark.parametrize("function", [sum_array, array_data_address])
@pytest.mark.parametrize(
    "value",
    [[1.0, 2.0], (1.0,), 3.0, np.float64(3.0), None, memoryview(b"12345678")],
    ids=["list", "tuple", "float", "numpy scalar", "None", "memoryview"],
)
def test_non_arrays_raise_type_error(function: Callable[[Any], object], value: object) -> None:
    with pytest.raises(TypeError):
        function(value)
