//! The crate's one error type, its conversion to Python exceptions, and the guide's custom exception.

use std::fmt;
use std::path::PathBuf;

use pyo3::exceptions::{PyException, PyOSError, PyOverflowError, PyUnicodeDecodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::strings::replacing_surrogates;

pyo3::create_exception!(
    pyo3_showcase.errors,
    CustomError,
    PyException,
    "An error defined in Rust with `create_exception!`; behaves like any Python exception class."
);

/// Everything that can go wrong inside the crate. Python sees each variant as a precise built-in exception.
#[derive(Debug)]
pub enum Error {
    /// Reading `path` failed; becomes the matching `OSError` subclass (`FileNotFoundError`, ...)
    /// with `errno`, `strerror` and `filename` set, as `open()` would raise it.
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// What the operating system reported.
        source: std::io::Error,
    },
    /// A file was not valid UTF-8; becomes `UnicodeDecodeError` carrying the offending bytes.
    InvalidUtf8(std::string::FromUtf8Error),
    /// A result or an input does not fit the Rust integer type; becomes `OverflowError`.
    Overflow(&'static str),
    /// An argument has a value the function does not accept; becomes `ValueError`.
    InvalidValue(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::InvalidUtf8(err) => write!(f, "{err}"),
            Self::Overflow(what) => write!(f, "{what}"),
            Self::InvalidValue(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::string::FromUtf8Error> for Error {
    fn from(err: std::string::FromUtf8Error) -> Self {
        Self::InvalidUtf8(err)
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> Self {
        match err {
            Error::Io { path, source } => os_error(path, source),
            Error::InvalidUtf8(err) => unicode_decode_error(&err),
            Error::Overflow(what) => PyOverflowError::new_err(what),
            Error::InvalidValue(message) => PyValueError::new_err(message),
        }
    }
}

/// Builds the `OSError` Python's `open()` would raise: `OSError(errno, strerror, filename)` picks the
/// precise subclass (`FileNotFoundError`, `PermissionError`, `IsADirectoryError`, ...) from `errno`.
fn os_error(path: PathBuf, source: std::io::Error) -> PyErr {
    match source.raw_os_error() {
        Some(errno) => {
            let message = source.to_string();
            let strerror = message.strip_suffix(&format!(" (os error {errno})")).unwrap_or(&message).to_owned();
            // `filename` is a `str`, as with `open()`; undecodable bytes round-trip via surrogateescape.
            let filename = path.into_os_string();
            // On Windows the code is a Win32 error: as `winerror`, Python derives errno and the subclass.
            #[cfg(windows)]
            let arguments = (errno, strerror, filename, errno);
            #[cfg(not(windows))]
            let arguments = (errno, strerror, filename);
            PyOSError::new_err(arguments)
        }
        // Not from the operating system (e.g. an unsupported operation): PyO3 maps the error kind.
        None => source.into(),
    }
}

/// Builds the same `UnicodeDecodeError` that `bytes.decode("utf-8")` would raise for these bytes.
fn unicode_decode_error(err: &std::string::FromUtf8Error) -> PyErr {
    let bytes = err.as_bytes();
    let utf8 = err.utf8_error();
    let start = utf8.valid_up_to();
    let (end, reason) = match utf8.error_len() {
        Some(len) => (start + len, invalid_sequence_reason(bytes[start])),
        None => (bytes.len(), "unexpected end of data"),
    };
    PyErr::new::<PyUnicodeDecodeError, _>(("utf-8", bytes.to_vec(), start, end, reason))
}

/// CPython's wording for an invalid sequence starting with `first`: a byte that can start a
/// multi-byte sequence (`0xC2..=0xF4`) was followed by a bad continuation byte.
fn invalid_sequence_reason(first: u8) -> &'static str {
    if (0xC2..=0xF4).contains(&first) { "invalid continuation byte" } else { "invalid start byte" }
}

/// Raise `CustomError(message)`: the guide's example of raising a custom exception from Rust.
#[pyfunction]
pub fn raise_custom_error(message: Bound<'_, PyString>) -> PyResult<()> {
    // The message stays a Python str, so any str (a lone surrogate too) comes back unchanged.
    Err(CustomError::new_err(message.unbind()))
}

/// Read a UTF-8 text file. Errors are the precise `OSError` subclass Python's `open()` would raise
/// (`FileNotFoundError`, `PermissionError`, `IsADirectoryError`, ...), or `UnicodeDecodeError`.
#[pyfunction]
pub fn read_text(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    Ok(py.detach(|| read_utf8_file(&path))?)
}

/// Reads a whole file and checks it is UTF-8, keeping the bytes for the error message if not.
pub fn read_utf8_file(path: &std::path::Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    Ok(String::from_utf8(bytes)?)
}

/// Panic inside Rust on purpose: shows that a panic reaches Python as `PanicException`, not a crash.
///
/// A panic message is a Rust string, which cannot hold a lone surrogate: each one in `message`
/// shows as U+FFFD (the replacement character) in the exception.
#[pyfunction]
#[allow(clippy::missing_panics_doc)] // Panicking is the whole point, and the docstring says so.
pub fn trigger_panic(message: &Bound<'_, PyString>) -> PyResult<()> {
    let message = replacing_surrogates(message)?;
    panic!("{message}");
}
