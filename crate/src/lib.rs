//! `pyo3_showcase._native`: every example of the PyO3 guides, one topic per module file.
//!
//! Python code imports these names from the public modules of `pyo3_showcase`.

pub mod arrays;
pub mod classes;
pub mod concurrency;
pub mod dnd;
pub mod errors;
pub mod functions;
pub mod iterators;
pub mod strings;
pub mod text;

use pyo3::prelude::*;

/// The compiled core of pyo3_showcase; import names from the public modules instead.
// `gil_used = false` declares (and the test suite checks on free-threaded Python) that every
// class here is safe without the GIL.
#[pymodule(gil_used = false)]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::arrays::{array_data_address, sum_array};
    #[pymodule_export]
    use crate::classes::{
        AttributeBag, BaseClass, ClassWithGCSupport, Counter, FreelistItem, MyClass, Number, Point, SubClass,
        WeakReferenceable, WithDict, move_point, return_myclass,
    };
    #[pymodule_export]
    use crate::concurrency::{FrozenCounter, LazyConfig, LockCounter};
    #[pymodule_export]
    use crate::dnd::{Character, roll_dice};
    #[pymodule_export]
    use crate::errors::{CustomError, raise_custom_error, read_text, trigger_panic};
    #[pymodule_export]
    use crate::functions::{add, double, parse_int, square, sum_as_string, sum_of_squares};
    #[pymodule_export]
    use crate::iterators::{HashSet, HashSetIterator, MyIterator, PyAsyncIter, PyClassIter};
    #[pymodule_export]
    use crate::text::{count_words, search, search_sequential, search_sequential_detached};

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        module.add("__version__", env!("CARGO_PKG_VERSION"))?;
        module.add("PanicException", module.py().get_type::<pyo3::panic::PanicException>())?;
        Ok(())
    }
}
