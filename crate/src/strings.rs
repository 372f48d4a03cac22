//! Python `str` to Rust bytes and back, lone surrogates included.
//!
//! A Python `str` may hold lone surrogates (U+D800..U+DFFF): `"\ud800"`, or a file name decoded
//! with `surrogateescape`. They have no UTF-8 form, so PyO3 refuses to extract such a `str` as
//! `&str` (`UnicodeEncodeError`). Where the crate must accept every `str`, it reads the characters
//! as *generalized UTF-8*: what Python's `str.encode("utf-8", "surrogatepass")` writes, each
//! surrogate as the three bytes UTF-8 would give its code point. That is exactly UTF-8 for every
//! `str` without surrogates (read in place, without a copy), and for every `str` it keeps one
//! sequence per character, so comparing bytes compares characters.

use std::borrow::Cow;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// The characters of `text` as generalized UTF-8: borrowed when `text` is valid UTF-8, else a copy.
pub fn generalized_utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(valid) = text.to_str() {
        return Ok(Cow::Borrowed(valid.as_bytes()));
    }
    // Only a lone surrogate makes `to_str` fail; `surrogatepass` encodes it instead of refusing.
    let encoded = text.call_method1(intern!(text.py(), "encode"), ("utf-8", "surrogatepass"))?;
    Ok(Cow::Owned(encoded.cast_into::<PyBytes>()?.as_bytes().to_vec()))
}

/// The `str` whose generalized UTF-8 is `bytes` (the inverse of [`generalized_utf8`]).
pub fn from_generalized_utf8<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    PyString::from_encoded_object(&PyBytes::new(py, bytes), Some(c"utf-8"), Some(c"surrogatepass"))
}

/// `text` as a Rust `String`, each lone surrogate replaced by one U+FFFD (the replacement character).
pub fn replacing_surrogates(text: &Bound<'_, PyString>) -> PyResult<String> {
    let mut rest: &[u8] = &generalized_utf8(text)?;
    let mut lossy = String::with_capacity(rest.len());
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                lossy.push_str(valid);
                return Ok(lossy);
            }
            Err(error) => {
                let (valid, invalid) = rest.split_at(error.valid_up_to());
                lossy.push_str(std::str::from_utf8(valid).unwrap_or_default());
                lossy.push(char::REPLACEMENT_CHARACTER);
                // Generalized UTF-8 is invalid UTF-8 only where a surrogate's three bytes are.
                rest = invalid.get(SURROGATE_LENGTH..).unwrap_or_default();
            }
        }
    }
}

/// The bytes of one surrogate in generalized UTF-8, as of any code point from U+0800 to U+FFFF.
const SURROGATE_LENGTH: usize = 3;
