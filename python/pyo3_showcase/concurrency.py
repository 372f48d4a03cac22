"""Classes that stay exact when many threads use them at once, free-threaded Python included."""

from pyo3_showcase._native import FrozenCounter, LazyConfig, LockCounter

__all__ = ["FrozenCounter", "LazyConfig", "LockCounter"]
