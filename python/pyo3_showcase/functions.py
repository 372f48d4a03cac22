"""Functions: arguments, defaults, text signatures and errors."""

from pyo3_showcase._native import add, double, parse_int, square, sum_as_string, sum_of_squares

__all__ = ["add", "double", "parse_int", "square", "sum_as_string", "sum_of_squares"]
