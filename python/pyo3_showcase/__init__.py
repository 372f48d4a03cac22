"""Every example of the PyO3 guides, in modern PyO3.

The names live in topic modules (``pyo3_showcase.functions``, ``.classes``, ...) and are all
re-exported here, so ``from pyo3_showcase import sum_as_string`` works as in the guides.
"""

from pyo3_showcase._native import __version__
from pyo3_showcase.arrays import array_data_address, sum_array
from pyo3_showcase.classes import (
    AttributeBag,
    BaseClass,
    ClassWithGCSupport,
    Counter,
    FreelistItem,
    MyClass,
    Number,
    Point,
    SubClass,
    WeakReferenceable,
    WithDict,
    move_point,
    return_myclass,
)
from pyo3_showcase.concurrency import FrozenCounter, LazyConfig, LockCounter
from pyo3_showcase.dnd import Character, roll_dice
from pyo3_showcase.errors import CustomError, PanicException, raise_custom_error, read_text, trigger_panic
from pyo3_showcase.functions import add, double, parse_int, square, sum_as_string, sum_of_squares
from pyo3_showcase.iterators import HashSet, HashSetIterator, MyIterator, PyAsyncIter, PyClassIter
from pyo3_showcase.text import count_words, search, search_py, search_sequential, search_sequential_detached

__all__ = [
    "AttributeBag",
    "BaseClass",
    "Character",
    "ClassWithGCSupport",
    "Counter",
    "CustomError",
    "FreelistItem",
    "FrozenCounter",
    "HashSet",
    "HashSetIterator",
    "LazyConfig",
    "LockCounter",
    "MyClass",
    "MyIterator",
    "Number",
    "PanicException",
    "Point",
    "PyAsyncIter",
    "PyClassIter",
    "SubClass",
    "WeakReferenceable",
    "WithDict",
    "__version__",
    "add",
    "array_data_address",
    "count_words",
    "double",
    "move_point",
    "parse_int",
    "raise_custom_error",
    "read_text",
    "return_myclass",
    "roll_dice",
    "search",
    "search_py",
    "search_sequential",
    "search_sequential_detached",
    "square",
    "sum_array",
    "sum_as_string",
    "sum_of_squares",
    "trigger_panic",
]
