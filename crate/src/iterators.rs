//! Iterators from the guide: a class iterator, a Rust iterator wrapped for Python,
//! an async iterator driven by tokio, and a set whose iterator borrows instead of cloning.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use indexmap::IndexSet;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;
use pyo3::types::PyInt;
use pyo3::{PyTraverseError, PyVisit};

/// How many values the guide's iterators yield.
const ITEMS: u32 = 5;

/// Yields 1, 2, 3, 4, 5: `__iter__` and `__next__` implemented in Rust.
#[pyclass(module = "pyo3_showcase.iterators", name = "PyClassIter")]
pub struct PyClassIter {
    count: u32,
}

#[pymethods]
impl PyClassIter {
    #[new]
    fn new() -> Self {
        Self { count: 0 }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<u32> {
        (self.count < ITEMS).then(|| {
            self.count += 1;
            self.count
        })
    }
}

/// Async-yields 1, 2, 3, 4, 5; each value is produced by a task on a tokio runtime.
///
/// Use it with `async for` under any asyncio event loop.
#[pyclass(module = "pyo3_showcase.iterators", name = "PyAsyncIter", frozen)]
pub struct PyAsyncIter {
    issued: AtomicU32,
}

#[pymethods]
impl PyAsyncIter {
    #[new]
    fn new() -> Self {
        Self { issued: AtomicU32::new(0) }
    }

    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Take the number now, so values come out in order however the futures are scheduled.
        // Saturate rather than wrap, so an exhausted iterator stays exhausted however often it is polled.
        let (Ok(issued) | Err(issued)) =
            self.issued.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |issued| Some(issued.saturating_add(1)));
        let next = issued.saturating_add(1);
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if next > ITEMS {
                return Err(PyStopAsyncIteration::new_err(()));
            }
            Ok(next)
        })
    }
}

/// Wraps a Rust iterator (here over a list's items) as a Python iterator.
#[pyclass(module = "pyo3_showcase.iterators", name = "MyIterator")]
pub struct MyIterator {
    // A concrete iterator type (not `Box<dyn Iterator>`) so the garbage collector can see the
    // items not yet yielded: a cycle through them is then collected.
    iter: std::vec::IntoIter<Py<PyAny>>,
}

#[pymethods]
impl MyIterator {
    #[new]
    fn new(items: Vec<Py<PyAny>>) -> Self {
        Self { iter: items.into_iter() }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.iter.as_slice().iter().try_for_each(|item| visit.call(item))
    }

    fn __clear__(&mut self) {
        self.iter = Vec::new().into_iter();
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<Py<PyAny>> {
        self.iter.next()
    }
}

/// A set of integers kept in insertion order. Its iterator reads the set in place (no copy)
/// and, like Python's `set`, raises `RuntimeError` if the set changes size during iteration.
#[pyclass(module = "pyo3_showcase.iterators", name = "HashSet", frozen)]
pub struct HashSet {
    items: Mutex<IndexSet<i64>>,
}

impl HashSet {
    fn items(&self) -> MutexGuard<'_, IndexSet<i64>> {
        // Each update is a single IndexSet call, so a poisoned lock still guards a consistent set.
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl HashSet {
    #[new]
    #[pyo3(signature = (items = Vec::new()))]
    fn new(items: Vec<i64>) -> Self {
        Self { items: Mutex::new(items.into_iter().collect()) }
    }

    /// Add `item`; return `True` if it was not already present.
    fn insert(&self, item: i64) -> bool {
        self.items().insert(item)
    }

    /// Return `True` if `item` is in the set.
    fn contains(&self, item: i64) -> bool {
        self.items().contains(&item)
    }

    /// Return the number of items.
    fn len(&self) -> usize {
        self.items().len()
    }

    fn __len__(&self) -> usize {
        self.len()
    }

    fn __contains__(&self, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(value) = item.extract::<i64>() {
            return Ok(self.contains(value));
        }
        // Like `set`, a number equal to a member is a member: 1.0, Decimal(1), Fraction(2, 2).
        // Anything `int()` rejects, or whose `int()` differs from it, is simply not a member.
        let Ok(as_int) = item.py().get_type::<PyInt>().call1((item,)) else {
            return Ok(false);
        };
        let Ok(value) = as_int.extract::<i64>() else {
            return Ok(false);
        };
        Ok(self.contains(value) && item.eq(value)?)
    }

    /// Return an iterator over the items, in insertion order.
    fn iter(slf: Py<Self>) -> HashSetIterator {
        let expected_len = slf.get().len();
        HashSetIterator { set: Some(slf), position: 0, expected_len }
    }

    fn __iter__(slf: Py<Self>) -> HashSetIterator {
        Self::iter(slf)
    }

    fn __repr__(&self) -> String {
        let items: Vec<String> = self.items().iter().map(ToString::to_string).collect();
        format!("HashSet([{}])", items.join(", "))
    }
}

/// Iterator over a `HashSet`; holds a reference to the set and a position, never a copy.
#[pyclass(module = "pyo3_showcase.iterators", name = "HashSetIterator")]
pub struct HashSetIterator {
    /// `None` once exhausted: like `set`'s iterator it then lets go of the set and stops for good,
    /// as the iterator protocol requires, even if the set grows afterwards.
    set: Option<Py<HashSet>>,
    position: usize,
    expected_len: usize,
}

#[pymethods]
impl HashSetIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> PyResult<Option<i64>> {
        let Some(set) = &self.set else {
            return Ok(None);
        };
        let items = set.get().items();
        if items.len() != self.expected_len {
            return Err(PyRuntimeError::new_err("Set changed size during iteration"));
        }
        let item = items.get_index(self.position).copied();
        drop(items);
        if item.is_some() {
            self.position += 1;
        } else {
            self.set = None;
        }
        Ok(item)
    }
}
