//! Classes that stay exact when many threads use them at once, including on free-threaded Python.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A counter that is `frozen` (no `&mut self`) and counts with an atomic integer.
#[pyclass(module = "pyo3_showcase.concurrency", name = "FrozenCounter", frozen)]
pub struct FrozenCounter {
    value: AtomicU64,
}

#[pymethods]
impl FrozenCounter {
    #[new]
    fn new() -> Self {
        Self { value: AtomicU64::new(0) }
    }

    /// Add one and return the new value.
    fn increment(&self) -> u64 {
        self.value.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }

    /// Return the current value.
    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// A counter that is `frozen` and guards its value with a mutex.
#[pyclass(module = "pyo3_showcase.concurrency", name = "LockCounter", frozen)]
pub struct LockCounter {
    value: Mutex<u64>,
}

#[pymethods]
impl LockCounter {
    #[new]
    fn new() -> Self {
        Self { value: Mutex::new(0) }
    }

    /// Add one and return the new value.
    fn increment(&self) -> u64 {
        // The critical section is one addition, so a poisoned lock still holds a valid count.
        let mut value = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        *value = value.wrapping_add(1);
        *value
    }

    /// Return the current value.
    fn get(&self) -> u64 {
        *self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Configuration computed once, on first use, however many threads ask for it at the same time.
#[pyclass(module = "pyo3_showcase.concurrency", name = "LazyConfig", frozen)]
pub struct LazyConfig {
    data: PyOnceLock<String>,
    initializations: AtomicU64,
}

#[pymethods]
impl LazyConfig {
    #[new]
    fn new() -> Self {
        Self { data: PyOnceLock::new(), initializations: AtomicU64::new(0) }
    }

    /// Return the configuration, computing it on the first call: `"Initialized Data"`.
    fn get_data(&self, py: Python<'_>) -> String {
        self.data
            .get_or_init(py, || {
                self.initializations.fetch_add(1, Ordering::Relaxed);
                "Initialized Data".to_owned()
            })
            .clone()
    }

    /// How many times the configuration was computed: 0 before the first `get_data()`, then 1.
    #[getter]
    fn initializations(&self) -> u64 {
        self.initializations.load(Ordering::Relaxed)
    }
}
