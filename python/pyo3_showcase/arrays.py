"""NumPy interop: read a ``float64`` ndarray in place, without copying it.

Needs NumPy at run time: ``pip install pyo3-showcase[numpy]``.
"""

from pyo3_showcase._native import array_data_address, sum_array

__all__ = ["array_data_address", "sum_array"]
