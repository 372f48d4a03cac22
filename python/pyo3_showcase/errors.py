"""Exceptions: a custom exception class, precise ``OSError`` subclasses, and panics."""

from pyo3_showcase._native import CustomError, PanicException, raise_custom_error, read_text, trigger_panic

__all__ = ["CustomError", "PanicException", "raise_custom_error", "read_text", "trigger_panic"]
