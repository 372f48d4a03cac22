//! Functions from the guide: arguments, defaults, text signatures and errors.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::errors::Error;

/// Return the sum of two non-negative integers as a string: `sum_as_string(3, 5) == "8"`.
///
/// Raises `OverflowError` if an argument is negative or the sum does not fit in 64 bits.
#[pyfunction]
pub fn sum_as_string(a: u64, b: u64) -> PyResult<String> {
    let sum = a.checked_add(b).ok_or(Error::Overflow("sum does not fit in 64 bits"))?;
    Ok(sum.to_string())
}

/// The `OverflowError` for a result beyond the signed 64-bit range. Made only when needed: the
/// calls that succeed stay as cheap as they can be.
fn beyond_i64() -> PyErr {
    Error::Overflow("result does not fit in a signed 64-bit integer").into()
}

/// Return `x + y`; `y` defaults to 10. Raises `OverflowError` outside the signed 64-bit range.
#[pyfunction]
#[pyo3(signature = (x, y = 10))]
pub fn add(x: i64, y: i64) -> PyResult<i64> {
    x.checked_add(y).ok_or_else(beyond_i64)
}

/// Return `x * x`. Raises `OverflowError` outside the signed 64-bit range.
#[pyfunction]
pub fn square(x: i64) -> PyResult<i64> {
    x.checked_mul(x).ok_or_else(beyond_i64)
}

/// Return `2 * x`. Raises `OverflowError` outside the signed 64-bit range.
#[pyfunction]
pub fn double(x: i64) -> PyResult<i64> {
    x.checked_mul(2).ok_or_else(beyond_i64)
}

/// Return the sum of the squares of `input`, a sequence of non-negative integers (default: empty).
///
/// Errors come in a fixed order. First each number, from the first to the last: the first one
/// that is not an integer raises `TypeError`, negative raises `ValueError("Input contains negative
/// numbers")`, beyond the signed 64-bit range raises `OverflowError`. Then the squares are added
/// from the first to the last, and `OverflowError` is raised as soon as a square or the running
/// sum exceeds that range.
#[pyfunction]
#[pyo3(signature = (input = Vec::new()), text_signature = "(input=[])")]
pub fn sum_of_squares(input: Vec<Bound<'_, PyAny>>) -> PyResult<i64> {
    let numbers = input.iter().map(non_negative_i64).collect::<PyResult<Vec<i64>>>()?;
    Ok(checked_sum_of_squares(&numbers)?)
}

/// `number` as a non-negative `i64`, or the error `sum_of_squares` raises for it.
fn non_negative_i64(number: &Bound<'_, PyAny>) -> PyResult<i64> {
    let negative = || Error::InvalidValue("Input contains negative numbers".into());
    match number.extract::<i64>() {
        Ok(value) if value < 0 => Err(negative().into()),
        Ok(value) => Ok(value),
        // An integer beyond 64 bits: negative ones are refused as negative, like any other.
        Err(overflow) if overflow.is_instance_of::<PyOverflowError>(number.py()) => {
            if number.py().get_type::<PyInt>().call1((number,))?.lt(0)? {
                Err(negative().into())
            } else {
                Err(overflow)
            }
        }
        Err(not_an_integer) => Err(not_an_integer),
    }
}

/// The pure-Rust core of [`sum_of_squares`], testable without Python: the checks in the same order.
pub fn checked_sum_of_squares(input: &[i64]) -> Result<i64, Error> {
    if input.iter().any(|&x| x < 0) {
        return Err(Error::InvalidValue("Input contains negative numbers".into()));
    }
    input.iter().try_fold(0_i64, |total, &x| {
        x.checked_mul(x)
            .and_then(|square| total.checked_add(square))
            .ok_or(Error::Overflow("sum of squares does not fit in a signed 64-bit integer"))
    })
}

/// Parse a decimal integer such as `"42"` or `"-7"`: an optional sign and ASCII digits, like `int(s)`
/// without whitespace, underscores or non-ASCII digits.
///
/// Raises `ValueError` if `s` is not an integer, `OverflowError` if it does not fit in 64 bits.
#[pyfunction]
pub fn parse_int(s: &Bound<'_, PyString>) -> PyResult<i64> {
    // Only a lone surrogate stops `to_str`, and a surrogate is no digit: invalid, as for `int()`.
    match s.to_str().ok().map(parse_decimal) {
        Some(Ok(value)) => Ok(value),
        Some(Err(overflow @ Error::Overflow(_))) => Err(overflow.into()),
        // The literal as Python's repr() shows it, as `int()` does.
        _ => Err(Error::InvalidValue(format!("invalid literal for parse_int(): {}", s.repr()?)).into()),
    }
}

/// The pure-Rust core of [`parse_int`].
pub fn parse_decimal(s: &str) -> Result<i64, Error> {
    use std::num::IntErrorKind;
    s.parse::<i64>().map_err(|err| match err.kind() {
        // Rust reports overflow as soon as the digits read so far overflow, even if a later character
        // makes the literal invalid (`"99999999999999999999-"`); `int()` calls that a `ValueError`.
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow if is_decimal_literal(s) => {
            Error::Overflow("integer does not fit in a signed 64-bit integer")
        }
        _ => Error::InvalidValue(format!("invalid literal for parse_int(): {s:?}")),
    })
}

/// An optional `+` or `-` followed by at least one ASCII digit.
fn is_decimal_literal(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_of_squares_adds_squares() {
        assert_eq!(checked_sum_of_squares(&[]).ok(), Some(0));
        assert_eq!(checked_sum_of_squares(&[1, 2, 3]).ok(), Some(14));
    }

    #[test]
    fn sum_of_squares_rejects_negatives_before_overflow() {
        let err = checked_sum_of_squares(&[i64::MAX, -1]);
        assert!(matches!(err, Err(Error::InvalidValue(_))));
    }

    #[test]
    fn sum_of_squares_reports_overflow() {
        assert!(matches!(checked_sum_of_squares(&[3_037_000_500]), Err(Error::Overflow(_))));
        assert!(matches!(checked_sum_of_squares(&[3_037_000_499, 3_037_000_499]), Err(Error::Overflow(_))));
    }

    #[test]
    fn parse_decimal_accepts_signs_and_rejects_junk() {
        assert_eq!(parse_decimal("-7").ok(), Some(-7));
        assert_eq!(parse_decimal("+7").ok(), Some(7));
        assert!(matches!(parse_decimal("7 "), Err(Error::InvalidValue(_))));
        assert!(matches!(parse_decimal(""), Err(Error::InvalidValue(_))));
        assert!(matches!(parse_decimal("99999999999999999999"), Err(Error::Overflow(_))));
        assert!(matches!(parse_decimal("-99999999999999999999"), Err(Error::Overflow(_))));
    }

    #[test]
    fn parse_decimal_calls_an_invalid_literal_invalid_even_after_overflowing_digits() {
        assert!(matches!(parse_decimal("99999999999999999999-"), Err(Error::InvalidValue(_))));
        assert!(matches!(parse_decimal("-99999999999999999999x"), Err(Error::InvalidValue(_))));
    }
}
