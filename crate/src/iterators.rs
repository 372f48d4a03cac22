//! Iterators from the guide: a class iterator, a Rust iterator wrapped for Python,
//! an async iterator driven by tokio, and a set whose iterator borrows instead of cloning.
//!
//! Every class here is `frozen` and keeps its state in atomics or behind a lock, so that many
//! threads may share one iterator, free-threaded Python included: each item goes to exactly one
//! of them, where a `&mut self` method would make the others fail with "Already borrowed".

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use indexmap::IndexSet;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PySet};
use pyo3::{PyTraverseError, PyVisit};

/// How many values the guide's iterators yield.
const ITEMS: u32 = 5;

/// Lock `mutex`, also after a panic in another thread: every update under these locks is a single
/// call that leaves the state consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Yields 1, 2, 3, 4, 5: `__iter__` and `__next__` implemented in Rust.
#[pyclass(module = "pyo3_showcase.iterators", name = "PyClassIter", frozen)]
pub struct PyClassIter {
    count: AtomicU32,
}

#[pymethods]
impl PyClassIter {
    #[new]
    fn new() -> Self {
        Self { count: AtomicU32::new(0) }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self) -> Option<u32> {
        let next = |count: u32| (count < ITEMS).then_some(count + 1);
        self.count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, next).ok().map(|count| count + 1)
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
        // RuntimeError("no running event loop") outside a coroutine, as for any awaitable.
        let event_loop = py.import(intern!(py, "asyncio"))?.call_method0(intern!(py, "get_running_loop"))?;
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let (event_loop, settled) = (event_loop.unbind(), future.clone().unbind());
        tokio_runtime(py)?.spawn(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let value = (next <= ITEMS).then_some(next);
            // No interpreter to attach to (it is shutting down), or a closed loop: then nobody
            // awaits the value any more, and there is no one to tell.
            let _ = Python::try_attach(|py| -> PyResult<()> {
                let settle = wrap_pyfunction!(settle_future, py)?;
                let threadsafe = intern!(py, "call_soon_threadsafe");
                event_loop.bind(py).call_method1(threadsafe, (settle, settled, value)).map(drop)
            });
        });
        Ok(future)
    }
}

/// The runtime `PyAsyncIter` spawns its tasks on: tokio's current-thread scheduler, driven by one
/// thread of its own, started on first use and kept for the life of the process.
fn tokio_runtime(py: Python<'_>) -> PyResult<&'static tokio::runtime::Handle> {
    static RUNTIME: PyOnceLock<tokio::runtime::Handle> = PyOnceLock::new();
    RUNTIME.get_or_try_init(py, || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("pyo3-showcase-tokio".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))?;
        Ok(handle)
    })
}

/// Settle `future` with `value`, or end the iteration (`None`), unless it was cancelled meanwhile.
/// Runs on the event loop's thread, as asyncio futures require.
#[pyfunction]
fn settle_future(future: &Bound<'_, PyAny>, value: Option<u32>) -> PyResult<()> {
    let py = future.py();
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match value {
        Some(value) => future.call_method1(intern!(py, "set_result"), (value,))?,
        None => future.call_method1(intern!(py, "set_exception"), (PyStopAsyncIteration::new_err(()),))?,
    };
    Ok(())
}

/// Wraps a Rust iterator (here over a list's items) as a Python iterator.
#[pyclass(module = "pyo3_showcase.iterators", name = "MyIterator", frozen)]
pub struct MyIterator {
    // A concrete iterator type (not `Box<dyn Iterator>`) so the garbage collector can see the
    // items not yet yielded: a cycle through them is then collected.
    items: Mutex<std::vec::IntoIter<Py<PyAny>>>,
}

#[pymethods]
impl MyIterator {
    #[new]
    fn new(items: Vec<Py<PyAny>>) -> Self {
        Self { items: Mutex::new(items.into_iter()) }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // The collector may run while another thread holds the lock (free-threaded Python pauses
        // every thread for it): waiting would never end, so those items go unreported this time,
        // which keeps them alive rather than freeing anything early.
        let items = match self.items.try_lock() {
            Ok(items) => items,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        items.as_slice().iter().try_for_each(|item| visit.call(item))
    }

    fn __clear__(&self) {
        // Released after the lock: dropping an item may run Python code that uses this iterator.
        let pending = std::mem::take(&mut *lock(&self.items));
        drop(pending);
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self) -> Option<Py<PyAny>> {
        lock(&self.items).next()
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
        lock(&self.items)
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

    /// Like `set`: an unhashable item raises `TypeError` (a `set` is looked up as a `frozenset`),
    /// and a number equal to a member is a member (`1.0`, `Decimal(1)`, `Fraction(2, 2)`).
    fn __contains__(&self, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(value) = item.extract::<i64>() {
            return Ok(self.contains(value));
        }
        if let Err(unhashable) = item.hash() {
            // `set` retries a `set` as a `frozenset`, which is never equal to an integer.
            return if item.is_instance_of::<PySet>() && unhashable.is_instance_of::<PyTypeError>(item.py()) {
                Ok(false)
            } else {
                Err(unhashable)
            };
        }
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
        HashSetIterator { state: Mutex::new(Position { set: Some(slf), index: 0, expected_len }) }
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
#[pyclass(module = "pyo3_showcase.iterators", name = "HashSetIterator", frozen)]
pub struct HashSetIterator {
    state: Mutex<Position>,
}

/// Where a `HashSetIterator` is in its set.
struct Position {
    /// `None` once exhausted: like `set`'s iterator it then lets go of the set and stops for good,
    /// as the iterator protocol requires, even if the set grows afterwards.
    set: Option<Py<HashSet>>,
    index: usize,
    expected_len: usize,
}

#[pymethods]
impl HashSetIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self) -> PyResult<Option<i64>> {
        let mut position = lock(&self.state);
        let Some(set) = &position.set else {
            return Ok(None);
        };
        let items = set.get().items();
        if items.len() != position.expected_len {
            return Err(PyRuntimeError::new_err("Set changed size during iteration"));
        }
        let item = items.get_index(position.index).copied();
        drop(items);
        if item.is_some() {
            position.index += 1;
            return Ok(item);
        }
        // Let go of the set after the lock: dropping the last reference frees it.
        let finished = position.set.take();
        drop(position);
        drop(finished);
        Ok(None)
    }
}
