//! Classes from the guide: constructors, properties, method kinds, inheritance, GC support,
//! class options (`weakref`, `dict`, `freelist`, `frozen`) and the protocol methods.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyAttributeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyString, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use crate::errors::Error;
use crate::strings::{from_generalized_utf8, generalized_utf8};

/// The guide's first class: one integer `num`, also exposed as the property `number`.
#[pyclass(module = "pyo3_showcase.classes", name = "MyClass")]
pub struct MyClass {
    #[pyo3(get, set)]
    num: i32,
}

#[pymethods]
impl MyClass {
    #[new]
    #[pyo3(signature = (num = 10))]
    fn new(num: i32) -> Self {
        Self { num }
    }

    /// The same value as `num`, through a hand-written getter and setter.
    #[getter]
    fn number(&self) -> i32 {
        self.num
    }

    #[setter]
    fn set_number(&mut self, value: i32) {
        self.num = value;
    }

    /// An instance method; always returns 10.
    fn method1(&self) -> i32 {
        10
    }

    /// A class method; always returns 10.
    #[classmethod]
    fn cls_method(_cls: &Bound<'_, PyType>) -> i32 {
        10
    }

    /// A static method; always returns 10.
    #[staticmethod]
    fn static_method(param1: i32, param2: &Bound<'_, PyString>) -> i32 {
        let _ = (param1, param2);
        10
    }

    /// Calling an instance returns its `num`, whatever the positional arguments.
    #[pyo3(signature = (*args))]
    fn __call__(&self, args: &Bound<'_, PyTuple>) -> i32 {
        let _ = args;
        self.num
    }

    /// The guide's full signature: returns `(arg1, args, arg2, kwargs)` exactly as received.
    #[pyo3(signature = (arg1 = true, *args, arg2 = 10, **kwargs))]
    #[allow(clippy::similar_names)] // `arg1`, `args`, `arg2` are the guide's names.
    fn method<'py>(
        &self,
        arg1: bool,
        args: Bound<'py, PyTuple>,
        arg2: i32,
        kwargs: Option<Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let py = args.py();
        let kwargs = match kwargs {
            Some(kwargs) => kwargs,
            None => PyDict::new(py),
        };
        (arg1, args, arg2, kwargs).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!("MyClass(num={})", self.num)
    }
}

/// Return a new `MyClass` with `num == 1`: a Rust function returning a Python class instance.
#[pyfunction]
pub fn return_myclass() -> MyClass {
    MyClass { num: 1 }
}

/// A mutable counter. Methods take `&mut self`, so PyO3 checks borrows at run time.
/// The value is a signed 64-bit integer; `increment` raises `OverflowError` rather than wrap around.
#[pyclass(module = "pyo3_showcase.classes", name = "Counter")]
pub struct Counter {
    value: i64,
}

#[pymethods]
impl Counter {
    #[new]
    #[pyo3(signature = (value = 0))]
    fn new(value: i64) -> Self {
        Self { value }
    }

    /// Add one and return the new value.
    fn increment(&mut self) -> PyResult<i64> {
        self.value =
            self.value.checked_add(1).ok_or(Error::Overflow("counter does not fit in a signed 64-bit integer"))?;
        Ok(self.value)
    }

    /// Return the current value.
    fn get(&self) -> i64 {
        self.value
    }

    /// Replace the current value.
    fn set(&mut self, value: i64) {
        self.value = value;
    }

    fn __repr__(&self) -> String {
        format!("Counter(value={})", self.value)
    }
}

/// A point in the plane. Python classes may subclass it; `==` compares coordinates.
#[pyclass(module = "pyo3_showcase.classes", name = "Point", subclass, eq)]
#[derive(PartialEq)]
pub struct Point {
    #[pyo3(get, set)]
    x: f64,
    #[pyo3(get, set)]
    y: f64,
}

#[pymethods]
impl Point {
    #[new]
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Return the Euclidean distance from `(0, 0)`.
    fn distance_from_origin(&self) -> f64 {
        self.x.hypot(self.y)
    }

    /// Replace the coordinates with `func(x, y)`, holding the point exclusively while `func` runs.
    ///
    /// While `func` runs, `move_point` on the same point raises `RuntimeError` (already borrowed)
    /// instead of changing it behind `update`'s back.
    fn update(slf: &Bound<'_, Self>, func: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut point = slf.try_borrow_mut()?;
        let (x, y): (f64, f64) = func.call1((point.x, point.y))?.extract()?;
        point.x = x;
        point.y = y;
        Ok(())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let class_name = slf.get_type().qualname()?;
        let (x, y) = {
            let point = slf.try_borrow()?;
            (point.x, point.y)
        };
        // Python's float repr (`1e+20`, `nan`), not Rust's (`1e20`, `NaN`).
        Ok(format!("{class_name}(x={}, y={})", PyFloat::new(py, x).repr()?, PyFloat::new(py, y).repr()?))
    }
}

/// Move `point` by `(dx, dy)` in place: a function taking a mutable borrow of a Python object.
///
/// Raises `RuntimeError` if the point is already borrowed (for example inside `Point.update`).
#[pyfunction]
pub fn move_point(point: &Bound<'_, Point>, dx: f64, dy: f64) -> PyResult<()> {
    let mut point = point.try_borrow_mut()?;
    point.x += dx;
    point.y += dy;
    Ok(())
}

/// A base class written in Rust that Python and Rust classes can extend.
#[pyclass(module = "pyo3_showcase.classes", name = "BaseClass", subclass)]
pub struct BaseClass {
    #[pyo3(get)]
    val1: i64,
}

#[pymethods]
impl BaseClass {
    #[new]
    fn new() -> Self {
        Self { val1: 10 }
    }

    /// Return `val1`.
    fn method(&self) -> i64 {
        self.val1
    }
}

/// A Rust class extending `BaseClass`.
#[pyclass(module = "pyo3_showcase.classes", name = "SubClass", extends = BaseClass, subclass)]
pub struct SubClass {
    #[pyo3(get)]
    val2: i64,
}

#[pymethods]
impl SubClass {
    #[new]
    fn new() -> PyClassInitializer<Self> {
        PyClassInitializer::from(BaseClass::new()).add_subclass(Self { val2: 10 })
    }

    /// Call the base class's `method()` and multiply by `val2`: `10 * 10 == 100`.
    fn method2(slf: PyRef<'_, Self>) -> i64 {
        slf.as_super().method() * slf.val2
    }
}

/// Holds an optional reference to any object, and tells the garbage collector about it,
/// so that reference cycles through it (even to itself) are collected.
#[pyclass(module = "pyo3_showcase.classes", name = "ClassWithGCSupport", weakref)]
pub struct ClassWithGCSupport {
    #[pyo3(get, set)]
    obj: Option<Py<PyAny>>,
}

#[pymethods]
impl ClassWithGCSupport {
    #[new]
    #[pyo3(signature = (obj = None))]
    fn new(obj: Option<Py<PyAny>>) -> Self {
        Self { obj }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.obj)?;
        Ok(())
    }

    fn __clear__(&mut self) {
        self.obj = None;
    }
}

/// A class whose instances can be weakly referenced (`#[pyclass(weakref)]`).
#[pyclass(module = "pyo3_showcase.classes", name = "WeakReferenceable", weakref, frozen)]
pub struct WeakReferenceable {}

#[pymethods]
impl WeakReferenceable {
    #[new]
    fn new() -> Self {
        Self {}
    }
}

/// A class whose instances carry a `__dict__`, so arbitrary attributes can be set (`#[pyclass(dict)]`).
#[pyclass(module = "pyo3_showcase.classes", name = "WithDict", dict, frozen)]
pub struct WithDict {}

#[pymethods]
impl WithDict {
    #[new]
    fn new() -> Self {
        Self {}
    }
}

/// A small immutable value whose freed instances are kept for reuse (`#[pyclass(freelist = 64)]`),
/// which makes creating many short-lived instances cheaper.
#[pyclass(module = "pyo3_showcase.classes", name = "FreelistItem", freelist = 64, frozen)]
pub struct FreelistItem {
    #[pyo3(get)]
    value: i64,
}

#[pymethods]
impl FreelistItem {
    #[new]
    fn new(value: i64) -> Self {
        Self { value }
    }
}

/// An immutable integer showing the protocol methods: `str`, `repr`, `bytes`, `format`,
/// every comparison, a hash consistent with `==`, and truthiness.
#[pyclass(module = "pyo3_showcase.classes", name = "Number", frozen)]
pub struct Number {
    #[pyo3(get)]
    value: i64,
}

#[pymethods]
impl Number {
    #[new]
    fn new(value: i64) -> Self {
        Self { value }
    }

    fn __str__(&self) -> String {
        self.value.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Number({})", self.value)
    }

    /// The value as 8 big-endian bytes.
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.value.to_be_bytes())
    }

    /// Format the value exactly as `format(int, spec)` would.
    // The result stays a Python str: `format(55296, "c")` is a lone surrogate, which no Rust
    // String can hold.
    fn __format__<'py>(&self, py: Python<'py>, spec: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        self.value.into_pyobject(py)?.call_method1(intern!(py, "__format__"), (spec,))
    }

    /// Compare values; comparing with anything but a `Number` returns `NotImplemented`.
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<Self>() else {
            return Ok(py.NotImplemented());
        };
        let ordering = self.value.cmp(&other.get().value);
        Ok(op.matches(ordering).into_pyobject(py)?.to_owned().into_any().unbind())
    }

    /// Equal numbers hash equally, and like the `int` they hold: `hash(Number(5)) == hash(5)`.
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.value.into_pyobject(py)?.hash()
    }

    fn __bool__(&self) -> bool {
        self.value != 0
    }
}

/// An object whose attributes live in a Rust map, through `__getattr__`, `__setattr__` and
/// `__delattr__`. Safe to use from many threads at once.
#[pyclass(module = "pyo3_showcase.classes", name = "AttributeBag", frozen)]
pub struct AttributeBag {
    // Keyed by the names' generalized UTF-8, so that any name `setattr` accepts works here too.
    attributes: Mutex<HashMap<Vec<u8>, Py<PyAny>>>,
}

/// The error `getattr` and `delattr` raise for a name the bag does not hold.
fn no_attribute(name: &Bound<'_, PyString>) -> PyResult<PyErr> {
    let message = PyString::new(name.py(), "'AttributeBag' object has no attribute '").add(name)?.add("'")?;
    Ok(PyAttributeError::new_err(message.unbind()))
}

impl AttributeBag {
    fn attributes(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Py<PyAny>>> {
        // A panic while the lock was held cannot leave the map half-updated: every update is one call.
        self.attributes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl AttributeBag {
    #[new]
    fn new() -> Self {
        Self { attributes: Mutex::new(HashMap::new()) }
    }

    fn __getattr__(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        let found = self.attributes().get(generalized_utf8(name)?.as_ref()).map(|value| value.clone_ref(py));
        match found {
            Some(value) => Ok(value),
            None => Err(no_attribute(name)?),
        }
    }

    fn __setattr__(&self, name: &Bound<'_, PyString>, value: Py<PyAny>) -> PyResult<()> {
        let key = generalized_utf8(name)?.into_owned();
        // Drop the previous value only after the lock is released: its destructor may run Python code.
        let previous = self.attributes().insert(key, value);
        drop(previous);
        Ok(())
    }

    fn __delattr__(&self, name: &Bound<'_, PyString>) -> PyResult<()> {
        let removed = self.attributes().remove(generalized_utf8(name)?.as_ref());
        match removed {
            Some(_) => Ok(()),
            None => Err(no_attribute(name)?),
        }
    }

    /// The attribute names that are set, sorted.
    fn __dir__<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyString>>> {
        let mut keys: Vec<Vec<u8>> = self.attributes().keys().cloned().collect();
        // Generalized UTF-8 sorts as the code points do, which is how Python sorts str.
        keys.sort();
        keys.iter().map(|key| from_generalized_utf8(py, key)).collect()
    }
}
