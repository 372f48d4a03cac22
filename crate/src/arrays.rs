//! NumPy interop with rust-numpy: reading an `ndarray` in place, without copying it.

use numpy::PyReadonlyArrayDyn;
use pyo3::prelude::*;

/// Return the sum of all elements of a `float64` array of any shape, read in place.
///
/// Raises `TypeError` for other dtypes (convert with `array.astype(numpy.float64)`).
#[pyfunction]
pub fn sum_array(array: PyReadonlyArrayDyn<'_, f64>) -> f64 {
    array.as_array().sum()
}

/// Return the address of the first element PyO3 reads from: equal to
/// `array.__array_interface__["data"][0]`, which proves the array was not copied.
#[pyfunction]
pub fn array_data_address(array: PyReadonlyArrayDyn<'_, f64>) -> usize {
    array.as_array().as_ptr() as usize
}
