"""Iterators: a class iterator, a wrapped Rust iterator, a tokio-driven async iterator and a set."""

from pyo3_showcase._native import HashSet, HashSetIterator, MyIterator, PyAsyncIter, PyClassIter

__all__ = ["HashSet", "HashSetIterator", "MyIterator", "PyAsyncIter", "PyClassIter"]
