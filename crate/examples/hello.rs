//! Embedding Python in a Rust program: prints `Hello <user>, I'm Python <version>`.
//!
//! Run with `cargo run --example hello`; PyO3 links the Python found by `PYO3_PYTHON` (or `python3`).

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;

fn main() -> PyResult<()> {
    Python::initialize();
    Python::attach(|py| {
        let sys = py.import("sys")?;
        let version: String = sys.getattr("version")?.extract()?;
        let locals = [("os", py.import("os")?)].into_py_dict(py)?;
        let user: String =
            py.eval(c"os.getenv('USER') or os.getenv('USERNAME') or 'stranger'", None, Some(&locals))?.extract()?;
        // `py.run` executes statements; its results are read back from the same locals.
        py.run(c"implementation = __import__('sys').implementation.name", None, Some(&locals))?;
        let implementation: String =
            locals.get_item("implementation")?.ok_or_else(|| PyKeyError::new_err("implementation"))?.extract()?;
        let version = version.split_whitespace().next().unwrap_or_default();
        println!("Hello {user}, I'm Python {version} ({implementation})");
        Ok(())
    })
}
